import {useRef, useState, type Dispatch} from 'react';
import {Box, Text} from 'ink';

import type {SyncResult, TableResult} from '../../core/events.js';
import {formatCount, formatDuration, plural} from '../../present/numbers.js';
import {sumResults} from '../../present/totals.js';
import {errorReport, resultReport} from '../../present/json-report.js';
import {undoableRun, type Action, type Step, type WizardContext} from '../state.js';
import type {WizardServices} from '../services.js';
import {toUserError} from '../errors.js';
import {cascadeLine} from '../format.js';
import {MarkedLine} from '../components/marked-line.js';
import {ErrorMessage} from '../components/error-message.js';
import {KeyHints, type KeyHint} from '../components/key-hints.js';
import {NumberTable, layoutColumns, type NumberRow} from '../components/number-table.js';
import {useKeys} from '../hooks/use-keys.js';
import {useUndo} from '../hooks/use-undo.js';
import {UndoPanel} from './undo-panel.js';

interface SummaryStepProps {
	step: Extract<Step, {name: 'summary'}>;
	context: WizardContext;
	services: WizardServices;
	dispatch: Dispatch<Action>;
	columns: number;
	rows: number;
	/** The wizard is closing on this screen: it stays as the last frame, without key hints. */
	exiting: boolean;
}

const resultColumns = [
	{header: 'inserted', short: 'ins'},
	{header: 'updated', short: 'upd'},
	{header: 'skipped', short: 'skip'},
	{header: 'deleted', short: 'del'},
	{header: 'time'},
];

/** Lines the summary needs besides the table rows: header, outcome, table header and total, report line, hints. */
const chromeLines = 13;

function resultRows(tables: TableResult[]): NumberRow[] {
	return tables.map((table) => ({
		key: table.table,
		name: table.table,
		cells: [
			...[table.inserted, table.updated, table.skipped, table.deleted].map(formatCount),
			formatDuration(table.ms),
		],
		dim: table.inserted + table.updated + table.deleted === 0,
	}));
}

function totalRow(result: SyncResult): NumberRow {
	const {tables, ms} = result;
	const totals = sumResults(result);
	return {
		key: 'total',
		name: `total (${plural(tables.length, 'table')})`,
		cells: [...[totals.inserted, totals.updated, totals.skipped, totals.deleted].map(formatCount), formatDuration(ms)],
	};
}

/**
 * What happened: committed with per-table counts, or rolled back and why. `s` saves the JSON report;
 * `u` takes a journaled commit back (see UndoPanel).
 */
export function SummaryStep(props: SummaryStepProps) {
	const {step, context, services, dispatch, rows, exiting} = props;
	const run = undoableRun(step);
	const target = context.target!.endpoint;
	useUndo(step.undo, target, run, services, dispatch);
	if (step.undo && run)
		return <UndoPanel phase={step.undo} run={run} target={target} dispatch={dispatch} rows={rows} exiting={exiting} />;
	return <SyncSummary {...props} run={run} />;
}

