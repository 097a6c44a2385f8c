import {Box, Text} from 'ink';

import type {PreviewResult} from '../../core/events.js';
import type {ApplyProgress} from '../../present/progress.js';
import {phaseWords, tableRatio} from '../../present/progress.js';
import {formatCount, formatDuration, formatPercent, liveRate, plural} from '../../present/numbers.js';
import {ProgressBar} from './progress-bar.js';
import {Spinner} from './spinner.js';

const phaseLabels: Record<NonNullable<ApplyProgress['phase']>, string> = {
	deleting: 'Deleting the rows the source does not have…',
	sequences: 'Moving sequences past the written ids…',
	committing: 'Committing…',
};

export interface ApplyProgressProps {
	tables: string[];
	/** The confirmed preview: how many rows each table should write. */
	expected: PreviewResult;
	progress: ApplyProgress;
	/** Milliseconds since the transaction was started, and the clock the rates are read against. */
	elapsed: number;
	now: number;
	width: number;
}

/**
 * The write transaction as it runs (the apply's, or a rehearsal's): a bar for the table being written
 * (named by its phase), or the phase after the tables, and one bar for all rows with a live rate.
 */
export function ApplyProgressPanel({tables, expected, progress, elapsed, now, width}: ApplyProgressProps) {
	const toWrite = new Map(
		expected.tables.map((counts) => [counts.table, counts.insert + counts.update + counts.delete]),
	);
	const barWidth = Math.max(10, width - 8);
	const totalRows = tables.reduce((sum, id) => sum + (toWrite.get(id) ?? 0), 0);
	const doneRows = tables.reduce((sum, id) => sum + (progress.written[id] ?? 0), 0);
	const finished = progress.finished.length;
	const current = progress.current;
	const activity = progress.activity && progress.activity.table === current ? progress.activity : undefined;
	// The engine diffs each table again inside the transaction before it says how many rows it writes.
	const next = tables.find((id) => !progress.finished.some((result) => result.table === id));
	const currentTotal = current ? (progress.toWrite[current] ?? toWrite.get(current) ?? 0) : 0;
	const currentDone = current ? (progress.written[current] ?? 0) : 0;
	const currentRatio = activity
		? activity.total > 0
			? activity.done / activity.total
			: 0
		: currentTotal === 0
			? 1
			: currentDone / currentTotal;
	const currentText = activity
		? `${phaseWords[activity.phase].label} ${formatCount(activity.done)} / ${plural(activity.total, phaseWords[activity.phase].one, phaseWords[activity.phase].unit)}`
		: `${formatCount(currentDone)} / ${plural(currentTotal, 'row')}${currentTotal > 0 && currentDone >= currentTotal ? ' · merging' : ''}`;
	// With nothing to write (all rows already there), tables still finish one by one.
	// While a table stages and merges its rows, none count as written yet: the bar follows its phases.
	const currentRows =
		current && activity ? tableRatio(currentDone, currentTotal, activity) * currentTotal - currentDone : 0;
	const overallRatio =
		totalRows === 0 ? finished / Math.max(1, tables.length) : (doneRows + Math.max(0, currentRows)) / totalRows;
	// Rows written per second once rows are being written; before that the current phase's own rate.
	const words = activity ? phaseWords[activity.phase] : undefined;
	const rate =
		doneRows > 0 || !activity || !words
			? liveRate(doneRows, elapsed, 'rows')
			: words.rated
				? `${words.label} ${liveRate(activity.done - activity.from, now - activity.since, words.unit)}`
				: words.label;
	return (
		<>
			<Box flexDirection="column" marginTop={1}>
				{current ? (
					<>
						<Text wrap="truncate-end">
							<Spinner /> <Text bold>{current}</Text>
						</Text>
						<Text wrap="truncate-end" color="gray">
							{'  '}
							{currentText}
						</Text>
						<Text>
							{'  '}
							<ProgressBar ratio={currentRatio} width={barWidth} color="cyan" /> {formatPercent(currentRatio)}
						</Text>
					</>
				) : progress.phase ? (
					<Text wrap="wrap">
						<Spinner /> {phaseLabels[progress.phase]}
					</Text>
				) : progress.started && next ? (
					<Text wrap="truncate-end">
						<Spinner /> <Text bold>{next}</Text> <Text color="gray">comparing both sides inside the transaction…</Text>
					</Text>
				) : (
					<Text wrap="wrap">
						<Spinner /> Opening the transaction and locking the target tables…
					</Text>
				)}
			</Box>
			<Box flexDirection="column" marginTop={1}>
				<Text wrap="wrap">
					<Text bold>Overall</Text> {formatCount(doneRows)} / {plural(totalRows, 'row')} · {rate} ·{' '}
					{formatDuration(Math.round(elapsed))}
				</Text>
				<Text>
					{'  '}
					<ProgressBar ratio={overallRatio} width={barWidth} /> {formatPercent(overallRatio)}
				</Text>
			</Box>
		</>
	);
}
