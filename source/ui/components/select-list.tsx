import {useState, type ReactNode} from 'react';
import {Box, Text} from 'ink';
import {useKeys} from '../hooks/use-keys.js';
import {visibleWindow} from '../format.js';

export interface SelectListProps<T> {
	items: readonly T[];
	initialIndex?: number;
	/** Lines the list may take; longer lists scroll with the cursor. */
	limit?: number;
	renderItem: (item: T, highlighted: boolean) => ReactNode;
	onSelect: (item: T) => void;
	isActive?: boolean;
}

/**
 * A vertical menu (↑↓/j/k, Home/End, Enter). Not ink-select-input: it moves from the state of its
 * last render, so keys that arrive together (`Down Down Enter`) moved once and chose the wrong entry;
 * this one reads its keys through useKeys, one render per key.
 */
export function SelectList<T>({
	items,
	initialIndex = 0,
	limit,
	renderItem,
	onSelect,
	isActive = true,
}: SelectListProps<T>) {
	const [cursor, setCursor] = useState(() => Math.min(Math.max(0, initialIndex), Math.max(0, items.length - 1)));
	const position = Math.min(cursor, Math.max(0, items.length - 1));
	const window = visibleWindow(items.length, position, limit ?? items.length);
	useKeys(
		(input, key) => {
			if (key.upArrow || input === 'k') setCursor(Math.max(0, position - 1));
			else if (key.downArrow || input === 'j') setCursor(Math.min(items.length - 1, position + 1));
			else if (key.home) setCursor(0);
			else if (key.end) setCursor(items.length - 1);
			else if (key.pageUp) setCursor(Math.max(0, position - (window.end - window.start)));
			else if (key.pageDown) setCursor(Math.min(items.length - 1, position + (window.end - window.start)));
			else if (key.return && items[position] !== undefined) onSelect(items[position]!);
		},
		{isActive},
	);
	return (
		<Box flexDirection="column">
			{window.start > 0 ? <Text color="gray"> ↑ {window.start} more</Text> : null}
			{items.slice(window.start, window.end).map((item, index) => {
				const highlighted = window.start + index === position;
				return (
					<Box key={window.start + index}>
						<Box width={2} flexShrink={0}>
							<Text color="cyan">{highlighted ? '❯' : ' '}</Text>
						</Box>
						{renderItem(item, highlighted)}
					</Box>
				);
			})}
			{window.end < items.length ? <Text color="gray"> ↓ {items.length - window.end} more</Text> : null}
		</Box>
	);
}
