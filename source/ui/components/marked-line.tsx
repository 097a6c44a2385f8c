import {type ReactNode} from 'react';
import {Box, Text} from 'ink';

/**
 * A mark (✗, →, ↺, ✓, !) and its text, the text in its own column: a long line wraps under its
 * first word, never back to column 0. `indent` places a hint under the message it belongs to.
 */
export function MarkedLine({
	mark,
	children,
	color,
	bold,
	indent = 0,
}: {
	mark: string;
	children: ReactNode;
	color?: string;
	bold?: boolean;
	indent?: number;
}) {
	return (
		<Box paddingLeft={indent}>
			<Box width={mark.length + 1} flexShrink={0}>
				<Text color={color} bold={bold}>
					{mark}
				</Text>
			</Box>
			<Box flexGrow={1} flexShrink={1}>
				<Text color={color} bold={bold} wrap="wrap">
					{children}
				</Text>
			</Box>
		</Box>
	);
}
