import type pg from 'pg';
import {from as copyFrom} from 'pg-copy-streams';
import {once} from 'node:events';
import type {Endpoint} from '../connection/endpoint.js';
import {openSession, closeSession} from '../connection/connect.js';
import {beginWrite} from '../connection/transactions.js';
import {databaseIdentity} from '../connection/database-identity.js';
import {quoteIdent} from '../catalog/names.js';
import {UserError} from '../errors.js';
import {serverError} from '../server-errors.js';
import {formatCount, plural} from '../../present/numbers.js';
import {conflictText} from '../../present/journal-report.js';
import {deleteReach} from '../diff/delete-reach.js';
import {commitAndSettle, defaultCommitBudgets, type CommitBudgets} from '../apply/settle-commit.js';
import type {JournalEntry, JournalRun, JournalTable, SectionKind} from './journal-format.js';
import {journalFrames} from './journal-store.js';
import {JournalRecorder, type JournalOptions} from './journal-recorder.js';
import {columnList, keyMatchOf, readTableShape, rowFingerprintSql, scanOf, type TableShape} from './table-shape.js';

/** A row the undo would not put back as the run left it: changed (or deleted, or re-created) on the target since. */
export interface UndoConflict {
	table: string;
	/** The key as PostgreSQL prints a row: `(42)`, `(7,2026-01-01)`. */
	key: string;
	/** What the run did to the row, and what happened to it since. */
	reason: 'inserted-changed' | 'inserted-missing' | 'updated-changed' | 'updated-missing' | 'deleted-recreated';
}

export interface UndoTableCounts {
	table: string;
	/** Rows the run inserted: deleted by the undo. */
	delete: number;
	/** Rows the run updated (or set NULL through ON DELETE): their old values written back. */
	restore: number;
	/** Rows the run deleted (cascades included): inserted again. */
	reinsert: number;
	conflicts: number;
}

export interface UndoPreview {
	run: JournalRun;
	tables: UndoTableCounts[];
	/** The first conflicts per table (20 at most each); `tables[].conflicts` has the full counts. */
	conflicts: UndoConflict[];
}

export interface UndoResult extends UndoPreview {
	committed: boolean;
	/** The undo's own journal: undoing it puts the run's changes back. */
	journal?: {id: string; file: string};
	ms: number;
}

export interface UndoOptions {
	entry: JournalEntry;
	target: Endpoint;
	/** Count and check only; nothing is written. */
	dryRun: boolean;
	/** Put rows back even where the target changed them since the run. */
	force: boolean;
	/** Journal the undo itself (it can then be undone); none when absent. */
	journal?: JournalOptions;
	lockTimeoutMs?: number;
	statementTimeoutMs?: number;
	signal?: AbortSignal;
	stopWaiting?: AbortSignal;
	commitBudgets?: Partial<CommitBudgets>;
	onPhase?: (phase: 'checking' | 'writing' | 'committing') => void;
}

const conflictsShown = 20;

/**
 * Takes back one committed run from its journal, in one transaction on the target: rows it inserted
 * are deleted (children first), rows it updated get their old values back and rows it deleted are
 * inserted again (parents first). Sequences are left alone. Triggers fire as on any write.
 * Refuses (UserError 'blocked', exit 4) when a row changed since the run, unless `force`; refuses
 * ('config') a database that is not the one the run wrote to (system identifier and database).
 * A dry run loads and checks everything in the transaction, then rolls back.
 */
