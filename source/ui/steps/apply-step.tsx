import React, {useMemo, type Dispatch} from 'react';
import {Box, Static, Text} from 'ink';

import type {TableResult} from '../../core/events.js';
import {formatCount, formatDuration, formatPercent, formatRate} from '../../present/numbers.js';
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

/** One finished table, its name padded to `nameWidth` so the lines of one run line up. */
function finishedLine(result: TableResult, nameWidth = 0): string {
	const written = rowsOf(result);
	const counts = written === 0 ? `nothing to write (${formatCount(result.skipped)} skipped)` : `inserted ${formatCount(result.inserted)} · updated ${formatCount(result.updated)} · skipped ${formatCount(result.skipped)} · deleted ${formatCount(result.deleted)}`;
	return `${result.table.padEnd(nameWidth)}  ${counts}  ${formatDuration(result.ms)}`;
}

/** The one write transaction: a bar for the table being written, one for all rows, rows/s and elapsed time. */
export function ApplyStep({step, context, dispatch, columns}: ApplyStepProps) {
	const {session, preview} = context;
	const request = useMemo(() => ({session: session!, plan: preview!.plan, expected: preview!.result}), [session, preview]);
	const {progress, startedAt} = useApply(request, step.abort === 'requested', dispatch);
	const now = useClock(true);
	const elapsed = now - startedAt;

	const expected = new Map(request.expected.tables.map((counts) => [counts.table, counts.insert + counts.update + counts.delete]));
	const tables = request.plan.tables.map((table) => table.id);
	const nameWidth = Math.max(...tables.map((id) => id.length));
	const totalRows = tables.reduce((sum, id) => sum + (expected.get(id) ?? 0), 0);
	const doneRows = tables.reduce((sum, id) => sum + (progress.written[id] ?? 0), 0);
	const finished = progress.finished.length;
	// Wide terminals get a bar of readable length, with its numbers close by.
	const width = Math.min(columns, 80);
	const barWidth = Math.max(10, width - 8);

	useKeys(
		(input, key) => {
			if (input === 'y' || input === 'Y') dispatch({type: 'answer-abort', abort: true});
			else if (input === 'n' || input === 'N' || key.return) dispatch({type: 'answer-abort', abort: false});
		},
		{isActive: step.abort === 'asking'},
	);

	const current = progress.current;
	// The engine diffs each table again inside the transaction before it says how many rows it writes.
	const next = tables.find((id) => !progress.finished.some((result) => result.table === id));
	const currentTotal = current ? (progress.toWrite[current] ?? expected.get(current) ?? 0) : 0;
	const currentDone = current ? (progress.written[current] ?? 0) : 0;
	const currentRatio = currentTotal === 0 ? 1 : currentDone / currentTotal;
	// With nothing to write (all rows already there), tables still finish one by one.
	const overallRatio = totalRows === 0 ? finished / Math.max(1, tables.length) : doneRows / totalRows;

	return (
		<Box flexDirection="column">
			<Static items={progress.finished}>
				{(result) => (
					<Text key={result.table} wrap="wrap">
						<Text color="green">✓ </Text>
						{finishedLine(result, nameWidth)}
					</Text>
				)}
			</Static>
			<Box flexDirection="column" width={width}>
				<Text>
					Writing {formatCount(tables.length)} {tables.length === 1 ? 'table' : 'tables'} in one transaction · {formatCount(finished)} of {formatCount(tables.length)} done
				</Text>
				<Box flexDirection="column" marginTop={1}>
					{current ? (
						<>
							<Box>
								<Box flexGrow={1}>
									<Text wrap="truncate-end">
										<Spinner /> <Text bold>{current}</Text>
									</Text>
								</Box>
								<Text color="gray">
									{' '}
									{formatCount(currentDone)} / {formatCount(currentTotal)} rows{currentTotal > 0 && currentDone >= currentTotal ? ' · merging' : ''}
								</Text>
							</Box>
							<Text>
								{'  '}
								<ProgressBar ratio={currentRatio} width={barWidth} color="cyan" /> {formatPercent(currentRatio)}
							</Text>
						</>
					) : progress.phase ? (
						<Text>
							<Spinner /> {phaseLabels[progress.phase]}
						</Text>
					) : progress.started && next ? (
						<Text wrap="truncate-end">
							<Spinner /> <Text bold>{next}</Text> <Text color="gray">comparing both sides inside the transaction…</Text>
						</Text>
					) : (
						<Text>
							<Spinner /> Opening the transaction and locking the target tables…
						</Text>
					)}
				</Box>
				<Box flexDirection="column" marginTop={1}>
					<Text wrap="wrap">
						<Text bold>Overall</Text> {formatCount(doneRows)} / {formatCount(totalRows)} rows · {formatRate(doneRows, elapsed)} · {formatDuration(Math.round(elapsed))}
					</Text>
					<Text>
						{'  '}
						<ProgressBar ratio={overallRatio} width={barWidth} /> {formatPercent(overallRatio)}
					</Text>
				</Box>
				{step.abort === 'asking' ? (
					<Box marginTop={1} flexDirection="column">
						<Text color="yellow" bold>
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
