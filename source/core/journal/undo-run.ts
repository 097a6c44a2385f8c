import type pg from 'pg';
import {from as copyFrom} from 'pg-copy-streams';
import {once} from 'node:events';
import type {Endpoint} from '../connection/endpoint.js';
import {openSession, closeSession} from '../connection/connect.js';
import {beginWrite} from '../connection/transactions.js';
import {databaseIdentity} from '../connection/database-identity.js';
import {displayIdent, quoteIdent} from '../catalog/names.js';
import {UserError} from '../errors.js';
import {serverError} from '../connection/server-errors.js';
import {formatCount, plural} from '../counts.js';
import {conflictText, type UndoConflict} from './undo-conflict.js';
import {deleteReach} from '../forecast/delete-reach.js';
import {commitAndSettle, defaultCommitBudgets, type CommitBudgets} from '../write/settle-commit.js';
import type {JournalEntry, JournalRun, JournalTable, SectionKind} from './journal-format.js';
import {journalDirectory, journalFrames, listJournals, undoneRuns} from './journal-store.js';
import {settlePendingJournals} from './settle-journals.js';
import {WrittenKeys} from './written-keys.js';
import {cancelBackend} from '../connection/cancel.js';
import {JournalRecorder, type JournalOptions} from './journal-recorder.js';
import {columnList, keyMatchOf, readTableShape, rowFingerprintSql, scanOf, type TableShape} from './table-shape.js';

export type {UndoConflict} from './undo-conflict.js';

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
		throw new UserError(
			'config',
			`Run ${run.id} is still pending: whether its transaction committed is not settled yet.`,
			'Run pgconvoy history against its target: it asks the target and settles it.',
			{
				flagHint: `pgconvoy history --to <its target> asks the target and settles it.`,
			},
		);
	}
	// Read through once before connecting: a damaged file must fail here, not halfway through a COPY
	// into the target while its tables are locked.
	await checkJournalFile(options.entry);
	const target = await openSession(options.target, 'target');
	let recorder: JournalRecorder | undefined;
	let committing = false;
	let pid: number | undefined;
	const onAbort = () => {
		if (!committing) void cancelBackend(options.target, pid);
	};
	options.signal?.addEventListener('abort', onAbort, {once: true});
	try {
		options.signal?.throwIfAborted();
		pid = await beginWrite(target, {
			lockTimeoutMs: options.lockTimeoutMs ?? 5000,
			statementTimeoutMs: options.statementTimeoutMs ?? 0,
		});
		const identity = await databaseIdentity(target);
		if (identity !== run.targetIdentity) {
			throw new UserError(
				'config',
				`Run ${run.id} wrote to ${run.target}, not to this database (${describe(options.target)}): its journal cannot be undone here.`,
				`Undo it against the database it wrote to${run.targetProfile ? ` (profile ${run.targetProfile})` : ''}.`,
			);
		}
		// One undo of a run at a time, and a second one finds the first's outcome settled (see below).
		await target.query(`SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended($1, 0))`, [
			`pgconvoy undo ${run.targetIdentity} ${run.id}`,
		]);
		if (options.journal) await refuseIfUndone(options.journal.configDirectory, target, identity, run);
		const transactionId = (await target.query<{xid: string}>('SELECT pg_catalog.txid_current()::text AS xid')).rows[0]!
			.xid;
		const tables = await checkShapes(target, run.tables);
		await checkPrivileges(target, tables, options.force);
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
		if (options.journal)
			recorder = JournalRecorder.open(options.journal, {
				kind: 'undo',
				mode: 'undo',
				undoes: run.id,
				targetIdentity: identity,
				transactionId,
			});
		const written = new Map<string, WrittenKeys[]>();
		const keep = async (table: UndoTable, kind: 'inserted' | 'updated') => {
			const shape = recorder
				? await recorder.table(target, table.id, table.relation, {
						cascaded: table.journaled.cascaded,
						key: {columns: table.key, equality: table.keyEquality},
					})
				: table;
			const keys = recorder
				? await recorder.writtenKeys(target, shape, kind)
				: await WrittenKeys.create(target, table, kind, `pgconvoy_undo_written_${written.size}_${kind}`);
			written.set(table.id, [...(written.get(table.id) ?? []).filter((existing) => existing !== keys), keys]);
			return keys;
		};
		const step = async (work: () => Promise<void>) => {
			options.signal?.throwIfAborted();
			await work();
		};
		// Rows the run deleted come back parents first; then, children first, rows it updated get their
		// old values back, and rows it inserted go (a child updated to point at one of those is restored first).
		for (const table of ordered)
			await step(() => reinsertDeleted(target, table, staged.get(table.id)!, recorder, keep, options.force));
		const childrenFirst = [...ordered].reverse();
		for (const table of childrenFirst)
			await step(() => restoreUpdated(target, table, staged.get(table.id)!, recorder, keep, options.force));
		for (const table of childrenFirst)
			await step(() => removeInserted(target, table, staged.get(table.id)!, recorder, options.force));
		// Triggers fired by those writes may have changed rows already put back (a counter cache on a
		// parent, counting re-inserted children again): those get their old values once more.
		for (const table of childrenFirst)
			await step(() => reassert(target, table, staged.get(table.id)!, written.get(table.id) ?? []));
		await target.query('SET CONSTRAINTS ALL IMMEDIATE');
		if (recorder) {
			await recorder.finish(target);
			await recorder.seal();
		}
		options.signal?.throwIfAborted();

		committing = true;
		options.onPhase?.('committing');
		const outcome = await commitAndSettle(
			{client: target, endpoint: options.target, transactionId, backendPid: pid},
			{...defaultCommitBudgets, ...options.commitBudgets},
			{interrupt: options.signal, stopWaiting: options.stopWaiting},
		);
		if (outcome.status === 'rolled-back') recorder?.discard();
		if (outcome.status === 'unknown') {
			throw new UserError(
				'outcome-unknown',
				`COMMIT of the undo was sent but its outcome is unknown: transaction ${transactionId} may or may not have committed.`,
				`Check on the target: SELECT txid_status(${transactionId}); pgconvoy history then shows whether run ${run.id} is undone.`,
			);
		}
		if (outcome.status === 'rolled-back') {
			throw outcome.refusal
				? serverError(outcome.refusal, {during: 'undo'})
				: new UserError(
						'apply-failed',
						'The undo did not commit: the target confirms the transaction was rolled back, so nothing changed.',
						'Run the undo again.',
					);
		}
		const file = recorder?.committed();
		return {
			...preview,
			committed: true,
			...(recorder && file ? {journal: {id: recorder.id, file}} : {}),
			ms: Math.round(performance.now() - started),
		};
	} catch (error) {
		if (!committing) {
			recorder?.discard();
			await Promise.race([
				target.query('ROLLBACK').catch(() => {}),
				new Promise((resolve) => setTimeout(resolve, 2000)),
			]);
		}
		if (options.signal?.aborted && !committing)
			throw new UserError(
				'interrupted',
				'Interrupted: the undo was cancelled and rolled back; the target is unchanged.',
				undefined,
				{cause: error},
			);
		if (error instanceof UserError) throw error;
		throw serverError(error, {during: 'undo', roles: {target: options.target.user}});
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
		await closeSession(target);
	}
}

