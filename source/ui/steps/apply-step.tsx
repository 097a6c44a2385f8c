import {useMemo, useState, type Dispatch} from 'react';
import {Box, Static, Text} from 'ink';

import type {TableResult} from '../../core/events.js';
import {formatCount, formatDuration, plural} from '../../present/numbers.js';
import type {Action, Step, WizardContext} from '../state.js';
import {rowsOf, useApply} from '../hooks/use-apply.js';
import {useClock} from '../hooks/use-clock.js';
import {KeyHints} from '../components/key-hints.js';
import {ApplyProgressPanel} from '../components/apply-progress.js';
import {Spinner} from '../components/spinner.js';
import {useKeys} from '../hooks/use-keys.js';

interface ApplyStepProps {
	step: Extract<Step, {name: 'apply'}>;
	context: WizardContext;
	dispatch: Dispatch<Action>;
	columns: number;
}

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
	const full =
		written === 0
			? [`nothing to write (${formatCount(result.skipped)} skipped)`]
			: [
					`inserted ${formatCount(result.inserted)}`,
					`updated ${formatCount(result.updated)}`,
					`skipped ${formatCount(result.skipped)}`,
					`deleted ${formatCount(result.deleted)}`,
				];
	const oneLine = `✓ ${result.table.padEnd(nameWidth)}  ${full.join(' · ')}  ${time}`;
	if (oneLine.length <= width) return [oneLine];
	const short =
		written === 0
			? [`nothing to write (${formatCount(result.skipped)} skipped)`]
			: [
					`ins ${formatCount(result.inserted)}`,
					`upd ${formatCount(result.updated)}`,
					`skip ${formatCount(result.skipped)}`,
					`del ${formatCount(result.deleted)}`,
				];
	const shortLine = `✓ ${result.table}  ${short.join(' · ')}  ${time}`;
	if (shortLine.length <= width) return [shortLine];
	return [`✓ ${result.table}`, ...fitParts([...short, time], width)];
}

/** The one write transaction: a bar for the table being written (named by its phase), one for all rows, a live rate and elapsed time. */
export function ApplyStep({step, context, dispatch, columns}: ApplyStepProps) {
	const {session, preview} = context;
	const request = useMemo(
		() => ({session: session!, plan: preview!.plan, expected: preview!.result}),
		[session, preview],
	);
	// Once COMMIT is sent nothing can be rolled back by cancelling: Ctrl-C then only has the outcome settled at once.
	const [committing, setCommitting] = useState(false);
	const {progress, startedAt, finishedMs} = useApply(
		request,
		step.abort === 'requested' || (committing && step.abort === 'asking'),
		dispatch,
	);
	// 'committing' is the last phase: once seen, it stays.
	if (progress.phase === 'committing' && !committing) setCommitting(true);
	const now = useClock(finishedMs === undefined);
	const elapsed = finishedMs ?? now - startedAt;

	const tables = request.plan.tables.map((table) => table.id);
	// Terminals wrap a line wider than themselves; the column Ink leaves free keeps the cursor off the edge.
	const lineWidth = Math.max(20, columns - 1);
	const longestName = Math.max(...tables.map((id) => id.length));
	const finished = progress.finished.length;
	// Wide terminals get a bar of readable length, with its numbers close by.
	const width = Math.min(lineWidth, 80);

	useKeys(
		(input, key) => {
			if (input === 'y' || input === 'Y') dispatch({type: 'answer-abort', abort: true});
			else if (input === 'n' || input === 'N' || key.return) dispatch({type: 'answer-abort', abort: false});
		},
		{isActive: step.abort === 'asking' && !committing},
	);

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
					Writing {plural(tables.length, 'table')} in one transaction · {formatCount(finished)} of{' '}
					{formatCount(tables.length)} done
				</Text>
				<ApplyProgressPanel
					tables={tables}
					expected={request.expected}
					progress={progress}
					elapsed={elapsed}
					now={now}
					width={width}
				/>
				{committing && step.abort !== 'no' ? (
					<Box marginTop={1}>
						<Text color="yellow" wrap="wrap">
							<Spinner /> COMMIT was already sent and cannot be cancelled: checking with the target whether it
							committed…
						</Text>
					</Box>
				) : null}
				{!committing && step.abort === 'asking' ? (
					<Box marginTop={1} flexDirection="column">
						<Text color="yellow" bold wrap="wrap">
							Abort the sync? Everything written so far is rolled back; the target stays unchanged. (y/N)
						</Text>
					</Box>
				) : null}
				{!committing && step.abort === 'requested' ? (
					<Box marginTop={1}>
						<Text color="yellow">
							<Spinner /> Cancelling and rolling back…
						</Text>
					</Box>
				) : null}
				<KeyHints
					hints={
						committing
							? []
							: step.abort === 'asking'
								? [
										['y', 'abort and roll back'],
										['n', 'keep going'],
									]
								: [['ctrl-c', 'abort (rolls back)']]
					}
				/>
			</Box>
		</Box>
	);
}