function SyncSummary({
	step,
	context,
	services,
	dispatch,
	columns,
	rows,
	exiting,
	run,
}: SummaryStepProps & {run?: string}) {
	const {outcome} = step;
	// One report per press, even if the key repeats before the first write is done.
	const saving = useRef(false);
	const source = context.source!.endpoint;
	const target = context.target!.endpoint;
	const [offset, setOffset] = useState(0);
	const result: SyncResult =
		outcome.kind === 'committed'
			? outcome.result
			: {
					mode: context.mode ?? 'insert',
					committed: false,
					tables: outcome.written,
					ms: outcome.written.reduce((sum, table) => sum + table.ms, 0),
				};
	const tables = result.tables;
	const allRows = resultRows(tables);
	const total = totalRow(result);
	const layout = layoutColumns({columns: resultColumns, rows: allRows, total, width: columns - 1});
	const linesPerRow = layout.stacked ? 2 : 1;
	const errorLines = outcome.kind === 'rolled-back' ? 3 : 0;
	const cascaded = result.cascaded ?? [];
	// Rows outside the selection changed by ON DELETE actions, as many as fit beside two table rows; the rest are counted.
	const lineWidth = Math.max(10, columns - 1);
	const cascadeRoom = rows - chromeLines - errorLines - (layout.stacked ? 2 : 0) - 2 * linesPerRow - 2;
	const shownCascades: string[] = [];
	let cascadeLines = 0;
	for (const [index, reach] of cascaded.entries()) {
		const text = cascadeLine(reach);
		const lines = Math.ceil(text.length / lineWidth);
		if (cascadeLines + lines + (index < cascaded.length - 1 ? 1 : 0) > cascadeRoom) break;
		shownCascades.push(text);
		cascadeLines += lines;
	}
	const hiddenCascades = cascaded.length - shownCascades.length;
	const room =
		rows -
		chromeLines -
		(run ? 1 : 0) -
		errorLines -
		cascadeLines -
		(hiddenCascades > 0 ? 1 : 0) -
		(layout.stacked ? 2 : 0);
	// The ↑/↓ "more" lines take two of the lines when the list has to scroll.
	const visible = Math.max(2, Math.floor((tables.length * linesPerRow > room ? room - 2 : room) / linesPerRow));
	const start = Math.min(offset, Math.max(0, tables.length - visible));
	// COMMIT sent, its outcome unknown: neither "rolled back" nor a retry (it may have committed).
	const unknown = outcome.kind === 'rolled-back' && outcome.error.code === 'outcome-unknown';
	const canRetry = outcome.kind === 'rolled-back' && !unknown && context.preview !== undefined;
	// Belt and braces: a rehearsal's result is never presented as a commit.
	const committed = outcome.kind === 'committed' && outcome.result.committed && !outcome.result.rehearsed;
	useKeys(
		(input, key) => {
			if (key.upArrow || input === 'k') setOffset(Math.max(0, start - 1));
			else if (key.downArrow || input === 'j') setOffset(Math.min(Math.max(0, tables.length - visible), start + 1));
			else if (key.pageUp) setOffset(Math.max(0, start - visible));
			else if (key.pageDown) setOffset(Math.min(Math.max(0, tables.length - visible), start + visible));
			else if (input === 'r' && canRetry) dispatch({type: 'retry'});
			else if (input === 'u' && run) dispatch({type: 'undo-start'});
			else if (input === 's' && !step.report && !saving.current) {
				saving.current = true;
				const document =
					outcome.kind === 'committed'
						? resultReport(outcome.result, source, target, context.preview?.result)
						: {
								...errorReport(outcome.error, context.mode, false),
								[unknown ? 'tablesBeforeCommit' : 'tablesRolledBack']: outcome.written,
							};
				services.saveReport(document).then(
					(path) => dispatch({type: 'report-saved', path}),
					(error: unknown) => dispatch({type: 'report-failed', error: toUserError(error)}),
				);
			} else if (key.return) dispatch({type: 'quit'});
		},
		{isActive: !exiting},
	);
	const hints: KeyHint[] = [
		...(canRetry
			? ([
					['r', 'retry'],
					['esc', 'back to the preview'],
				] as KeyHint[])
			: []),
		...(tables.length > visible ? ([['↑↓', 'scroll']] as KeyHint[]) : []),
		...(run ? ([['u', 'undo this sync']] as KeyHint[]) : []),
		...(step.report ? [] : ([['s', 'save JSON report']] as KeyHint[])),
		['q/enter', 'quit'],
	];
	return (
		<Box flexDirection="column">
			{committed ? (
				<Box flexDirection="column">
					<MarkedLine mark="✓" color="green" bold>
						Committed in {formatDuration(result.ms)}: {target.database} on {target.host} now has these changes.
					</MarkedLine>
					{run ? (
						<Text color="gray" wrap="truncate-end">
							{'  '}Journaled as run {run}: u takes it back.
						</Text>
					) : null}
				</Box>
			) : outcome.kind === 'committed' ? (
				<MarkedLine mark="↺" color="yellow" bold>
					{result.rehearsed ? 'Rehearsed' : 'Not committed'}: these changes were rolled back; nothing was written to{' '}
					{target.database} on {target.host}.
				</MarkedLine>
			) : (
				<Box flexDirection="column">
					<MarkedLine mark={unknown ? '?' : '↺'} color="yellow" bold>
						{unknown
							? `Outcome unknown: COMMIT was sent to ${target.database} on ${target.host}, and whether it took effect could not be told.`
							: `Rolled back: nothing was written to ${target.database} on ${target.host}.`}
					</MarkedLine>
					<ErrorMessage error={outcome.error} />
				</Box>
			)}
			{tables.length > 0 ? (
				<Box flexDirection="column" marginTop={1}>
					{outcome.kind === 'rolled-back' ? (
						<Text color="gray">
							{unknown ? 'Written before COMMIT, committed or not:' : 'Written before it stopped, then rolled back:'}
						</Text>
					) : null}
					<NumberTable
						nameHeader="table"
						columns={resultColumns}
						rows={allRows.slice(start, start + visible)}
						layout={layout}
						width={columns - 1}
						above={start > 0 ? <Text color="gray"> ↑ {plural(start, 'more table')}</Text> : undefined}
						below={
							start + visible < tables.length ? (
								<Text color="gray"> ↓ {plural(tables.length - start - visible, 'more table')}</Text>
							) : undefined
						}
						total={total}
					/>
					{shownCascades.map((text) => (
						<Text key={text} color="yellow" wrap="wrap">
							{text}
						</Text>
					))}
					{hiddenCascades > 0 ? (
						<Text color="gray">
							… {plural(hiddenCascades, shownCascades.length > 0 ? 'more cascade' : 'cascade')} (s saves them in the
							JSON report)
						</Text>
					) : null}
				</Box>
			) : null}
			{step.report && 'path' in step.report ? (
				<MarkedLine mark="✓" color="green">
					Report saved to {step.report.path}
				</MarkedLine>
			) : null}
			{step.report && 'error' in step.report ? <ErrorMessage error={step.report.error} /> : null}
			{exiting ? null : <KeyHints hints={hints} />}
		</Box>
	);
}