/** Decompresses the whole journal and checks its frames: a damaged or cut-off file is refused before anything is locked. */
async function checkJournalFile(entry: JournalEntry): Promise<void> {
	let open = false;
	try {
		for await (const frame of journalFrames(entry.file)) {
			if (frame.type === 'S') {
				if (open) throw new Error('a section starts inside another');
				open = true;
			} else if (frame.type === 'E') {
				if (!open) throw new Error('a section ends that never started');
				open = false;
			} else if (!open) throw new Error('data outside a section');
		}
		if (open) throw new Error('the last section never ends');
	} catch (error) {
		throw new UserError(
			'config',
			`The journal of run ${entry.run.id} (${entry.file}) is damaged: ${(error as Error).message}. Nothing was done on the target.`,
			'A journal cut short or edited cannot be undone; restore the file from a backup if you have one.',
		);
	}
}

/**
 * Under the undo's advisory lock: journals of this target another process left pending are settled
 * first (a concurrent undo of the same run that has just committed), then a run already undone is refused.
 */
async function refuseIfUndone(
	configDirectory: string,
	target: pg.ClientBase,
	identity: string,
	run: JournalRun,
): Promise<void> {
	const directory = journalDirectory(configDirectory);
	await settlePendingJournals(directory, target, identity);
	const entries = listJournals(directory);
	const by = undoneRuns(entries).get(run.id);
	if (by)
		throw new UserError(
			'usage',
			`Run ${run.id} is already undone (by ${by}).`,
			`To put its changes back, undo the undo: pgconvoy undo ${by}.`,
		);
	const inFlight = entries.find((entry) => entry.state === 'pending' && entry.run.undoes === run.id);
	if (inFlight)
		throw new UserError(
			'usage',
			`Run ${run.id} is being undone by ${inFlight.run.id}, whose outcome is not settled yet.`,
			'Wait for it, then look at pgconvoy history.',
		);
}