export async function undoRun(options: UndoOptions): Promise<UndoResult> {
	const started = performance.now();
	const run = options.entry.run;
	if (options.entry.state !== 'committed') {
		throw new UserError('config', `Run ${run.id} is still pending: whether its transaction committed is not settled yet.`, 'Run pgconvoy history against its target: it asks the target and settles it.', {
			flagHint: `pgconvoy history --to <its target> asks the target and settles it.`,
		});
	}
	const target = await openSession(options.target, 'target');
	let recorder: JournalRecorder | undefined;
	let committing = false;
	try {
		await beginWrite(target, {lockTimeoutMs: options.lockTimeoutMs ?? 5000, statementTimeoutMs: options.statementTimeoutMs ?? 0});
		const identity = await databaseIdentity(target);
		if (identity !== run.targetIdentity) {
			throw new UserError('config', `Run ${run.id} wrote to ${run.target}, not to this database (${describe(options.target)}): its journal cannot be undone here.`, `Undo it against the database it wrote to${run.targetProfile ? ` (profile ${run.targetProfile})` : ''}.`);
		}
		const transactionId = (await target.query<{xid: string}>('SELECT pg_catalog.txid_current()::text AS xid')).rows[0]!.xid;
		const tables = await checkShapes(target, run.tables);
		const ordered = await parentsFirst(target, tables);
		await target.query(`LOCK TABLE ${ordered.map((table) => scanOf(table)).join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
		await target.query('SET CONSTRAINTS ALL DEFERRED');
		options.onPhase?.('checking');
		const staged = await loadJournal(target, options.entry, tables);
		const preview = await findConflicts(target, run, ordered, staged);
		// A dry run shows the conflicts with the counts; a real undo refuses on them.
		const blocked = preview.tables.some((table) => table.conflicts > 0) && !options.force;
		if (options.dryRun || blocked) {
			await target.query('ROLLBACK');
			if (blocked && !options.dryRun) throw conflictError(preview);
			return {...preview, committed: false, ms: Math.round(performance.now() - started)};
		}

		options.onPhase?.('writing');
		if (options.journal) recorder = JournalRecorder.open(options.journal, {kind: 'undo', mode: 'undo', undoes: run.id, targetIdentity: identity, transactionId});
		for (const table of ordered) await putBack(target, table, staged.get(table.id)!, recorder);
		for (const table of [...ordered].reverse()) await removeInserted(target, table, staged.get(table.id)!, recorder, options.force);
		await target.query('SET CONSTRAINTS ALL IMMEDIATE');
		if (recorder) await recorder.seal();
		options.signal?.throwIfAborted();

		committing = true;
		options.onPhase?.('committing');
		const pid = (await target.query<{pid: number}>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0]!.pid;
		const outcome = await commitAndSettle({client: target, endpoint: options.target, transactionId, backendPid: pid}, {...defaultCommitBudgets, ...options.commitBudgets}, {interrupt: options.signal, stopWaiting: options.stopWaiting});
		if (outcome.status === 'rolled-back') recorder?.discard();
		if (outcome.status === 'unknown') {
			throw new UserError(
				'outcome-unknown',
				`COMMIT of the undo was sent but its outcome is unknown: transaction ${transactionId} may or may not have committed.`,
				`Check on the target: SELECT txid_status(${transactionId}); pgconvoy history then shows whether run ${run.id} is undone.`,
			);
		}
		if (outcome.status === 'rolled-back') {
			throw outcome.refusal ? serverError(outcome.refusal, {during: 'apply'}) : new UserError('apply-failed', 'The undo did not commit: the target confirms the transaction was rolled back, so nothing changed.', 'Run the undo again.');
		}
		const file = recorder?.committed();
		return {...preview, committed: true, ...(recorder && file ? {journal: {id: recorder.id, file}} : {}), ms: Math.round(performance.now() - started)};
	} catch (error) {
		if (!committing) {
			recorder?.discard();
			await target.query('ROLLBACK').catch(() => {});
		}
		if (error instanceof UserError) throw error;
		if (options.signal?.aborted) throw new UserError('interrupted', 'Interrupted: the undo was cancelled and rolled back; the target is unchanged.', undefined, {cause: error});
		throw serverError(error, {during: 'apply', roles: {target: options.target.user}});
	} finally {
		await closeSession(target);
	}
}

/** A TEMP table of this transaction: `pg_temp."name"`; `suffix` names one derived from it. */
const temp = (name: string, suffix = '') => `pg_temp.${quoteIdent(`${name.startsWith('pg_temp.') ? name.slice('pg_temp.'.length).replaceAll('"', '') : name}${suffix}`)}`;

const describe = (endpoint: Endpoint) => `${endpoint.user}@${endpoint.host}:${endpoint.port}/${endpoint.database}`;

interface UndoTable extends TableShape {
	journaled: JournalTable;
}

/** Each journaled table must still hold every journaled column with the same type (columns added since are fine). */
async function checkShapes(target: pg.ClientBase, tables: JournalTable[]): Promise<UndoTable[]> {
	const shapes: UndoTable[] = [];
	for (const journaled of tables) {
		const exists = (await target.query<{oid: string | null}>('SELECT pg_catalog.to_regclass($1)::oid::text AS oid', [journaled.relation])).rows[0]!.oid;
		if (!exists) throw new UserError('blocked', `${journaled.id} no longer exists on the target, so the rows the run changed there cannot be put back.`, 'Undo cannot cross a migration that dropped the table.');
		const shape = await readTableShape(target, journaled.id, journaled.relation);
		for (const column of journaled.columns) {
			const now = shape.columns.find((candidate) => candidate.name === column.name);
			if (!now || now.type !== column.type) {
				throw new UserError(
					'blocked',
					`${journaled.id}.${quoteIdent(column.name)} ${now ? `is ${now.type} now, not ${column.type}` : 'no longer exists'}: the table changed since the run, so its rows cannot be put back as they were.`,
					'Undo cannot cross a migration that changed the columns the run wrote.',
				);
			}
		}
		if (journaled.key.length === 0 && journaled.updated + journaled.inserted > 0) {
			throw new UserError('blocked', `${journaled.id} has no primary key or unique index, so the rows the run changed there cannot be found again.`, 'Add a primary key on the target, then undo.');
		}
		// Matched and written back with the journal's columns and key, whatever the table gained since.
		shapes.push({...shape, columns: journaled.columns, key: journaled.key, keyEquality: journaled.keyEquality, identityAlways: shape.identityAlways, journaled});
	}
	return shapes;
}

/** Parents before children, over the foreign keys among these tables (a cycle keeps the journal's order). */
async function parentsFirst(target: pg.ClientBase, tables: UndoTable[]): Promise<UndoTable[]> {
	const references = await target.query<{child: string; parent: string}>(
		`SELECT c.conrelid::text AS child, c.confrelid::text AS parent FROM pg_catalog.pg_constraint c
		  WHERE c.contype = 'f' AND c.conrelid <> c.confrelid AND c.conrelid = ANY($1::regclass[]::oid[]) AND c.confrelid = ANY($1::regclass[]::oid[])`,
		[tables.map((table) => table.relation)],
	);
	const oids = await target.query<{relation: string; oid: string}>('SELECT r AS relation, r::regclass::oid::text AS oid FROM unnest($1::text[]) AS r', [tables.map((table) => table.relation)]);
	const byOid = new Map(oids.rows.map((row) => [row.oid, tables.find((table) => table.relation === row.relation)!]));
	const ordered: UndoTable[] = [];
	const visiting = new Set<UndoTable>();
	const visit = (table: UndoTable) => {
		if (ordered.includes(table) || visiting.has(table)) return;
		visiting.add(table);
		const own = [...byOid.entries()].find(([, candidate]) => candidate === table)![0];
		for (const row of references.rows) if (row.child === own) visit(byOid.get(row.parent)!);
		ordered.push(table);
	};
	for (const table of tables) visit(table);
	return ordered;
}

/** The journal's sections of one table, loaded into TEMP tables: `before-update` → a TEMP table name, etc. */
type Staged = Map<string, Partial<Record<SectionKind, string>>>;

async function loadJournal(target: pg.ClientBase, entry: JournalEntry, tables: UndoTable[]): Promise<Staged> {
	const staged: Staged = new Map(tables.map((table) => [table.id, {}]));
	let counter = 0;
	let writer: ReturnType<typeof copyFrom> | undefined;
	for await (const frame of journalFrames(entry.file)) {
		if (frame.type === 'S') {
			const table = tables.find((candidate) => candidate.id === frame.section.table);
			if (!table) throw new UserError('blocked', `The journal of run ${entry.run.id} holds rows of ${frame.section.table}, which it does not list: it is damaged.`);
			const sections = staged.get(table.id)!;
			let name = sections[frame.section.kind];
			if (!name) {
				name = temp(`pgconvoy_undo_${counter++}`);
				const fingerprints = frame.section.kind === 'inserted' || frame.section.kind === 'updated';
				const columns = fingerprints ? `${columnList(table.key)}, ''::text AS fingerprint` : columnList(table.columns.map((column) => column.name));
				await target.query(`CREATE TEMP TABLE ${name} ON COMMIT DROP AS SELECT ${columns} FROM ${scanOf(table)} WITH NO DATA`);
				sections[frame.section.kind] = name;
			}
			writer = target.query(copyFrom(`COPY ${name} FROM STDIN (FORMAT binary)`));
			writer.on('error', () => {});
		} else if (frame.type === 'D') {
			if (!writer!.write(frame.data)) await once(writer!, 'drain');
		} else {
			writer!.end();
			await once(writer!, 'finish');
			writer = undefined;
		}
	}
	return staged;
}

/** Counts and conflicts per table: a row the run wrote whose fingerprint is not what the run left is a conflict. */
async function findConflicts(target: pg.ClientBase, run: JournalRun, tables: UndoTable[], staged: Staged): Promise<UndoPreview> {
	const counts: UndoTableCounts[] = [];
	const conflicts: UndoConflict[] = [];
	for (const table of tables) {
		const sections = staged.get(table.id)!;
		const count = async (name: string | undefined, distinct: boolean) =>
			name ? Number((await target.query<{rows: string}>(distinct && table.key.length > 0 ? `SELECT count(*)::text AS rows FROM (SELECT DISTINCT ${columnList(table.key)} FROM ${name}) d` : `SELECT count(*)::text AS rows FROM ${name}`)).rows[0]!.rows) : 0;
		const checks: Array<{sql: string; reason: UndoConflict['reason'] | 'changed-or-missing'}> = [];
		const keyText = `ROW(${columnList(table.key, 'j')})::text`;
		for (const kind of ['inserted', 'updated'] as const) {
			const name = sections[kind];
			if (!name) continue;
			checks.push({
				reason: 'changed-or-missing',
				sql: `SELECT ${keyText} AS key, CASE WHEN t.ctid IS NULL THEN '${kind}-missing' ELSE '${kind}-changed' END AS reason
				        FROM ${name} j LEFT JOIN ${scanOf(table)} t ON ${keyMatchOf(table, 't', 'j')}
				       WHERE t.ctid IS NULL OR ${rowFingerprintSql(table, 't')} <> j.fingerprint`,
			});
		}
		if (sections['before-delete'] && table.key.length > 0) {
			checks.push({reason: 'deleted-recreated', sql: `SELECT DISTINCT ${keyText} AS key, 'deleted-recreated' AS reason FROM ${sections['before-delete']} j JOIN ${scanOf(table)} t ON ${keyMatchOf(table, 't', 'j')}`});
		}
		let tableConflicts = 0;
		for (const check of checks) {
			const found = await target.query<{key: string; reason: UndoConflict['reason']; total: string}>(`SELECT key, reason, count(*) OVER ()::text AS total FROM (${check.sql}) c ORDER BY key LIMIT ${conflictsShown}`);
			tableConflicts += Number(found.rows[0]?.total ?? 0);
			conflicts.push(...found.rows.slice(0, Math.max(0, conflictsShown - conflicts.filter((conflict) => conflict.table === table.id).length)).map((row) => ({table: table.id, key: row.key, reason: row.reason})));
		}
		counts.push({table: table.id, delete: await count(sections.inserted, false), restore: await count(sections['before-update'], true), reinsert: await count(sections['before-delete'], true), conflicts: tableConflicts});
	}
	return {run, tables: counts.filter((table) => table.delete + table.restore + table.reinsert + table.conflicts > 0), conflicts};
}

function conflictError(preview: UndoPreview): UserError {
	const total = preview.tables.reduce((sum, table) => sum + table.conflicts, 0);
	const lines = preview.conflicts.map((conflict) => `  ${conflictText(conflict)}`);
	const more = total - preview.conflicts.length;
	return new UserError(
		'blocked',
		`${plural(total, 'row')} changed on the target since run ${preview.run.id}, so undoing it would overwrite newer data; nothing was written:\n${lines.join('\n')}${more > 0 ? `\n  … and ${plural(more, 'more row')}` : ''}`,
		"Check those rows. To put back the run's old values anyway (the newer changes to those rows are lost), undo with force.",
		{flagHint: "Check those rows. To put back the run's old values anyway (the newer changes to those rows are lost), add --force."},
	);
}

/**
 * Parents first: rows the run updated get their old values back, rows it deleted come back (with
 * `force`, a row deleted since is inserted again and a re-created one overwritten). Journaled as it
 * goes: the rows it overwrites first, then each written row's key and fingerprint (RETURNING).
 */
async function putBack(target: pg.ClientBase, table: UndoTable, sections: Partial<Record<SectionKind, string>>, recorder: JournalRecorder | undefined): Promise<void> {
	const names = table.columns.map((column) => column.name);
	const settable = names.filter((name) => !table.identityAlways.includes(name));
	const overriding = table.identityAlways.length > 0 ? ' OVERRIDING SYSTEM VALUE' : '';
	const shape = recorder ? await recorder.table(target, table.id, table.relation, {cascaded: table.journaled.cascaded, key: {columns: table.key, equality: table.keyEquality}}) : undefined;
	const hasKey = table.key.length > 0;
	/** A write, with its rows' keys and fingerprints into the undo's journal (RETURNING). Returns the rows written. */
	const write = async (kind: 'inserted' | 'updated', sql: string) => (recorder && hasKey ? recorder.capture(target, {table: table.id, kind}, `${sql} RETURNING ${columnList(table.key, 't')}, ${recorder.fingerprintSql(shape!, 't')}`) : ((await target.query(sql)).rowCount ?? 0));
	for (const kind of ['before-update', 'before-delete'] as const) {
		const old = sections[kind];
		if (!old) continue;
		// One row per key: a cascade reached along two paths is journaled twice.
		const rows = hasKey ? `(SELECT DISTINCT ON (${columnList(table.key)}) * FROM ${old}) o` : `${old} o`;
		const expected = Number((await target.query<{rows: string}>(`SELECT count(*)::text AS rows FROM ${rows}`)).rows[0]!.rows);
		let updated = 0;
		if (hasKey) {
			if (recorder) await recorder.capture(target, {table: table.id, kind: 'before-update'}, `SELECT ${columnList(names, 't')} FROM ${scanOf(table)} AS t JOIN ${rows} ON ${keyMatchOf(table, 't', 'o')}`);
			const assignments = (settable.length > 0 ? settable : [table.key[0]!]).map((name) => `${quoteIdent(name)} = o.${quoteIdent(name)}`).join(', ');
			updated = await write('updated', `UPDATE ${scanOf(table)} AS t SET ${assignments} FROM ${rows} WHERE ${keyMatchOf(table, 't', 'o')}`);
		}
		const missing = hasKey ? ` WHERE NOT EXISTS (SELECT 1 FROM ${scanOf(table)} AS t WHERE ${keyMatchOf(table, 't', 'o')})` : '';
		const inserted = await write('inserted', `INSERT INTO ${table.relation} AS t (${columnList(names)})${overriding} SELECT ${columnList(names, 'o')} FROM ${rows}${missing}`);
		expectUndone(table, kind === 'before-update' ? 'restore' : 're-insert', expected, updated + inserted);
	}
}

/** Children first: rows the run inserted are deleted (DELETE … RETURNING into the undo's own journal). */
async function removeInserted(target: pg.ClientBase, table: UndoTable, sections: Partial<Record<SectionKind, string>>, recorder: JournalRecorder | undefined, force: boolean): Promise<void> {
	const inserted = sections.inserted;
	if (!inserted) return;
	// Rows added since that reference rows the run inserted would be deleted or changed with them.
	const reach = (await deleteReach(target, {id: table.id, relation: table.relation, partitioned: table.partitioned}, (alias) => `EXISTS (SELECT 1 FROM ${inserted} j WHERE ${keyMatchOf(table, alias, 'j')})`, new Set())).filter((entry) => entry.rows > 0);
	if (reach.length > 0 && !(force && reach.every((entry) => entry.action !== 'restrict'))) {
		const effects = reach.map((entry) => `${plural(entry.rows, 'row')} of ${entry.table} (${entry.constraint}, ${entry.action === 'restrict' ? 'which refuses the delete' : `ON DELETE ${entry.action.toUpperCase()}`})`).join(', ');
		throw new UserError('blocked', `Deleting the rows the run inserted into ${table.id} would reach rows added since that reference them: ${effects}. Nothing was written.`, 'Remove or re-point those rows first, then undo.');
	}
	const names = table.columns.map((column) => column.name);
	const sql = `DELETE FROM ${scanOf(table)} AS t USING ${inserted} j WHERE ${keyMatchOf(table, 't', 'j')}`;
	let deleted: number;
	if (recorder) {
		await recorder.table(target, table.id, table.relation, {cascaded: table.journaled.cascaded, key: {columns: table.key, equality: table.keyEquality}});
		deleted = await recorder.capture(target, {table: table.id, kind: 'before-delete'}, `${sql} RETURNING ${columnList(names, 't')}`);
	} else deleted = (await target.query(sql)).rowCount ?? 0;
	// Without force every row the run inserted is there, unchanged (the conflicts said so): each must go.
	if (!force) expectUndone(table, 'delete', Number((await target.query<{rows: string}>(`SELECT count(*)::text AS rows FROM ${inserted}`)).rows[0]!.rows), deleted);
}

/**
 * Each write of the undo must change exactly the rows it puts back: fewer means row-level security
 * hid rows from this role, or a BEFORE trigger returned NULL; the undo then rolls back.
 */
function expectUndone(table: UndoTable, what: 'restore' | 're-insert' | 'delete', expected: number, written: number): void {
	if (written === expected) return;
	throw new UserError(
		'apply-failed',
		`The undo would ${what} ${plural(expected, 'row')} of ${table.id}, but the target took ${formatCount(written)}: nothing was written, the transaction was rolled back.`,
		"Likely a row-level security policy that hides rows from this role, or a BEFORE trigger that returns NULL: undo as a role the policies let see those rows, or look at the table's triggers.",
	);
}
