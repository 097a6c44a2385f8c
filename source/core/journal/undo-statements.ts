import type pg from 'pg';
import {quoteIdent} from '../catalog/names.js';
import {UserError} from '../errors.js';
import {formatCount, plural} from '../counts.js';
import {deleteReach} from '../forecast/delete-reach.js';
import type {SectionKind} from './journal-format.js';
import type {JournalRecorder} from './journal-recorder.js';
import {columnList, keyMatchOf, rowFingerprintSql, scanOf} from './table-shape.js';
import type {WrittenKeys} from './written-keys.js';
import type {UndoTable} from './undo-checks.js';

/**
 * The undo's statements, one table and one kind of row at a time: rows the run deleted come back,
 * rows it updated get their old values, rows it inserted go; each must change exactly the rows the
 * journal says, and a trigger that changed a row put back gets it put back again (reassert).
 */

export type Keep = (table: UndoTable, kind: 'inserted' | 'updated') => Promise<WrittenKeys>;

/** One row per key: a cascade reached along two paths is journaled twice. */
const oldRows = (table: UndoTable, old: string) =>
	table.key.length > 0 ? `(SELECT DISTINCT ON (${columnList(table.key)}) * FROM ${old}) o` : `${old} o`;

const countOf = async (target: pg.ClientBase, from: string) =>
	Number((await target.query<{rows: string}>(`SELECT count(*)::text AS rows FROM ${from}`)).rows[0]!.rows);

/** The rows the target holds now for keys of `rows`, into the undo's own journal, before it overwrites them. */
async function journalOverwritten(
	target: pg.ClientBase,
	table: UndoTable,
	rows: string,
	recorder: JournalRecorder | undefined,
): Promise<void> {
	if (!recorder) return;
	await recorder.table(target, table.id, table.relation, {
		cascaded: table.journaled.cascaded,
		key: {columns: table.key, equality: table.keyEquality},
	});
	await recorder.capture(
		target,
		{table: table.id, kind: 'before-update'},
		`SELECT ${columnList(
			table.columns.map((column) => column.name),
			't',
		)} FROM ${scanOf(table)} AS t JOIN ${rows} ON ${keyMatchOf(table, 't', 'o')}`,
	);
}

const updateFrom = (table: UndoTable, rows: string, where = '') => {
	const settable = table.columns.map((column) => column.name).filter((name) => !table.identityAlways.includes(name));
	const assignments = (settable.length > 0 ? settable : [table.key[0]!])
		.map((name) => `${quoteIdent(name)} = o.${quoteIdent(name)}`)
		.join(', ');
	return `UPDATE ${scanOf(table)} AS t SET ${assignments} FROM ${rows} WHERE ${keyMatchOf(table, 't', 'o')}${where}`;
};

const insertMissing = (table: UndoTable, rows: string) => {
	const names = table.columns.map((column) => column.name);
	const missing =
		table.key.length > 0
			? ` WHERE NOT EXISTS (SELECT 1 FROM ${scanOf(table)} AS t WHERE ${keyMatchOf(table, 't', 'o')})`
			: '';
	return `INSERT INTO ${table.relation} AS t (${columnList(names)})${table.identityAlways.length > 0 ? ' OVERRIDING SYSTEM VALUE' : ''} SELECT ${columnList(names, 'o')} FROM ${rows}${missing}`;
};

/** Parents first: rows the run deleted are inserted again; with `force`, a key inserted again since gets the old row's values. */
export async function reinsertDeleted(
	target: pg.ClientBase,
	table: UndoTable,
	sections: Partial<Record<SectionKind, string>>,
	recorder: JournalRecorder | undefined,
	keep: Keep,
	force: boolean,
): Promise<void> {
	const old = sections['before-delete'];
	if (!old) return;
	const rows = oldRows(table, old);
	const expected = await countOf(target, rows);
	let updated = 0;
	if (force && table.key.length > 0) {
		await journalOverwritten(target, table, rows, recorder);
		updated = (await target.query((await keep(table, 'updated')).returning(updateFrom(table, rows)))).rowCount ?? 0;
	}
	const inserted =
		(
			await target.query(
				table.key.length > 0
					? (await keep(table, 'inserted')).returning(insertMissing(table, rows))
					: insertMissing(table, rows),
			)
		).rowCount ?? 0;
	expectUndone(table, 're-insert', expected, updated + inserted);
}

