/** A row the undo would not put back as the run left it: changed (or deleted, or re-created) on the target since. */
export interface UndoConflict {
	table: string;
	/** The key as PostgreSQL prints a row: `(42)`, `(7,2026-01-01)`. */
	key: string;
	/** What the run did to the row, and what happened to it since. */
	reason: 'inserted-changed' | 'inserted-missing' | 'updated-changed' | 'updated-missing' | 'deleted-recreated';
}

const conflictWords: Record<UndoConflict['reason'], string> = {
	'inserted-changed': 'inserted by the run, changed since',
	'inserted-missing': 'inserted by the run, deleted since',
	'updated-changed': 'updated by the run, changed since',
	'updated-missing': 'updated by the run, deleted since',
	'deleted-recreated': 'deleted by the run, inserted again since',
};

/** `public.users (42): updated by the run, changed since`: the undo's refusal and every conflict list say it so. */
export function conflictText(conflict: UndoConflict): string {
	return `${conflict.table} ${conflict.key}: ${conflictWords[conflict.reason]}`;
}
