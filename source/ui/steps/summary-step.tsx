import React, {useRef, type Dispatch} from 'react';
import {Box, Text} from 'ink';

import type {SyncResult, TableResult} from '../../core/events.js';
import {formatCount, formatDuration} from '../../present/numbers.js';
import {sumResults} from '../../present/totals.js';
import {errorReport, resultReport} from '../../present/json-report.js';
import type {Action, Step, WizardContext} from '../state.js';
import type {WizardServices} from '../services.js';
import {toUserError} from '../errors.js';
import {ErrorMessage} from '../components/error-message.js';
import {KeyHints} from '../components/key-hints.js';
import {NumberTable, type NumberRow} from '../components/number-table.js';
import {useKeys} from '../hooks/use-keys.js';

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

const resultColumns = [{header: 'inserted'}, {header: 'updated'}, {header: 'skipped'}, {header: 'deleted'}, {header: 'time', optional: true}];

function resultRows(tables: TableResult[]): NumberRow[] {
	return tables.map((table) => ({
		key: table.table,
		name: table.table,
		cells: [...[table.inserted, table.updated, table.skipped, table.deleted].map(formatCount), formatDuration(table.ms)],
		dim: table.inserted + table.updated + table.deleted === 0,
	}));
}

function totalRow(result: SyncResult): NumberRow {
	const {tables, ms} = result;
	const totals = sumResults(result);
	return {key: 'total', name: `total (${formatCount(tables.length)} ${tables.length === 1 ? 'table' : 'tables'})`, cells: [...[totals.inserted, totals.updated, totals.skipped, totals.deleted].map(formatCount), formatDuration(ms)]};
}

/** What happened: committed with per-table counts, or rolled back and why. `s` saves the JSON report. */
export function SummaryStep({step, context, services, dispatch, columns, rows, exiting}: SummaryStepProps) {
	const {outcome} = step;
	// One report per press, even if the key repeats before the first write is done.
	const saving = useRef(false);
	const source = context.source!.endpoint;
	const target = context.target!.endpoint;
	useKeys(
		(input, key) => {
			if (input === 's' && !step.report && !saving.current) {
				saving.current = true;
				const document =
					outcome.kind === 'committed' ? resultReport(outcome.result, source, target, context.preview?.result) : {...errorReport(outcome.error, context.mode, false), tablesRolledBack: outcome.written};
				services.saveReport(document).then(
					(path) => dispatch({type: 'report-saved', path}),
					(error: unknown) => dispatch({type: 'report-failed', error: toUserError(error)}),
				);
			} else if (key.return) dispatch({type: 'quit'});
		},
		{isActive: !exiting},
	);
	const result: SyncResult =
		outcome.kind === 'committed' ? outcome.result : {mode: context.mode ?? 'insert', committed: false, tables: outcome.written, ms: outcome.written.reduce((sum, table) => sum + table.ms, 0)};
	const tables = result.tables;
	const visible = Math.max(3, rows - 14);
	const shown = tables.slice(0, visible);
	return (
		<Box flexDirection="column">
			{outcome.kind === 'committed' ? (
				<Text color="green" bold wrap="wrap">
					✓ Committed in {formatDuration(outcome.result.ms)}: {target.database} on {target.host} now has these changes.
				</Text>
			) : (
				<Box flexDirection="column">
					<Text color="yellow" bold wrap="wrap">
						↺ Rolled back: nothing was written to {target.database} on {target.host}.
					</Text>
					<ErrorMessage error={outcome.error} />
				</Box>
			)}
			{tables.length > 0 ? (
				<Box flexDirection="column" marginTop={1}>
					{outcome.kind === 'rolled-back' ? <Text color="gray">Written before it stopped, then rolled back:</Text> : null}
					<NumberTable
						nameHeader="table"
						columns={resultColumns}
						rows={resultRows(shown)}
						width={columns - 1}
						below={tables.length > shown.length ? <Text color="gray">  … {tables.length - shown.length} more tables (s saves them all)</Text> : undefined}
						total={totalRow(result)}
					/>
				</Box>
			) : null}
			{step.report && 'path' in step.report ? <Text color="green">✓ Report saved to {step.report.path}</Text> : null}
			{step.report && 'error' in step.report ? <ErrorMessage error={step.report.error} /> : null}
			{exiting ? null : <KeyHints hints={[...(step.report ? [] : ([['s', 'save JSON report']] as const)), ['q/enter', 'quit']]} />}
		</Box>
	);
}
