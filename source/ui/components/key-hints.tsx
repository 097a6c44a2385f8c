import {Box, Text} from 'ink';

export type KeyHint = readonly [key: string, action: string];

/** The bottom line of every screen: which keys do what here. Wraps rather than cuts off on narrow terminals. */
export function KeyHints({hints}: {hints: readonly KeyHint[]}) {
	return (
		<Box flexWrap="wrap" columnGap={2} marginTop={1}>
			{hints.map(([key, action]) => (
				<Text key={key} wrap="truncate-end">
					<Text bold color="cyan">
						{key}
					</Text>
					<Text color="gray"> {action}</Text>
				</Text>
			))}
		</Box>
	);
}

/** Lines the hints take at `width`, wrapped as KeyHints wraps them (a blank line above). */
export function keyHintsHeight(hints: readonly KeyHint[], width: number): number {
	let lines = 1;
	let used = 0;
	for (const [key, action] of hints) {
		const size = key.length + 1 + action.length;
		if (used > 0 && used + 2 + size > width) {
			lines++;
			used = size;
		} else used += (used > 0 ? 2 : 0) + size;
	}
	return 1 + lines;
}
