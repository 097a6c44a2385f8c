import {type Dispatch} from 'react';
import {Box, Text} from 'ink';

import type {Endpoint} from '../../core/connection/endpoint.js';
import {commandLine, endpointArguments} from '../../present/command-line.js';
import type {UndoPreview} from '../../core/journal/undo-run.js';
import {conflictText, undoSummary, undoTableLines, undoTotals} from '../../present/journal-report.js';
import {formatCount, plural} from '../../present/numbers.js';
import type {Action, UndoPhase} from '../state.js';
import {MarkedLine} from '../components/marked-line.js';
import {ErrorMessage} from '../components/error-message.js';
import {KeyHints, type KeyHint} from '../components/key-hints.js';
import {DatabaseNameField} from '../components/database-name-field.js';
import {Spinner} from '../components/spinner.js';
import {useKeys} from '../hooks/use-keys.js';

interface UndoPanelProps {
	phase: UndoPhase;
	run: string;
	target: Endpoint;
	dispatch: Dispatch<Action>;
	rows: number;
	/** The wizard is closing on this screen: no key hints. */
	exiting: boolean;
}

/** Lines around the undo's per-table lines: its heading, totals, question or guard, hints. */
const chromeLines = 10;

/** Undoing the sync just committed: its preview, the confirmation, the undo, and how it went. */
export function UndoPanel({phase, run, target, dispatch, rows, exiting}: UndoPanelProps) {
	const where = `${target.database} on ${target.host}`;
	const blocked = phase.kind === 'previewed' && undoTotals(phase.preview).conflicts > 0;
	useKeys(
		(input, key) => {
			if (phase.kind === 'previewed' && !blocked && !target.production) {
				if (input === 'y' || input === 'Y') dispatch({type: 'undo-confirm'});
				else if (input === 'n' || input === 'N' || key.return) dispatch({type: 'back'});
			} else if (phase.kind === 'undone' && key.return) dispatch({type: 'quit'});
			else if ((phase.kind === 'failed' || (phase.kind === 'previewed' && blocked)) && key.return)
				dispatch({type: 'back'});
		},
		{isActive: !exiting && !(phase.kind === 'previewed' && !blocked && target.production)},
	);
	const hints = exiting ? undefined : undoHints(phase, blocked, target);
	switch (phase.kind) {
		case 'previewing':
			return (
				<Box flexDirection="column">
					<Text>
						<Spinner /> Checking what undoing run {run} would do on {where} (nothing is written)…
					</Text>
					{hints ? <KeyHints hints={hints} /> : null}
				</Box>
			);
		case 'previewed':
			return (
				<Box flexDirection="column">
					<Text bold wrap="wrap">
						Undo run {run} on {where}, in one transaction:
					</Text>
					<UndoCounts preview={phase.preview} target={target} room={rows - chromeLines} />
					<Box marginTop={1} flexDirection="column">
						{blocked ? null : target.production ? (
							<DatabaseNameField
								target={target}
								action="undo"
								typed={phase.typed}
								mismatch={phase.mismatch}
								onChange={(typed) => dispatch({type: 'undo-typed', typed})}
								onSubmit={() => dispatch({type: 'undo-confirm'})}
							/>
						) : (
							<Text>
								Undo this sync now? <Text bold>(y/N)</Text>
							</Text>
						)}
					</Box>
					{hints ? <KeyHints hints={hints} /> : null}
				</Box>
			);
		case 'undoing':
			return (
				<Box flexDirection="column">
					<Text>
						<Spinner /> {phase.abort ? 'Cancelling the undo: rolling back…' : `Undoing run ${run} on ${where}…`}
					</Text>
					{hints ? <KeyHints hints={hints} /> : null}
				</Box>
			);
		case 'undone':
			return (
				<Box flexDirection="column">
					<MarkedLine mark="✓" color="green" bold>
						{undoSummary(phase.result)}
					</MarkedLine>
					{phase.result.journal ? (
						<Text color="gray" wrap="wrap">
							This undo is journaled as {phase.result.journal.id}:{' '}
							{commandLine(['undo', phase.result.journal.id, ...endpointArguments('--to', target)])} takes it back.
						</Text>
					) : null}
					{hints ? <KeyHints hints={hints} /> : null}
				</Box>
			);
		case 'failed':
			return (
				<Box flexDirection="column">
					<Text bold>Undo of run {run}:</Text>
					<ErrorMessage error={phase.error} />
					{hints ? <KeyHints hints={hints} /> : null}
				</Box>
			);
	}
}

