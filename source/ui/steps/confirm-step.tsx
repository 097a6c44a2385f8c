import {type Dispatch} from 'react';
import {Box, Text} from 'ink';

import type {SyncResult} from '../../core/events.js';
import {formatCount, formatDuration, plural} from '../../present/numbers.js';
import {sumResults} from '../../present/totals.js';
import type {Action, Step, WizardContext} from '../state.js';
import {cascadeLine, changeSentence, resultSentence} from '../format.js';
import {MarkedLine} from '../components/marked-line.js';
import {KeyHints} from '../components/key-hints.js';
import {NumberTable, layoutColumns, type NumberRow} from '../components/number-table.js';
import {DatabaseNameField, databaseNameQuestion} from '../components/database-name-field.js';
import {useKeys} from '../hooks/use-keys.js';

interface ConfirmStepProps {
	step: Extract<Step, {name: 'confirm'}>;
	context: WizardContext;
	dispatch: Dispatch<Action>;
	columns: number;
	rows: number;
}

const rehearsedColumns = [
	{header: 'inserted', short: 'ins'},
	{header: 'updated', short: 'upd'},
	{header: 'skipped', short: 'skip'},
	{header: 'deleted', short: 'del'},
];

/** Lines `text` takes wrapped at `width`. */
const linesOf = (text: string, width: number) => Math.max(1, Math.ceil(text.length / Math.max(1, width)));

/** The last stop before writing: what will change, where; a production target needs its name typed. */
export function ConfirmStep({step, context, dispatch, columns, rows}: ConfirmStepProps) {
	const target = context.target!.endpoint;
	const {result: preview, rehearsed} = context.preview!;
	const warnings = preview.findings.filter((finding) => finding.severity === 'warning').length;
	const sentence = rehearsed
		? `rehearsed: ${resultSentence(rehearsed)} of ${target.database} on ${target.host}, then rolled back`
		: changeSentence(preview, target);
	const modeLine = `Mode ${preview.mode} · one transaction: everything or nothing · lock timeout ${formatDuration(context.options.lockTimeoutMs)}`;
	const width = columns - 1;
	// Everything but the rehearsed counts: header, sentences, the question or the name field, hints (two lines at most).
	const question = target.production
		? linesOf(databaseNameQuestion(target, 'write'), width) + 1 + (step.mismatch ? 1 : 0)
		: 1;
	const chrome =
		3 + linesOf(sentence + '.', width) + linesOf(modeLine, width) + (warnings > 0 ? 1 : 0) + 1 + question + 5;
	useKeys(
		(input, key) => {
			if (input === 'y' || input === 'Y') dispatch({type: 'confirm'});
			else if (input === 'n' || input === 'N' || key.return) dispatch({type: 'back'});
		},
		{isActive: !target.production},
	);
	return (
		<Box flexDirection="column">
			<Text bold wrap="wrap">
				{sentence[0]!.toUpperCase() + sentence.slice(1)}.
			</Text>
			<Text color="gray" wrap="wrap">
				{modeLine}
			</Text>
			{warnings > 0 ? (
				<MarkedLine mark="!" color="yellow">
					{warnings} {warnings === 1 ? 'warning' : 'warnings'} in the preview (esc to read{' '}
					{warnings === 1 ? 'it' : 'them'})
				</MarkedLine>
			) : null}
			{rehearsed ? <RehearsedCounts result={rehearsed} width={width} room={rows - chrome} /> : null}
			<Box marginTop={1} flexDirection="column">
				{target.production ? (
					<DatabaseNameField
						target={target}
						action="write"
						typed={step.typed}
						mismatch={step.mismatch}
						onChange={(typed) => dispatch({type: 'confirm-typed', typed})}
						onSubmit={() => dispatch({type: 'confirm'})}
					/>
				) : (
					<Text>
						Write {rehearsed ? 'the rehearsed changes' : 'these changes'} now? <Text bold>(y/N)</Text>
					</Text>
				)}
			</Box>
			<KeyHints
				hints={
					target.production
						? [
								['enter', 'write'],
								['esc', 'back to the preview'],
							]
						: [
								['y', 'write'],
								['n/enter', 'back to the preview'],
								['q', 'quit'],
							]
				}
			/>
		</Box>
	);
}

/**
 * What the rehearsal wrote per table (then rolled back), and the rows outside the selection its
 * deletes reached, in `room` lines: the cascades get up to half, tables what is left; what does not
 * fit is counted, never silently dropped.
 */
function RehearsedCounts({result, width, room}: {result: SyncResult; width: number; room: number}) {
	const cascaded = result.cascaded ?? [];
	const tableRows: NumberRow[] = result.tables.map((table) => ({
		key: table.table,
		name: table.table,
		cells: [table.inserted, table.updated, table.skipped, table.deleted].map(formatCount),
		dim: table.inserted + table.updated + table.deleted === 0,
	}));
	const totals = sumResults(result);
	const total: NumberRow = {
		key: 'total',
		name: `total (${plural(result.tables.length, 'table')})`,
		cells: [totals.inserted, totals.updated, totals.skipped, totals.deleted].map(formatCount),
	};
	const layout = layoutColumns({columns: rehearsedColumns, rows: tableRows, total, width});
	const linesPerRow = layout.stacked ? 2 : 1;
	// Column headers, the rule and the total line(s).
	const tableChrome = 2 + linesPerRow;
	const free = Math.max(0, room - tableChrome);
	const cascadeBudget = cascaded.length === 0 ? 0 : Math.max(1, Math.floor(free / 2));
	const shownCascades: string[] = [];
	let cascadeLines = 0;
	for (const [index, reach] of cascaded.entries()) {
		const text = cascadeLine(reach);
		const reserve = index < cascaded.length - 1 ? 1 : 0;
		if (cascadeLines + linesOf(text, width) + reserve > cascadeBudget) break;
		shownCascades.push(text);
		cascadeLines += linesOf(text, width);
	}
	const hiddenCascades = cascaded.length - shownCascades.length;
	const tableRoom = free - cascadeLines - (hiddenCascades > 0 ? 1 : 0);
	// The total names the table count, so with no room for rows there is no "more" line either.
	const visible =
		tableRows.length * linesPerRow <= tableRoom
			? tableRows.length
			: Math.max(0, Math.floor((tableRoom - 1) / linesPerRow));
	return (
		<Box flexDirection="column" marginTop={1}>
			<NumberTable
				nameHeader="table"
				columns={rehearsedColumns}
				rows={tableRows.slice(0, visible)}
				width={width}
				below={
					visible > 0 && visible < tableRows.length ? (
						<Text color="gray"> … {plural(tableRows.length - visible, 'more table')}</Text>
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
					… {plural(hiddenCascades, shownCascades.length === 0 ? 'cascade' : 'more cascade')} into tables not selected
				</Text>
			) : null}
		</Box>
	);
}