/** Children first: rows the run updated get their old values back; with `force`, one deleted since is inserted again. */
export async function restoreUpdated(
	target: pg.ClientBase,
	table: UndoTable,
	sections: Partial<Record<SectionKind, string>>,
	recorder: JournalRecorder | undefined,
	keep: Keep,
	force: boolean,
): Promise<void> {
	const old = sections['before-update'];
	if (!old || table.key.length === 0) return;
	const rows = oldRows(table, old);
	const expected = await countOf(target, rows);
	await journalOverwritten(target, table, rows, recorder);
	const updated = (await target.query((await keep(table, 'updated')).returning(updateFrom(table, rows)))).rowCount ?? 0;
	const inserted = force
		? ((await target.query((await keep(table, 'inserted')).returning(insertMissing(table, rows)))).rowCount ?? 0)
		: 0;
	expectUndone(table, 'restore', expected, updated + inserted);
}

/** Children first: rows the run inserted are deleted (DELETE … RETURNING into the undo's own journal). */
export async function removeInserted(
	target: pg.ClientBase,
	table: UndoTable,
	sections: Partial<Record<SectionKind, string>>,
	recorder: JournalRecorder | undefined,
	force: boolean,
): Promise<void> {
	const inserted = sections.inserted;
	if (!inserted) return;
	// Rows added since that reference rows the run inserted would be deleted or changed with them.
	const reach = (
		await deleteReach(
			target,
			{id: table.id, relation: table.relation, partitioned: table.partitioned},
			(alias) => `EXISTS (SELECT 1 FROM ${inserted} j WHERE ${keyMatchOf(table, alias, 'j')})`,
			new Set(),
		)
	).filter((entry) => entry.rows > 0);
	if (reach.length > 0 && !(force && reach.every((entry) => entry.action !== 'restrict'))) {
		const effects = reach
			.map(
				(entry) =>
					`${plural(entry.rows, 'row')} of ${entry.table} (${entry.constraint}, ${entry.action === 'restrict' ? 'which refuses the delete' : `ON DELETE ${entry.action.toUpperCase()}`})`,
			)
			.join(', ');
		throw new UserError(
			'blocked',
			`Deleting the rows the run inserted into ${table.id} would reach rows added since that reference them: ${effects}. Nothing was written.`,
			'Remove or re-point those rows first, then undo.',
		);
	}
	const names = table.columns.map((column) => column.name);
	const sql = `DELETE FROM ${scanOf(table)} AS t USING ${inserted} j WHERE ${keyMatchOf(table, 't', 'j')}`;
	let deleted: number;
	if (recorder) {
		await recorder.table(target, table.id, table.relation, {
			cascaded: table.journaled.cascaded,
			key: {columns: table.key, equality: table.keyEquality},
		});
		deleted = await recorder.capture(
			target,
			{table: table.id, kind: 'before-delete'},
			`${sql} RETURNING ${columnList(names, 't')}`,
		);
	} else deleted = (await target.query(sql)).rowCount ?? 0;
	// Without force every row the run inserted is there, unchanged (the conflicts said so): each must go.
	if (!force) expectUndone(table, 'delete', await countOf(target, inserted), deleted);
}

/**
 * Children first, after every other write of the undo: a row it put back that a trigger changed
 * afterwards (its fingerprint is no longer what the undo's own statement left) gets its old values again.
 */
export async function reassert(
	target: pg.ClientBase,
	table: UndoTable,
	sections: Partial<Record<SectionKind, string>>,
	written: WrittenKeys[],
): Promise<void> {
	if (table.key.length === 0) return;
	for (const old of [sections['before-delete'], sections['before-update']]) {
		if (!old) continue;
		for (const keys of written) {
			const changedSince = ` AND EXISTS (SELECT 1 FROM ${keys.table} w WHERE ${keyMatchOf(table, 'w', 'o')} AND w.fingerprint IS DISTINCT FROM ${rowFingerprintSql(table, 't')})`;
			await target.query(updateFrom(table, oldRows(table, old), changedSince));
		}
	}
}

/**
 * Each write of the undo must change exactly the rows it puts back: fewer means row-level security
 * hid rows from this role, or a BEFORE trigger returned NULL; the undo then rolls back.
 */
function expectUndone(
	table: UndoTable,
	what: 'restore' | 're-insert' | 'delete',
	expected: number,
	written: number,
): void {
	if (written === expected) return;
	throw new UserError(
		'apply-failed',
		`The undo would ${what} ${plural(expected, 'row')} of ${table.id}, but the target took ${formatCount(written)}: nothing was written, the transaction was rolled back.`,
		"Likely a row-level security policy that hides rows from this role, or a BEFORE trigger that returns NULL: undo as a role the policies let see those rows, or look at the table's triggers.",
	);
}
