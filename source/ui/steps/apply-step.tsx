import React, {useMemo, type Dispatch} from 'react';
import {Box, Static, Text} from 'ink';

import type {TableResult} from '../../core/events.js';
import {formatCount, formatDuration, formatPercent, liveRate, plural} from '../../present/numbers.js';
import {phaseWords} from '../../present/progress.js';
import type {Action, Step, WizardContext} from '../state.js';
import {rowsOf, useApply, type ApplyProgress} from '../hooks/use-apply.js';
import {useClock} from '../hooks/use-clock.js';
import {KeyHints} from '../components/key-hints.js';
import {ProgressBar} from '../components/progress-bar.js';
import {Spinner} from '../components/spinner.js';
import {useKeys} from '../hooks/use-keys.js';

interface ApplyStepProps {
	step: Extract<Step, {name: 'apply'}>;
	context: WizardContext;
	dispatch: Dispatch<Action>;
	columns: number;
}

const phaseLabels: Record<NonNullable<ApplyProgress['phase']>, string> = {
	deleting: 'Deleting the rows the source does not have…',
	sequences: 'Moving sequences past the written ids…',
	committing: 'Committing…',
};

/**
 * Parts joined with `separator` into lines no wider than `width`, breaking only between parts: a
 * line written to the scrollback must never wrap in the middle of a number.
 */
export function fitParts(parts: string[], width: number, indent = '    ', separator = ' · '): string[] {
	const lines: string[] = [];
	let line = '';
	for (const part of parts) {
		if (line === '') line = indent + part;
		else if ((line + separator + part).length <= width) line += separator + part;
		else {
			lines.push(line);
			line = indent + part;
		}
	}
	if (line !== '') lines.push(line);
	return lines;
}

/** One finished table as lines that fit `width`: on one line if it can, else name first, then its counts. */
export function finishedLines(result: TableResult, width: number, nameWidth = 0): string[] {
	const time = formatDuration(result.ms);
	const written = rowsOf(result);
	const full = written === 0 ? [`nothing to write (${formatCount(result.skipped)} skipped)`] : [`inserted ${formatCount(result.inserted)}`, `updated ${formatCount(result.updated)}`, `skipped ${formatCount(result.skipped)}`, `deleted ${formatCount(result.deleted)}`];
	const oneLine = `✓ ${result.table.padEnd(nameWidth)}  ${full.join(' · ')}  ${time}`;
	if (oneLine.length <= width) return [oneLine];
	const short = written === 0 ? [`nothing to write (${formatCount(result.skipped)} skipped)`] : [`ins ${formatCount(result.inserted)}`, `upd ${formatCount(result.updated)}`, `skip ${formatCount(result.skipped)}`, `del ${formatCount(result.deleted)}`];
	const shortLine = `✓ ${result.table}  ${short.join(' · ')}  ${time}`;
	if (shortLine.length <= width) return [shortLine];
	return [`✓ ${result.table}`, ...fitParts([...short, time], width)];
}

/** The one write transaction: a bar for the table being written (named by its phase), one for all rows, a live rate and elapsed time. */
export function ApplyStep({step, context, dispatch, columns}: ApplyStepProps) {
	const {session, preview} = context;
	const request = useMemo(() => ({session: session!, plan: preview!.plan, expected: preview!.result}), [session, preview]);
	const {progress, startedAt} = useApply(request, step.abort === 'requested', dispatch);
	const now = useClock(true);
	const elapsed = now - startedAt;

	const expected = new Map(request.expected.tables.map((counts) => [counts.table, counts.insert + counts.update + counts.delete]));
	const tables = request.plan.tables.map((table) => table.id);
	// Terminals wrap a line wider than themselves; the column Ink leaves free keeps the cursor off the edge.
	const lineWidth = Math.max(20, columns - 1);
	const longestName = Math.max(...tables.map((id) => id.length));
	const totalRows = tables.reduce((sum, id) => sum + (expected.get(id) ?? 0), 0);
	const doneRows = tables.reduce((sum, id) => sum + (progress.written[id] ?? 0), 0);
	const finished = progress.finished.length;
	// Wide terminals get a bar of readable length, with its numbers close by.
	const width = Math.min(lineWidth, 80);
	const barWidth = Math.max(10, width - 8);

	useKeys(
		(input, key) => {
			if (input === 'y' || input === 'Y') dispatch({type: 'answer-abort', abort: true});
			else if (input === 'n' || input === 'N' || key.return) dispatch({type: 'answer-abort', abort: false});
		},
		{isActive: step.abort === 'asking'},
	);

	const current = progress.current;
	const activity = progress.activity && progress.activity.table === current ? progress.activity : undefined;
	// The engine diffs each table again inside the transaction before it says how many rows it writes.
	const next = tables.find((id) => !progress.finished.some((result) => result.table === id));
	const currentTotal = current ? (progress.toWrite[current] ?? expected.get(current) ?? 0) : 0;
	const currentDone = current ? (progress.written[current] ?? 0) : 0;
	const currentRatio = activity ? (activity.total > 0 ? activity.done / activity.total : 0) : currentTotal === 0 ? 1 : currentDone / currentTotal;
	const currentText = activity
		? `${phaseWords[activity.phase].label} ${formatCount(activity.done)} / ${formatCount(activity.total)} ${phaseWords[activity.phase].unit}`
		: `${formatCount(currentDone)} / ${formatCount(currentTotal)} rows${currentTotal > 0 && currentDone >= currentTotal ? ' · merging' : ''}`;
	// With nothing to write (all rows already there), tables still finish one by one.
	const overallRatio = totalRows === 0 ? finished / Math.max(1, tables.length) : doneRows / totalRows;
	// Rows written per second once rows are being written; before that the current phase's own rate.
	const rate = doneRows > 0 || !activity ? liveRate(doneRows, elapsed, 'rows') : `${phaseWords[activity.phase].label} ${liveRate(activity.done - activity.from, now - activity.since, phaseWords[activity.phase].unit)}`;

	return (
		<Box flexDirection="column">
			<Static items={progress.finished}>
				{(result) => (
					<Box key={result.table} flexDirection="column">
						{finishedLines(result, lineWidth, Math.min(longestName, 28)).map((line, index) => (
							<Text key={index} wrap="truncate-end" color={index === 0 ? undefined : 'gray'}>
								{line}
							</Text>
						))}
					</Box>
				)}
			</Static>
			<Box flexDirection="column" width={width}>
				<Text wrap="wrap">
					Writing {plural(tables.length, 'table')} in one transaction · {formatCount(finished)} of {formatCount(tables.length)} done
				</Text>
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
						<Text bold>Overall</Text> {formatCount(doneRows)} / {formatCount(totalRows)} rows · {rate} · {formatDuration(Math.round(elapsed))}
					</Text>
					<Text>
						{'  '}
						<ProgressBar ratio={overallRatio} width={barWidth} /> {formatPercent(overallRatio)}
					</Text>
				</Box>
				{step.abort === 'asking' ? (
					<Box marginTop={1} flexDirection="column">
						<Text color="yellow" bold wrap="wrap">
							Abort the sync? Everything written so far is rolled back; the target stays unchanged. (y/N)
						</Text>
					</Box>
				) : null}
				{step.abort === 'requested' ? (
					<Box marginTop={1}>
						<Text color="yellow">
							<Spinner /> Cancelling and rolling back…
						</Text>
					</Box>
				) : null}
				<KeyHints hints={step.abort === 'asking' ? [['y', 'abort and roll back'], ['n', 'keep going']] : [['ctrl-c', 'abort (rolls back)']]} />
			</Box>
		</Box>
	);
}
