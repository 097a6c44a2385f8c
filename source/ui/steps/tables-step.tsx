import {useState, type Dispatch} from 'react';
import {Box, Text} from 'ink';

import type {TableChoice} from '../../core/session/sync-session.js';
import type {UserError} from '../../core/errors.js';
import {formatCount, formatEstimate, plural} from '../../present/numbers.js';
import type {Action, Step, WizardContext} from '../state.js';
import type {WizardServices} from '../services.js';
import {visibleWindow} from '../format.js';
import {useOpenSession} from '../hooks/use-open-session.js';
import {ErrorMessage} from '../components/error-message.js';
import {KeyHints, type KeyHint} from '../components/key-hints.js';
import {Spinner} from '../components/spinner.js';
import {TextField} from '../components/text-field.js';
import {useKeys} from '../hooks/use-keys.js';

type TablesStepState = Extract<Step, {name: 'tables'}>;

interface TablesStepProps {
	step: TablesStepState;
	context: WizardContext;
	services: WizardServices;
	dispatch: Dispatch<Action>;
	columns: number;
	rows: number;
}

export function TablesStep(props: TablesStepProps) {
	const {step, context, services, dispatch} = props;
	switch (step.status.kind) {
		case 'opening':
			return <OpeningSession context={context} services={services} dispatch={dispatch} />;
		case 'failed':
			return <SessionFailed error={step.status.error} dispatch={dispatch} />;
		case 'ready':
			return <TablePicker {...props} tables={context.tables ?? []} />;
	}
}

