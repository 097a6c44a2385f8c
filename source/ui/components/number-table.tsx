import React, {type ReactNode} from 'react';
import {Box, Text} from 'ink';

export interface NumberColumn {
	header: string;
	/** Dropped first when the terminal is too narrow for every column. */
	optional?: boolean;
}

export interface NumberRow {
	key: string;
	name: string;
	/** One formatted value per column; absent while the row is still being worked on. */
	cells?: string[];
	/** Shown across the number columns when there are no cells yet (a spinner, "queued"). */
	pending?: ReactNode;
	dim?: boolean;
	marker?: ReactNode;
}

export interface NumberTableProps {
	nameHeader: string;
	columns: NumberColumn[];
	rows: NumberRow[];
	total?: NumberRow;
	width: number;
	/** Lines above and below the visible rows, e.g. "… 3 more". */
	above?: ReactNode;
	below?: ReactNode;
}

const gap = 2;
const minNameWidth = 14;
const markerWidth = 2;

/** Picks the columns that fit: numbers are never cut, the table name is truncated instead. */
export function layoutColumns(props: Pick<NumberTableProps, 'columns' | 'rows' | 'total' | 'width'>): {indexes: number[]; widths: number[]; nameWidth: number} {
	const all = props.columns.map((column, index) => {
		const cells = [...props.rows, ...(props.total ? [props.total] : [])].map((row) => row.cells?.[index] ?? '');
		return Math.max(column.header.length, ...cells.map((cell) => cell.length)) + gap;
	});
	let indexes = props.columns.map((_column, index) => index);
	const room = () => props.width - markerWidth - indexes.reduce((sum, index) => sum + all[index]!, 0);
	for (let index = props.columns.length - 1; index >= 0 && room() < minNameWidth; index--) {
		if (props.columns[index]!.optional) indexes = indexes.filter((kept) => kept !== index);
	}
	// As wide as the longest name, so the numbers sit next to the names on a wide terminal.
	const longest = Math.max(...[...props.rows, ...(props.total ? [props.total] : [])].map((row) => row.name.length), 0);
	return {indexes, widths: indexes.map((index) => all[index]!), nameWidth: Math.max(minNameWidth, Math.min(longest + 1, room()))};
}

/** Per-table counts: a name column that gives way, right-aligned numbers, an optional total line. */
export function NumberTable(props: NumberTableProps) {
	const {indexes, widths, nameWidth} = layoutColumns(props);
	const numbersWidth = widths.reduce((sum, width) => sum + width, 0);
	const line = (row: NumberRow, bold = false) => (
		<Box key={row.key}>
			<Box width={markerWidth} flexShrink={0}>
				{row.marker ? <Text>{row.marker}</Text> : <Text> </Text>}
			</Box>
			<Box width={nameWidth} flexShrink={0}>
				<Text wrap="truncate-end" bold={bold} dimColor={row.dim}>
					{row.name}
				</Text>
			</Box>
			{row.cells ? (
				indexes.map((index, position) => (
					<Box key={index} width={widths[position]} flexShrink={0} justifyContent="flex-end">
						<Text bold={bold} dimColor={row.dim}>
							{row.cells![index] ?? ''}
						</Text>
					</Box>
				))
			) : (
				<Box width={numbersWidth} flexShrink={0} justifyContent="flex-end">
					{row.pending ?? null}
				</Box>
			)}
		</Box>
	);
	return (
		<Box flexDirection="column">
			{line({key: 'header', name: props.nameHeader, cells: props.columns.map((column) => column.header), dim: true})}
			{props.above ?? null}
			{props.rows.map((row) => line(row))}
			{props.below ?? null}
			{props.total ? (
				<>
					<Text color="gray">{' '.repeat(markerWidth) + '─'.repeat(Math.max(0, nameWidth + numbersWidth))}</Text>
					{line(props.total, true)}
				</>
			) : null}
		</Box>
	);
}