function undoHints(phase: UndoPhase, blocked: boolean, target: Endpoint): KeyHint[] {
	switch (phase.kind) {
		case 'previewing':
			return [['esc', 'back to the summary']];
		case 'previewed':
			if (blocked)
				return [
					['enter/esc', 'back to the summary'],
					['q', 'quit'],
				];
			return target.production
				? [
						['enter', 'undo'],
						['esc', 'back to the summary'],
					]
				: [
						['y', 'undo'],
						['n/enter', 'back to the summary'],
						['q', 'quit'],
					];
		case 'undoing':
			return [['ctrl-c', 'cancel (rolls back)']];
		case 'undone':
			return [['q/enter', 'quit']];
		case 'failed':
			return [
				['enter/esc', 'back to the summary'],
				['q', 'quit'],
			];
	}
}

/**
 * The undo's preview: per table rows to delete, restore and re-insert, then the rows changed on the
 * target since the sync, by key, which block it. What does not fit in `room` lines is counted.
 */
function UndoCounts({preview, target, room}: {preview: UndoPreview; target: Endpoint; room: number}) {
	const totals = undoTotals(preview);
	const lines = undoTableLines(preview);
	const conflictRoom = totals.conflicts > 0 ? Math.max(1, Math.floor(room / 2)) : 0;
	const shownConflicts = preview.conflicts.slice(0, Math.max(0, conflictRoom - 1));
	const tableRoom = Math.max(1, room - conflictRoom - (totals.conflicts > 0 ? 3 : 0));
	const shownTables = lines.length <= tableRoom ? lines : lines.slice(0, Math.max(0, tableRoom - 1));
	return (
		<Box flexDirection="column" marginTop={1}>
			{lines.length === 0 ? <Text color="gray">The journal holds no rows to put back.</Text> : null}
			{shownTables.map((line) => (
				<Text key={line} wrap="truncate-end">
					{'  '}
					{line}
				</Text>
			))}
			{shownTables.length < lines.length ? (
				<Text color="gray"> … {plural(lines.length - shownTables.length, 'more table')}</Text>
			) : null}
			<Text color="gray">
				total: delete {formatCount(totals.delete)} · restore {formatCount(totals.restore)} · re-insert{' '}
				{formatCount(totals.reinsert)}
			</Text>
			{totals.conflicts > 0 ? (
				<Box flexDirection="column" marginTop={1}>
					<MarkedLine mark="✗" color="red">
						{plural(totals.conflicts, 'row')} changed on the target since this sync, so the undo is blocked (it would
						overwrite newer data):
					</MarkedLine>
					{shownConflicts.map((conflict) => (
						<Text key={conflictText(conflict)} wrap="truncate-end">
							{'  '}
							{conflictText(conflict)}
						</Text>
					))}
					{totals.conflicts > shownConflicts.length ? (
						<Text color="gray"> … and {plural(totals.conflicts - shownConflicts.length, 'more row')}</Text>
					) : null}
					<MarkedLine mark="→" color="gray" indent={2}>
						Check those rows. To put the sync's old values back anyway (the newer changes are lost):{' '}
						{commandLine(['undo', preview.run.id, ...endpointArguments('--to', target), '--force'])}
					</MarkedLine>
				</Box>
			) : null}
		</Box>
	);
}