function OpeningSession({context, services, dispatch}: Pick<TablesStepProps, 'context' | 'services' | 'dispatch'>) {
	useOpenSession(context.source!.endpoint, context.target!.endpoint, context.options.keys, services, dispatch);
	return (
		<Box flexDirection="column">
			<Text>
				<Spinner /> Reading the tables of both databases…
			</Text>
			<KeyHints
				hints={[
					['esc', 'back'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}

function SessionFailed({error, dispatch}: {error: UserError; dispatch: Dispatch<Action>}) {
	useKeys((input, key) => {
		if (key.return || input === 'r') dispatch({type: 'retry'});
	});
	return (
		<Box flexDirection="column">
			<ErrorMessage error={error} />
			<KeyHints
				hints={[
					['r', 'retry'],
					['esc', 'back'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}

export function filterTables(tables: TableChoice[], filter: string): TableChoice[] {
	const needle = filter.trim().toLowerCase();
	return needle === '' ? tables : tables.filter((table) => table.id.toLowerCase().includes(needle));
}

/** Lines the picker needs besides the list itself: header, counts, filter, detail, hints. */
const chromeLines = 12;

function TablePicker({step, context, dispatch, columns, rows, tables}: TablesStepProps & {tables: TableChoice[]}) {
	const [cursor, setCursor] = useState(0);
	const shown = filterTables(tables, step.filter);
	const position = Math.min(cursor, Math.max(0, shown.length - 1));
	const highlighted = shown[position];
	const selected = new Set(context.selected);
	const window = visibleWindow(shown.length, position, Math.max(3, rows - chromeLines - (step.offer ? 2 : 0)));
	const pageSize = window.end - window.start;
	const estimateWidth = Math.max(...tables.map((table) => formatEstimate(table.estimatedRows).length), 4);
	// Names as wide as the longest (numbers then sit next to them), at most what the terminal leaves.
	const lineWidth = columns - 1 - 2 - 4;
	const nameWidth = Math.max(
		10,
		Math.min(Math.max(...tables.map((table) => table.id.length)) + 2, lineWidth - estimateWidth - 1),
	);
	const selectedRows = tables
		.filter((table) => selected.has(table.id))
		.reduce((sum, table) => sum + Math.max(0, table.estimatedRows), 0);

	useKeys(
		(input, key) => {
			if (step.offer) {
				if (input === 'y' || input === 'Y' || key.return) dispatch({type: 'answer-offer', addParents: true});
				else if (input === 'n' || input === 'N') dispatch({type: 'answer-offer', addParents: false});
				return;
			}
			if (key.upArrow || input === 'k') setCursor(Math.max(0, position - 1));
			else if (key.downArrow || input === 'j') setCursor(Math.min(shown.length - 1, position + 1));
			else if (key.pageUp) setCursor(Math.max(0, position - pageSize));
			else if (key.pageDown) setCursor(Math.min(shown.length - 1, position + pageSize));
			else if (key.home) setCursor(0);
			else if (key.end) setCursor(shown.length - 1);
			else if (input === ' ' && highlighted) dispatch({type: 'toggle-table', table: highlighted.id});
			else if (input === 'a') dispatch({type: 'toggle-all', tables: shown.map((table) => table.id)});
			else if (input === '/') dispatch({type: 'start-filter'});
			else if (key.return) dispatch({type: 'next'});
		},
		{isActive: !step.filtering},
	);

	const hints: KeyHint[] = step.offer
		? [
				['y/enter', 'add them too'],
				['n', 'only this table'],
				['esc', 'cancel'],
			]
		: step.filtering
			? [
					['type', 'to filter'],
					['enter', 'done'],
					['esc', 'clear'],
				]
			: [
					['↑↓', 'move'],
					['space', 'toggle'],
					['a', 'all'],
					['/', 'filter'],
					['enter', 'next'],
					// Esc clears a kept filter before it goes back.
					['esc', step.filter !== '' ? 'clear filter' : 'back'],
					['q', 'quit'],
				];

	return (
		<Box flexDirection="column">
			<Text>
				<Text bold>{formatCount(selected.size)}</Text> of{' '}
				{plural(tables.filter((table) => !table.unavailable).length, 'table')} selected
				<Text color="gray"> · about {plural(selectedRows, 'row')} in the source</Text>
			</Text>
			{step.filtering || step.filter ? (
				<Box>
					<Text color="cyan">/ </Text>
					{step.filtering ? (
						<TextField
							value={step.filter}
							onChange={(filter) => dispatch({type: 'filter-changed', filter})}
							onSubmit={() => dispatch({type: 'end-filter'})}
						/>
					) : (
						<Text>{step.filter}</Text>
					)}
					<Text color="gray">
						{'  '}
						{shown.length} of {tables.length} match
					</Text>
				</Box>
			) : null}
			<Box flexDirection="column" marginTop={1}>
				{window.start > 0 ? <Text color="gray"> ↑ {window.start} more</Text> : null}
				{shown.slice(window.start, window.end).map((table, index) => (
					<TableLine
						key={table.id}
						table={table}
						isCursor={window.start + index === position}
						isSelected={selected.has(table.id)}
						estimateWidth={estimateWidth}
						nameWidth={nameWidth}
						lineWidth={lineWidth}
					/>
				))}
				{window.end < shown.length ? <Text color="gray"> ↓ {shown.length - window.end} more</Text> : null}
				{shown.length === 0 ? <Text color="gray"> No table matches “{step.filter}”.</Text> : null}
			</Box>
			{highlighted?.unavailable ? (
				<Text color="yellow" wrap="wrap">
					{highlighted.id}: {highlighted.unavailable}
				</Text>
			) : null}
			{step.offer ? (
				<Box flexDirection="column" marginTop={1}>
					<Text color="yellow" wrap="wrap">
						{step.offer.table} references {step.offer.parents.join(', ')}, which{' '}
						{step.offer.parents.length === 1 ? 'is' : 'are'} not selected.
					</Text>
					<Text bold>Add {step.offer.parents.length === 1 ? 'it' : 'them'} too? (Y/n)</Text>
				</Box>
			) : null}
			{step.notice ? <Text color="yellow">{step.notice}</Text> : null}
			<KeyHints hints={hints} />
		</Box>
	);
}

function TableLine({
	table,
	isCursor,
	isSelected,
	estimateWidth,
	nameWidth,
	lineWidth,
}: {
	table: TableChoice;
	isCursor: boolean;
	isSelected: boolean;
	estimateWidth: number;
	nameWidth: number;
	lineWidth: number;
}) {
	const box = table.unavailable ? '[-]' : isSelected ? '[x]' : '[ ]';
	return (
		<Box>
			<Text color="cyan">{isCursor ? '› ' : '  '}</Text>
			<Text color={table.unavailable ? 'gray' : isSelected ? 'green' : undefined}>{box} </Text>
			{table.unavailable ? (
				<Box width={lineWidth}>
					<Text color="gray" wrap="truncate-end">
						{table.id} — {table.unavailable}
					</Text>
				</Box>
			) : (
				<>
					<Box width={nameWidth}>
						<Text wrap="truncate-end" bold={isCursor}>
							{table.id}
						</Text>
					</Box>
					<Box width={estimateWidth + 1} justifyContent="flex-end">
						<Text color="gray">{formatEstimate(table.estimatedRows)}</Text>
					</Box>
				</>
			)}
		</Box>
	);
}
