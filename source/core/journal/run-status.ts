import type {JournalEntry} from './journal-format.js';

/** Whether a run can be undone, and if not why: the rule `undo last`, `history` and the wizard all apply. */
export type RunStatus = {kind: 'undoable'} | {kind: 'undone'; by: string} | {kind: 'pending'};

/**
 * A pending run's outcome is not settled yet, and an undone run was taken back already (`undone`:
 * run id → the undo's id, see undoneRuns). Whether rows changed since is for the target to say:
 * `undo --dry-run` asks it.
 */
export function runStatus(entry: JournalEntry, undone: Map<string, string>): RunStatus {
	if (entry.state === 'pending') return {kind: 'pending'};
	const by = undone.get(entry.run.id);
	return by ? {kind: 'undone', by} : {kind: 'undoable'};
}