/** What the undo will do needs these privileges on each table, and TEMP to load the journal: refused before anything is locked. */
async function checkPrivileges(target: pg.ClientBase, tables: UndoTable[], force: boolean): Promise<void> {
	const needed = tables.map((table) => ({
		table,
		privileges: [
			...(table.journaled.deleted > 0 || (force && table.journaled.updated > 0) ? ['INSERT'] : []),
			...(table.journaled.updated > 0 || (force && table.journaled.deleted > 0) ? ['UPDATE'] : []),
			...(table.journaled.inserted > 0 ? ['DELETE'] : []),
			'SELECT',
		],
	}));
	const result = await target.query<{missing: string[][]; temp: boolean; role: string; database: string}>(
		`SELECT coalesce((SELECT array_agg(ARRAY[n.relation, n.privilege]) FROM unnest($1::text[], $2::text[]) AS n(relation, privilege) WHERE NOT pg_catalog.has_table_privilege(n.relation, n.privilege)), '{}') AS missing,
		        pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMP') AS temp, current_user AS role, pg_catalog.current_database() AS database`,
		[
			needed.flatMap(({table, privileges}) => privileges.map(() => table.relation)),
			needed.flatMap(({privileges}) => privileges),
		],
	);
	const {missing, temp, role, database} = result.rows[0]!;
	const grants = new Map<string, string[]>();
	for (const [relation, privilege] of missing) grants.set(relation!, [...(grants.get(relation!) ?? []), privilege!]);
	const idOf = (relation: string) => tables.find((table) => table.relation === relation)?.id ?? relation;
	const lines = [...grants].map(
		([relation, privileges]) => `GRANT ${privileges.join(', ')} ON ${idOf(relation)} TO ${displayIdent(role)};`,
	);
	if (!temp) lines.push(`GRANT TEMP ON DATABASE ${displayIdent(database)} TO ${displayIdent(role)};`);
	if (lines.length === 0) return;
	throw new UserError(
		'blocked',
		`The role ${role} may not do what the undo needs on the target (it loads the journal into TEMP tables, then deletes, updates and inserts rows). Nothing was done.`,
		`On the target: ${lines.join(' ')}`,
	);
}

/** A TEMP table of this transaction: `pg_temp."name"`. */
const temp = (name: string) => `pg_temp.${quoteIdent(name)}`;

const describe = (endpoint: Endpoint) => `${endpoint.user}@${endpoint.host}:${endpoint.port}/${endpoint.database}`;

interface UndoTable extends TableShape {
	journaled: JournalTable;
}

