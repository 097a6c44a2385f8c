import {type ReactNode} from 'react';
import {Box, Text} from 'ink';

export interface NumberColumn {
	header: string;
	/** A shorter header ("ins" for "inserted") for narrow terminals. */
	short?: string;
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
	/** The layout for every row of a list shown a page at a time: columns must not shift while it scrolls. */
	layout?: ColumnLayout;
}

const gap = 2;
const minNameWidth = 14;
const markerWidth = 2;

export interface ColumnLayout {
	headers: string[];
	widths: number[];
	nameWidth: number;
	/** Too narrow for name and numbers side by side: each row's name on its own line, its numbers below. */
	stacked: boolean;
}

/**
 * Fits the table into `width`: full headers, else short ones, else names on their own line above
 * their numbers. Numbers and names are never cut and no column is dropped.
 */
export function layoutColumns(props: Pick<NumberTableProps, 'columns' | 'rows' | 'total' | 'width'>): ColumnLayout {
	const lines = [...props.rows, ...(props.total ? [props.total] : [])];
	const longest = Math.max(0, ...lines.map((row) => row.name.length));
	const measure = (headers: string[], space = gap) =>
		headers.map(
			(header, index) => Math.max(header.length, ...lines.map((row) => row.cells?.[index]?.length ?? 0)) + space,
		);
	const full = props.columns.map((column) => column.header);
	const short = props.columns.map((column) => column.short ?? column.header);
	for (const [headers, space] of [
		[full, gap],
		[short, gap],
		[short, 1],
	] as const) {
		const widths = measure(headers, space);
		const room = props.width - markerWidth - widths.reduce((sum, width) => sum + width, 0);
		// As wide as the longest name, so the numbers sit next to the names on a wide terminal.
		if (room >= longest + 1)
			return {headers, widths, nameWidth: Math.min(Math.max(minNameWidth, longest + 1), room), stacked: false};
	}
	return {headers: short, widths: measure(short), nameWidth: Math.max(1, props.width - markerWidth), stacked: true};
}

/** Per-table counts: a name column that gives way, right-aligned numbers, an optional total line. */
export function NumberTable(props: NumberTableProps) {
	const {headers, widths, nameWidth, stacked} = props.layout ?? layoutColumns(props);
	const numbersWidth = widths.reduce((sum, width) => sum + width, 0);
	const marker = (row: NumberRow) => (
		<Box width={markerWidth} flexShrink={0}>
			{row.marker ? <Text>{row.marker}</Text> : <Text> </Text>}
		</Box>
	);
	const name = (row: NumberRow, bold: boolean) => (
		<Box width={nameWidth} flexShrink={0}>
			<Text wrap="truncate-end" bold={bold} dimColor={row.dim}>
				{row.name}
			</Text>
		</Box>
	);
	const numbers = (row: NumberRow, bold: boolean) =>
		row.cells ? (
			widths.map((width, index) => (
				<Box key={index} width={width} flexShrink={0} justifyContent="flex-end">
					<Text bold={bold} dimColor={row.dim}>
						{row.cells![index] ?? ''}
					</Text>
				</Box>
			))
		) : (
			<Box width={numbersWidth} flexShrink={0} justifyContent="flex-end">
				{row.pending ?? null}
			</Box>
		);
	const line = (row: NumberRow, bold = false) =>
		stacked ? (
			<Box key={row.key} flexDirection="column">
				<Box>
					{marker(row)}
					{name(row, bold)}
				</Box>
				<Box>
					<Box width={markerWidth} flexShrink={0} />
					{numbers(row, bold)}
				</Box>
			</Box>
		) : (
			<Box key={row.key}>
				{marker(row)}
				{name(row, bold)}
				{numbers(row, bold)}
			</Box>
		);
	const header = {key: 'header', name: props.nameHeader, cells: headers, dim: true};
	return (
		<Box flexDirection="column">
			{stacked ? (
				<Box>
					<Box width={markerWidth} flexShrink={0} />
					{numbers(header, false)}
				</Box>
			) : (
				line(header)
			)}
			{props.above ?? null}
			{props.rows.map((row) => line(row))}
			{props.below ?? null}
			{props.total ? (
				<>
					<Text color="gray">
						{' '.repeat(markerWidth) + '─'.repeat(Math.max(0, (stacked ? 0 : nameWidth) + numbersWidth))}
					</Text>
					{line(props.total, true)}
				</>
			) : null}
		</Box>
	);
}
