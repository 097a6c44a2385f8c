import type {JournalEntry} from '../core/journal/journal-format.js';
import type {UndoPreview, UndoResult} from '../core/journal/undo-run.js';
import {runStatus, type RunStatus} from '../core/journal/run-status.js';
import {formatCount, plural} from './numbers.js';

// The rule and the conflict wording are the engine's (its refusals say them too); shown from here as before.
export {runStatus, type RunStatus} from '../core/journal/run-status.js';
export {conflictText} from '../core/journal/undo-conflict.js';

/** A run's undo status as `history` and the wizard's history list it. */
export function statusText(status: RunStatus): string {
	// Whether rows changed since is for the target to say: pgconvoy undo --dry-run asks it.
	if (status.kind === 'undoable') return 'not undone';
	if (status.kind === 'undone') return `undone by ${status.by}`;
	return 'pending: outcome not settled yet';
}

/** Rows the run wrote, per kind, over all its tables. */
export function runTotals(entry: JournalEntry): {inserted: number; updated: number; deleted: number} {
	const sum = (key: 'inserted' | 'updated' | 'deleted') =>
		entry.run.tables.reduce((total, table) => total + table[key], 0);
	return {inserted: sum('inserted'), updated: sum('updated'), deleted: sum('deleted')};
}

/** `2026-11-30 16:15:02 UTC`. */
export function runTime(entry: JournalEntry): string {
	return `${entry.run.startedAt.slice(0, 19).replace('T', ' ')} UTC`;
}

/** A run's cells as the history lists show them. */
export function historyCells(
	entry: JournalEntry,
	undone: Map<string, string>,
): {run: string; when: string; what: string; target: string; rows: string; status: string} {
	const totals = runTotals(entry);
	return {
		run: entry.run.id,
		when: runTime(entry),
		what: entry.run.kind === 'undo' ? `undo of ${entry.run.undoes}` : entry.run.mode,
		target: entry.run.target,
		rows: `+${formatCount(totals.inserted)} ~${formatCount(totals.updated)} -${formatCount(totals.deleted)}`,
		status: statusText(runStatus(entry, undone)),
	};
}

/** Header and rows as aligned lines, two spaces apart; the last column is not padded. */
export function alignedLines(rows: string[][]): string[] {
	const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
	return rows.map((row) =>
		row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '),
	);
}

/** One line per run, newest first: id, time, mode, target, rows, status. */
export function historyLines(entries: JournalEntry[], undone: Map<string, string>): string[] {
	if (entries.length === 0) return [];
	const rows = entries.map((entry) => {
		const cells = historyCells(entry, undone);
		return [cells.run, cells.when, cells.what, cells.target, cells.rows, cells.status];
	});
	return alignedLines([['run', 'when', 'what', 'target', 'rows (+ins ~upd -del)', 'undo'], ...rows]);
}

export function historyReport(entries: JournalEntry[], undone: Map<string, string>) {
	return entries.map((entry) => ({
		id: entry.run.id,
		startedAt: entry.run.startedAt,
		kind: entry.run.kind,
		mode: entry.run.mode,
		...(entry.run.undoes ? {undoes: entry.run.undoes} : {}),
		source: entry.run.source,
		target: entry.run.target,
		state: entry.state,
		undoable: runStatus(entry, undone).kind === 'undoable',
		...(undone.get(entry.run.id) ? {undoneBy: undone.get(entry.run.id)} : {}),
		totals: runTotals(entry),
		tables: entry.run.tables.map(({id, inserted, updated, deleted, cascaded}) => ({
			table: id,
			inserted,
			updated,
			deleted,
			...(cascaded ? {cascaded} : {}),
		})),
		bytes: entry.bytes,
		rowsDigest: entry.run.rowsDigest,
		file: entry.file,
	}));
}

/** The undo's preview, one line per table: `public.users  delete 3  restore 5  re-insert 0`. */
export function undoTableLines(preview: UndoPreview): string[] {
	const width = Math.max(0, ...preview.tables.map((table) => table.table.length));
	return preview.tables.map(
		(table) =>
			`${table.table.padEnd(width)}  delete ${formatCount(table.delete)}  restore ${formatCount(table.restore)}  re-insert ${formatCount(table.reinsert)}${table.conflicts > 0 ? `  changed since: ${formatCount(table.conflicts)}` : ''}`,
	);
}

export function undoTotals(preview: UndoPreview): {
	delete: number;
	restore: number;
	reinsert: number;
	conflicts: number;
} {
	const sum = (key: 'delete' | 'restore' | 'reinsert' | 'conflicts') =>
		preview.tables.reduce((total, table) => total + table[key], 0);
	return {delete: sum('delete'), restore: sum('restore'), reinsert: sum('reinsert'), conflicts: sum('conflicts')};
}

export function undoSummary(result: UndoResult): string {
	const totals = undoTotals(result);
	return `Run ${result.run.id} undone: ${plural(totals.delete, 'row')} deleted, ${formatCount(totals.restore)} restored, ${formatCount(totals.reinsert)} re-inserted, in one transaction.`;
}

export function undoReport(result: UndoResult, dryRun: boolean) {
	return {
		run: result.run.id,
		dryRun,
		committed: result.committed,
		target: result.run.target,
		tables: result.tables,
		totals: undoTotals(result),
		conflicts: result.conflicts,
		...(result.journal ? {journal: result.journal} : {}),
		ms: result.ms,
	};
}
