import React from 'react';
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