/** Each journaled table must still hold every journaled column with the same type (columns added since are fine). */
async function checkShapes(target: pg.ClientBase, tables: JournalTable[]): Promise<UndoTable[]> {
	const shapes: UndoTable[] = [];
	for (const journaled of tables) {
		const exists = (
			await target.query<{oid: string | null}>('SELECT pg_catalog.to_regclass($1)::oid::text AS oid', [
				journaled.relation,
			])
		).rows[0]!.oid;
		if (!exists)
			throw new UserError(
				'blocked',
				`${journaled.id} no longer exists on the target, so the rows the run changed there cannot be put back.`,
				'Undo cannot cross a migration that dropped the table.',
			);
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
			throw new UserError(
				'blocked',
				`${journaled.id} has no primary key or unique index, so the rows the run changed there cannot be found again.`,
				'Add a primary key on the target, then undo.',
			);
		}
		// Matched and written back with the journal's columns and key, whatever the table gained since.
		shapes.push({
			...shape,
			columns: journaled.columns,
			key: journaled.key,
			keyEquality: journaled.keyEquality,
			identityAlways: shape.identityAlways,
			journaled,
		});
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
	const oids = await target.query<{relation: string; oid: string}>(
		'SELECT r AS relation, r::regclass::oid::text AS oid FROM unnest($1::text[]) AS r',
		[tables.map((table) => table.relation)],
	);
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
			if (!table)
				throw new UserError(
					'blocked',
					`The journal of run ${entry.run.id} holds rows of ${frame.section.table}, which it does not list: it is damaged.`,
				);
			const sections = staged.get(table.id)!;
			let name = sections[frame.section.kind];
			if (!name) {
				name = temp(`pgconvoy_undo_${counter++}`);
				const fingerprints = frame.section.kind === 'inserted' || frame.section.kind === 'updated';
				const columns = fingerprints
					? `${columnList(table.key)}, ''::text AS fingerprint`
					: columnList(table.columns.map((column) => column.name));
				await target.query(
					`CREATE TEMP TABLE ${name} ON COMMIT DROP AS SELECT ${columns} FROM ${scanOf(table)} WITH NO DATA`,
				);
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
async function findConflicts(
	target: pg.ClientBase,
	run: JournalRun,
	tables: UndoTable[],
	staged: Staged,
): Promise<UndoPreview> {
	const counts: UndoTableCounts[] = [];
	const conflicts: UndoConflict[] = [];
	for (const table of tables) {
		const sections = staged.get(table.id)!;
		const count = async (name: string | undefined, distinct: boolean) =>
			name
				? Number(
						(
							await target.query<{rows: string}>(
								distinct && table.key.length > 0
									? `SELECT count(*)::text AS rows FROM (SELECT DISTINCT ${columnList(table.key)} FROM ${name}) d`
									: `SELECT count(*)::text AS rows FROM ${name}`,
							)
						).rows[0]!.rows,
					)
				: 0;
		const checks: Array<{sql: string; reason: UndoConflict['reason'] | 'changed-or-missing'}> = [];
		// The key as text for the message, and its columns to list conflicts in key order (not text order: 2 before 10).
		const keyText = `ROW(${columnList(table.key, 'j')})::text AS key, ${table.key.map((name, index) => `j.${quoteIdent(name)} AS k${index}`).join(', ')}`;
		const keyOrder = table.key.map((_, index) => `k${index}`).join(', ');
		// A row journaled by key alone (a bulk load into an empty table, see applySync) is unchanged while
		// its version is still the one the run's transaction wrote: xmin, kept even when frozen (9.4+).
		const runXid32 = (BigInt(run.transactionId) % 4294967296n).toString();
		for (const kind of ['inserted', 'updated'] as const) {
			const name = sections[kind];
			if (!name) continue;
			checks.push({
				reason: 'changed-or-missing',
				sql: `SELECT ${keyText}, CASE WHEN t.ctid IS NULL THEN '${kind}-missing' ELSE '${kind}-changed' END AS reason
				        FROM ${name} j LEFT JOIN ${scanOf(table)} t ON ${keyMatchOf(table, 't', 'j')}
				       WHERE t.ctid IS NULL OR CASE WHEN j.fingerprint IS NULL THEN t.xmin::text::bigint <> ${runXid32} ELSE ${rowFingerprintSql(table, 't')} <> j.fingerprint END`,
			});
		}
		if (sections['before-delete'] && table.key.length > 0) {
			checks.push({
				reason: 'deleted-recreated',
				sql: `SELECT DISTINCT ${keyText}, 'deleted-recreated' AS reason FROM ${sections['before-delete']} j JOIN ${scanOf(table)} t ON ${keyMatchOf(table, 't', 'j')}`,
			});
		}
		let tableConflicts = 0;
		for (const check of checks) {
			const found = await target.query<{key: string; reason: UndoConflict['reason']; total: string}>(
				`SELECT key, reason, count(*) OVER ()::text AS total FROM (${check.sql}) c ORDER BY ${keyOrder} LIMIT ${conflictsShown}`,
			);
			tableConflicts += Number(found.rows[0]?.total ?? 0);
			conflicts.push(
				...found.rows
					.slice(0, Math.max(0, conflictsShown - conflicts.filter((conflict) => conflict.table === table.id).length))
					.map((row) => ({table: table.id, key: row.key, reason: row.reason})),
			);
		}
		counts.push({
			table: table.id,
			delete: await count(sections.inserted, false),
			restore: await count(sections['before-update'], true),
			reinsert: await count(sections['before-delete'], true),
			conflicts: tableConflicts,
		});
	}
	return {
		run,
		tables: counts.filter((table) => table.delete + table.restore + table.reinsert + table.conflicts > 0),
		conflicts,
	};
}

function conflictError(preview: UndoPreview): UserError {
	const total = preview.tables.reduce((sum, table) => sum + table.conflicts, 0);
	const lines = preview.conflicts.map((conflict) => `  ${conflictText(conflict)}`);
	const more = total - preview.conflicts.length;
	return new UserError(
		'blocked',
		`${plural(total, 'row')} changed on the target since run ${preview.run.id}, so undoing it would overwrite newer data; nothing was written:\n${lines.join('\n')}${more > 0 ? `\n  … and ${plural(more, 'more row')}` : ''}`,
		"Check those rows. To put back the run's old values anyway (the newer changes to those rows are lost), undo with force.",
		{
			flagHint:
				"Check those rows. To put back the run's old values anyway (the newer changes to those rows are lost), add --force.",
		},
	);
}

type Keep = (table: UndoTable, kind: 'inserted' | 'updated') => Promise<WrittenKeys>;

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
async function reinsertDeleted(
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
async function restoreUpdated(
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
async function removeInserted(
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
async function reassert(
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
