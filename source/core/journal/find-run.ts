import {UserError} from '../errors.js';
import type {JournalEntry} from './journal-format.js';
import {undoneRuns} from './journal-store.js';
import {runStatus} from './run-status.js';

/**
 * Finds `<run-id|last>` among this target's journals; `last` is the newest run that can still be
 * undone. Shared by `pgconvoy undo` and the wizard's undo.
 */
export function findRun(
	entries: JournalEntry[],
	wanted: string,
	identity: string,
	targetLabel = 'this target',
): JournalEntry {
	const undone = undoneRuns(entries);
	const own = entries.filter((entry) => entry.run.targetIdentity === identity);
	if (wanted === 'last') {
		const last = own.find((entry) => runStatus(entry, undone).kind === 'undoable');
		if (!last)
			throw new UserError(
				'usage',
				'No run of this target can be undone: none is journaled on this machine, or all are undone.',
				'pgconvoy history --to <target> lists them.',
			);
		return last;
	}
	const entry = entries.find((candidate) => candidate.run.id === wanted);
	if (!entry)
		throw new UserError(
			'usage',
			`No journaled run ${wanted} on this machine.`,
			'pgconvoy history lists the runs kept here (the last 20 per target).',
		);
	if (entry.run.targetIdentity !== identity)
		throw new UserError(
			'config',
			`Run ${wanted} wrote to ${entry.run.target}, not to ${targetLabel}: its journal cannot be undone there.`,
			`Give the database it wrote to${entry.run.targetProfile ? ` (--to ${entry.run.targetProfile})` : ''}.`,
		);
	const status = runStatus(entry, undone);
	if (status.kind === 'undone')
		throw new UserError(
			'usage',
			`Run ${wanted} is already undone (by ${status.by}).`,
			`To put its changes back, undo the undo: pgconvoy undo ${status.by}.`,
		);
	return entry;
}
