import type pg from 'pg';
import type {Finding, SyncPlan, TablePlan} from '../plan/types.js';
import type {DeleteReach, PreviewResult, SyncEventListener, SyncResult, TableCounts, TableResult} from '../events.js';
import type {Endpoint} from '../connection/endpoint.js';
import {beginRead} from '../connection/transactions.js';
import {setLocal, withComparisonSettings} from '../connection/session-settings.js';
import {quoteIdent} from '../catalog/names.js';
import {UserError} from '../errors.js';
import {diffTable, type TableDiff} from '../diff/diff-table.js';
import {KeyList} from '../diff/key-list.js';
import {equality, tableName, tableOnly} from '../sql/value-forms.js';
import {mirrorGuardFindings} from '../forecast/mirror-guards.js';
import {copyRows} from './copy-rows.js';
import {keyFilter} from '../sql/key-filter.js';
import {
	createStageSql,
	deleteMissingFromStageSql,
	insertMissingSql,
	keyMatch,
	updateChangedSql,
} from '../sql/write-statements.js';
import {advanceSequences} from './advance-sequences.js';
import {sequencePrivilegeFindings} from '../forecast/sequence-privileges.js';
import {expectWritten} from './written-rows.js';
import {copiesWholeTable, selfReferencing} from '../write/write-path.js';
import {writeForecasts} from '../forecast/write-forecasts.js';
import {hasSecondaryUnique, uniqueConflictFindings} from '../forecast/unique-conflicts.js';
import {deleteReach, deleteReachFindings, type RowCondition} from '../forecast/delete-reach.js';
import type {Catalog} from '../catalog/types.js';
import type {CommitBudgets} from '../write/settle-commit.js';
import {runWrite, type WriteRequest, type WriteTransaction} from '../write/write-transaction.js';
import {StopControl} from '../write/stop-control.js';
import {JournalRecorder, type JournalOptions} from '../journal/journal-recorder.js';
import {SnapshotReader} from '../journal/snapshot-reader.js';
import {databaseIdentity} from '../connection/database-identity.js';
import {columnList, journalUnsupported, scanOf, type TableShape} from '../journal/table-shape.js';
import {changedRowsCondition} from '../sql/write-statements.js';

export interface ApplyContext {
	plan: SyncPlan;
	source: pg.Client;
	target: pg.Client;
	sourceEndpoint: Endpoint;
	targetEndpoint: Endpoint;
	/** For the checks the preview makes before writing (privileges, TEMP, enum labels); skipped when absent. */
	targetCatalog?: Catalog;
	/**
	 * Rehearse: run the real apply in the target transaction (every statement, trigger and
	 * constraint), then roll it back and report what it did. Sequences are not advanced; values
	 * that column defaults or triggers took from sequences stay consumed (nextval is not transactional).
	 */
	rehearse?: boolean;
	/** The confirmed preview: if the data changed since, roll back and report drift. */
	expected?: PreviewResult;
	onEvent?: SyncEventListener;
	/** The stop policy of this write (see StopControl); else one that follows `signal` and `stopWaiting`. */
	stop?: StopControl;
	/** Aborted to cancel now (as StopControl.cancelNow). */
	signal?: AbortSignal;
	/** Above this many changed keys a table is copied whole instead of by key list. */
	maxListedKeys?: number;
	/** How long COMMIT's reply is waited for, then its outcome looked for (defaults: 30 s, 60 s). */
	commitBudgets?: Partial<CommitBudgets>;
	/** Aborted to stop waiting for COMMIT's outcome (a second Ctrl-C): it is then reported unknown. */
	stopWaiting?: AbortSignal;
	/** Keep an undo journal of this run (see JournalRecorder); none when absent, and never for a rehearsal. */
	journal?: JournalOptions;
	/** How long a cancel or a ROLLBACK may take before the backend is ended (see runWrite); tests shorten them. */
	writeOptions?: Pick<WriteRequest, 'cancelWaitMs' | 'rollbackWaitMs' | 'endWaitMs'>;
}

/** A drift: the counts inside the write transaction differ from the preview the user confirmed. */
export class DriftError extends UserError {
	constructor(readonly fresh: TableCounts[]) {
		super(
			'drift',
			'The data changed since the preview: the rows to write inside the sync (their counts, or which keys they are) differ from the ones you confirmed, so nothing was written.',
			'Look at the fresh counts and confirm again.',
		);
	}
}

// Each key-listed COPY costs a source query with an inline array and a COPY FROM round trip; 50k keys
// (at most a few MB of literal for uuid keys) spread that: 100k missing rows copy in 0.98–1.05 s instead of 1.09–1.56 s.
const keysPerStatement = 50_000;
/** Below this share of the target's rows, a staged key list is joined by index probes (see withIndexJoins). */
const indexJoinRatio = 0.2;

interface PendingDelete {
	/** Its table's position in the plan: names its TEMP tables. */
	order: number;
	plan: TablePlan;
	diff: TableDiff;
	stage?: string;
	result: TableResult;
}

/**
 * Writes the plan into the target in one transaction: per table (parents first) recompute the diff,
 * copy only the selected rows as COPY bytes into a TEMP stage, insert/update set-based; then deletes
 * (children first), sequences, COMMIT. Any error rolls everything back.
 */
export async function applySync(context: ApplyContext): Promise<SyncResult> {
	const {plan, source, onEvent} = context;
	const started = performance.now();
	const stop = context.stop ?? StopControl.following(context.signal, context.stopWaiting);
	const timeouts = {lockTimeoutMs: plan.options.lockTimeoutMs, statementTimeoutMs: plan.options.statementTimeoutMs};
	const run: SyncRunState = {results: [], cascaded: [], currentTable: undefined, journalSkipped: undefined};
	try {
		const outcome = await runWrite(
			{
				label: 'sync',
				target: context.target,
				endpoint: context.targetEndpoint,
				timeouts,
				rehearse: context.rehearse,
				stop,
				commitBudgets: context.commitBudgets,
				relations: plan.tables.map((table) => tableName(table, 'target')),
				errorContext: () => ({
					table: run.currentTable,
					mode: plan.options.mode,
					roles: {source: context.sourceEndpoint.user, target: context.targetEndpoint.user},
				}),
				unknownHint: 'A second run then previews what is still missing.',
				onCommitting: () => onEvent?.({type: 'apply-phase', phase: 'committing'}),
				...context.writeOptions,
			},
			async (transaction) => {
				transaction.alsoCancel(context.sourceEndpoint, await beginRead(source, 'source', timeouts));
				await writeAll(context, transaction, run);
			},
		);
		// The source's snapshot was only read; a rehearsal's target is already rolled back.
		await source.query(outcome.committed ? 'COMMIT' : 'ROLLBACK').catch(() => {});
		const result: SyncResult = {
			mode: plan.options.mode,
			committed: outcome.committed,
			...(context.rehearse ? {rehearsed: true} : {}),
			tables: run.results,
			...(run.cascaded.length > 0 ? {cascaded: run.cascaded} : {}),
			...(outcome.journal ? {journal: outcome.journal} : {}),
			...(run.journalSkipped ? {journalSkipped: run.journalSkipped} : {}),
			ms: Math.round(performance.now() - started),
		};
		onEvent?.({type: 'apply-finished', result});
		return result;
	} catch (error) {
		await settleWithin(source.query('ROLLBACK'), 2000);
		throw error;
	} finally {
		await run.beforeRun?.close();
	}
}

/** What the sync's statements leave for its result, and for the error message if one fails. */
interface SyncRunState {
	results: TableResult[];
	cascaded: DeleteReach[];
	/** The table being written, for the message of a failure. */
	currentTable: string | undefined;
	/** Why no journal was kept although one was asked for. */
	journalSkipped: string | undefined;
	/** Reads rows as they were before the run (see SnapshotReader); closed before COMMIT and at the end. */
	beforeRun?: SnapshotReader;
}

/** Every statement of the sync, in the write transaction `transaction`: up to COMMIT, which runWrite sends. */
async function writeAll(context: ApplyContext, transaction: WriteTransaction, run: SyncRunState): Promise<void> {
	const {plan, source, target, onEvent} = context;
	// Packed, a listed key costs ~12 bytes (bigint) to ~40 (uuid, short text): a bounded few tens of MB.
	const maxListedKeys = context.maxListedKeys ?? 2_000_000;
	const pendingDeletes: PendingDelete[] = [];
	const fresh: TableCounts[] = [];
	let journal: JournalRecorder | undefined;
	run.journalSkipped = context.journal && !context.rehearse ? await journalUnsupported(target) : undefined;
	if (context.journal && !context.rehearse && !run.journalSkipped) {
		journal = JournalRecorder.open(context.journal, {
			kind: 'sync',
			mode: plan.options.mode,
			targetIdentity: await databaseIdentity(target),
			transactionId: transaction.transactionId,
		});
		transaction.keepJournal(journal);
	}
	await lockTargetTables(transaction, plan.tables);
	// Old rows are read as they were before this transaction wrote anything (see SnapshotReader).
	// Only triggers can change a row before this run's own statement on it, or after it: without
	// any on the tables written, old rows read in this transaction are the rows before the run, and
	// RETURNING already gives what COMMIT keeps.
	// Allowed cascades reach tables outside the selection, whose triggers are not known here.
	const triggersInPlay = plan.options.allowCascade || plan.tables.some((table) => table.target.triggers.length > 0);
	if (journal && triggersInPlay) run.beforeRun = await SnapshotReader.tryOpen(context.targetEndpoint, target);
	const journaling = journal && {recorder: journal, beforeRun: run.beforeRun, afterTriggers: triggersInPlay};
	if (plan.deferredConstraints.length > 0)
		await target.query(`SET CONSTRAINTS ${plan.deferredConstraints.join(', ')} DEFERRED`);
	onEvent?.({type: 'apply-started', tables: plan.tables.map((table) => table.id)});

	for (const [index, table] of plan.tables.entries()) {
		transaction.checkpoint();
		run.currentTable = table.id;
		const tableStarted = performance.now();
		const expected = context.expected?.tables.find((counts) => counts.table === table.id);
		const {diff, result, stage} = await writeTable(
			table,
			index,
			context,
			transaction,
			maxListedKeys,
			expected,
			journaling,
		);
		fresh.push(diff.counts);
		result.ms = Math.round(performance.now() - tableStarted);
		run.results.push(result);
		if (diff.counts.delete > 0 && plan.options.mode === 'mirror')
			pendingDeletes.push({order: index, plan: table, diff, stage, result});
		else onEvent?.({type: 'apply-table-finished', result});
	}
	run.currentTable = undefined;

	if (context.expected && driftDetected(context.expected, fresh, plan)) throw new DriftError(fresh);
	const guards = mirrorGuardFindings(plan, fresh);
	if (guards.length > 0)
		throw new UserError('blocked', guards.map((finding) => finding.message).join('\n'), guards[0]!.hint, {
			flagHint: guards[0]!.flagHint,
		});

	if (pendingDeletes.length > 0) onEvent?.({type: 'apply-phase', phase: 'deleting'});
	for (const pending of pendingDeletes.reverse()) {
		transaction.checkpoint();
		run.currentTable = pending.plan.id;
		const deleteStarted = performance.now();
		run.cascaded.push(
			...(await checkDeleteReach(
				pending,
				target,
				new Set(plan.tables.map((table) => table.id)),
				plan.options.allowCascade,
				journal,
			)),
		);
		pending.result.deleted = await deleteRows(pending, target, journaling);
		expectWritten(pending.plan, 'delete', pending.diff.counts.delete, pending.result.deleted);
		pending.result.ms += Math.round(performance.now() - deleteStarted);
		onEvent?.({type: 'apply-table-finished', result: pending.result});
	}
	run.currentTable = undefined;

	onEvent?.({type: 'apply-phase', phase: 'sequences'});
	// Sequence moves survive a rollback, so they come last, just before COMMIT.
	const written = plan.tables.filter((table) => {
		const result = run.results.find((done) => done.table === table.id)!;
		return result.inserted + result.updated > 0;
	});
	// As the preview would have said: a sequence this role may not set blocks, rather than failing in setval.
	const targetRole = (await target.query<{role: string}>('SELECT current_user AS role')).rows[0]!.role;
	const sequenceFindings = (
		await Promise.all(written.map((table) => sequencePrivilegeFindings(source, target, table, targetRole)))
	).flat();
	refuseOn(sequenceFindings);
	// setval() is not transactional: a rehearsal leaves sequences alone (it cannot take back what defaults consumed).
	if (!context.rehearse) await advanceSequences(target, written);
	transaction.checkpoint();
	// Deferred checks run now rather than inside COMMIT: COMMIT then only commits, so it answers in
	// moments, and a long silence means a lost reply rather than a busy server.
	if (plan.deferredConstraints.length > 0) await target.query('SET CONSTRAINTS ALL IMMEDIATE');
	// The journal is finished and sealed by runWrite; its reader's connection is not held through
	// COMMIT, as settling an outcome may need one (a pool of two).
	await run.beforeRun?.close();
}

async function writeTable(
	table: TablePlan,
	index: number,
	context: ApplyContext,
	transaction: WriteTransaction,
	maxListedKeys: number,
	expected: TableCounts | undefined,
	journaling: Journaling | undefined,
) {
	const {plan, source, target, onEvent} = context;
	const journal = journaling?.recorder;
	const shape = journal
		? await journal.table(target, table.id, tableName(table, 'target'), {
				key: {
					columns: table.key,
					equality: table.key.map((name) => equality(table.columns.find((column) => column.name === name)!, 'target')),
				},
			})
		: undefined;
	/** What the run wrote, as key and fingerprint, for rows of the target read as `t`, read when the writes are done. */
	/**
	 * What the run wrote, as key and fingerprint, for rows of the target read as `t`, read when the
	 * writes are done. Without triggers nothing else writes those rows in this transaction: the key
	 * suffices, and the undo tells a row changed since by its xmin no longer being this transaction's.
	 */
	const written = (kind: 'inserted' | 'updated', from: string, where = 'true') =>
		journal!.defer(
			{table: table.id, kind},
			`SELECT ${columnList(shape!.key, 't')}, ${journaling!.afterTriggers ? journal!.fingerprintSql(shape!, 't') : 'NULL::text'} FROM ${from} WHERE ${where}`,
		);
	/**
	 * One INSERT or UPDATE from the stage (the table aliased `t`), through the key indexes if `join`
	 * says so; with a journal, the same statement keeps the keys it wrote (RETURNING). Returns the rows written.
	 */
	const write = async (kind: 'inserted' | 'updated', sql: string, join?: IndexJoin) => {
		if (journal && !journaling!.afterTriggers) {
			// Nothing can change the row after this statement: its RETURNING row is what COMMIT keeps.
			return withIndexJoins(target, join, () =>
				journal.capture(
					target,
					{table: table.id, kind},
					`${sql} RETURNING ${columnList(shape!.key, 't')}, ${journal.fingerprintSql(shape!, 't')}`,
				),
			);
		}
		const statement = journal ? (await journal.writtenKeys(target, shape!, kind)).returning(sql) : sql;
		return (await withIndexJoins(target, join, () => target.query(statement))).rowCount ?? 0;
	};
	const mode = plan.options.mode;
	const result: TableResult = {table: table.id, inserted: 0, updated: 0, skipped: 0, deleted: 0, ms: 0};
	const into = tableName(table, 'target');
	const targetEmpty = (await target.query(`SELECT NOT EXISTS (SELECT 1 FROM ${tableOnly(table, 'target')}) AS empty`))
		.rows[0]!.empty as boolean;

	// COPY FROM refuses a table whose rows row-level security checks for this role: those go through INSERT … SELECT.
	if (targetEmpty && !table.target.rowSecurityActive) {
		// Everything is an insert (how many is known once copied): COPY straight into the table, no diff and no stage.
		await refuseForecasts(
			table,
			{
				table: table.id,
				insert: Math.max(1, expected?.insert ?? 0),
				update: 0,
				skip: 0,
				delete: 0,
				differing: 0,
				sourceRows: 1,
				targetRows: 0,
			},
			context,
		);
		const rowsExpected = expected?.insert ?? table.source.estimatedRows;
		onEvent?.({type: 'apply-table-started', table: table.id, rowsToWrite: rowsExpected});
		const copied = await copyRows(table, source, target, into, undefined, undefined, (rows) => {
			onEvent?.({type: 'apply-table-activity', table: table.id, phase: 'copying', done: rows, total: rowsExpected});
			onEvent?.({
				type: 'apply-table-progress',
				table: table.id,
				rowsWritten: Math.min(rows, rowsExpected),
				rowsToWrite: rowsExpected,
			});
		});
		expectWritten(table, 'insert', copied.read, copied.written);
		result.inserted = copied.written;
		// The table was empty: every row in it now is one this run inserted (a fingerprint of every row of a
		// bulk load would cost ~1 s per million; see `written`).
		if (journal) written('inserted', `${tableOnly(table, 'target')} AS t`);
		const counts: TableCounts = {
			table: table.id,
			insert: result.inserted,
			update: 0,
			skip: 0,
			delete: 0,
			differing: 0,
			sourceRows: result.inserted,
			targetRows: 0,
		};
		onEvent?.({
			type: 'apply-table-progress',
			table: table.id,
			rowsWritten: result.inserted,
			rowsToWrite: result.inserted,
		});
		const none = new KeyList([]);
		return {diff: {counts, insertKeys: none, updateKeys: none, deleteKeys: none, keysListed: true}, result};
	}

	const diff = await withComparisonSettings(target, () =>
		diffTable(table, source, target, {
			mode,
			hashMethod: plan.hashMethod,
			// Insert mode writes only missing keys: comparing contents would be wasted work.
			withHashes: mode !== 'insert',
			keepKeys: true,
			maxListedKeys,
			fingerprintShortcut: false,
			onKeysRead: (done) =>
				onEvent?.({
					type: 'apply-table-activity',
					table: table.id,
					phase: 'comparing',
					done,
					total: table.source.estimatedRows + table.target.estimatedRows,
				}),
		}),
	);
	const counts = diff.counts;
	if (expected && tableDrifted(expected, counts, mode)) throw new DriftError([counts]);
	await refuseForecasts(
		table,
		counts,
		context,
		diff.keysListed ? () => [...diff.insertKeys.toArray(), ...diff.updateKeys.toArray()] : undefined,
	);
	if (diff.keysListed && hasSecondaryUnique(table)) {
		// Refused with the rows' keys, before the unique index refuses with their values.
		const conflicts = await uniqueConflictFindings(
			table,
			[...diff.insertKeys.toArray(), ...diff.updateKeys.toArray()],
			source,
			target,
		);
		refuseOn(conflicts);
	}
	result.skipped = counts.skip;
	const rowsToWrite = counts.insert + counts.update;
	onEvent?.({type: 'apply-table-started', table: table.id, rowsToWrite});
	let rowsWritten = 0;
	// Rows copied from the source (into the table, or into the stage), as they arrive chunk by chunk.
	const progress = (rows: number) => {
		rowsWritten = Math.min(rowsWritten + rows, rowsToWrite);
		onEvent?.({type: 'apply-table-activity', table: table.id, phase: 'copying', done: rowsWritten, total: rowsToWrite});
		onEvent?.({type: 'apply-table-progress', table: table.id, rowsWritten, rowsToWrite});
	};

	const wholeTable = copiesWholeTable(table, counts, diff.keysListed);
	// Qualified: the write transaction runs under the role's search_path.
	const stage = `pg_temp.${quoteIdent(`pgconvoy_stage_${index}`)}`;
	if (wholeTable) {
		if (rowsToWrite === 0 && !(counts.delete > 0 && !diff.keysListed)) return {diff, result};
		await target.query(createStageSql(table, stage));
		// In key order, then indexed on the key: the stage and the table are joined by walking both key
		// indexes in step (a merge join), so the table's rows are visited and updated in order.
		const ordered = keyIndexed(table) && keyIndexed(table, 'source');
		const keyList = table.key.map((name) => quoteIdent(name)).join(', ');
		await copyRows(table, source, target, stage, undefined, ordered ? keyList : undefined, (done) =>
			onEvent?.({type: 'apply-table-activity', table: table.id, phase: 'copying', done, total: counts.sourceRows}),
		);
		const statements = (ordered ? 1 : 0) + (counts.insert > 0 ? 1 : 0) + (counts.update > 0 ? 1 : 0);
		let statementsDone = 0;
		const merged = () =>
			onEvent?.({
				type: 'apply-table-activity',
				table: table.id,
				phase: 'merging',
				done: statementsDone++,
				total: statements,
			});
		merged();
		if (ordered) {
			await target.query(`CREATE INDEX ON ${stage} (${keyList}); ANALYZE ${stage}`);
			merged();
		}
		const join = ordered ? 'merge' : undefined;
		const run = async (kind: 'inserted' | 'updated', sql: string) => {
			const done = await write(kind, sql, join);
			merged();
			return done;
		};
		// The diff counted exactly, in the same snapshot and under the lock: skip the statements with nothing to do.
		const update = counts.update > 0 ? updateChangedSql(table, stage, plan.hashMethod) : undefined;
		// Rows it is about to insert, when the update would see them too (a BEFORE trigger may have changed them).
		const newKeys = counts.insert > 0 && update ? await rememberNewKeys(target, table, stage, index) : undefined;
		// Read through the snapshot by key while that is a small share of the table; past it, through the UPDATE's own join.
		const byKey =
			diff.keysListed && journaling?.beforeRun !== undefined && readByKey(diff.updateKeys.length, counts.targetRows);
		if (journaling && update)
			await journalOldRows(
				journaling,
				target,
				table,
				shape!,
				byKey ? diff.updateKeys : {stage, hashMethod: plan.hashMethod, join},
			);
		if (counts.insert > 0) result.inserted = await run('inserted', insertMissingSql(table, stage));
		progress(result.inserted);
		if (update) result.updated = await run('updated', exceptNewRows(update, table, newKeys)!);
		progress(rowsToWrite);
	} else {
		// Rows the target lacks go straight into the table, unless a row may reference another new row of
		// the same table in a later chunk (a self-referencing key): then they go through the stage in one INSERT.
		const direct = !selfReferencing(table) && !table.target.rowSecurityActive;
		if (direct) {
			for (const keys of diff.insertKeys.chunks(keysPerStatement)) {
				transaction.checkpoint();
				const copied = await copyRows(table, source, target, into, keyFilter(table, 'source', keys));
				// A chunk's keys were read under the same snapshot: each must arrive and be kept.
				expectWritten(table, 'insert', keys.length, copied.written);
				result.inserted += copied.written;
				progress(copied.written);
			}
		}
		const staged = direct ? [diff.updateKeys] : [diff.insertKeys, diff.updateKeys];
		if (staged.some((list) => list.length > 0)) {
			await target.query(createStageSql(table, stage));
			for (const list of staged) {
				for (const keys of list.chunks(keysPerStatement)) {
					transaction.checkpoint();
					progress((await copyRows(table, source, target, stage, keyFilter(table, 'source', keys))).written);
				}
			}
			const stagedRows = staged.reduce((sum, list) => sum + list.length, 0);
			const probe = stagedRows <= indexJoinRatio * counts.targetRows && keyIndexed(table);
			const insert = !direct && diff.insertKeys.length > 0 ? insertMissingSql(table, stage) : undefined;
			const newKeys =
				insert && diff.updateKeys.length > 0 ? await rememberNewKeys(target, table, stage, index) : undefined;
			const update =
				diff.updateKeys.length > 0
					? exceptNewRows(updateChangedSql(table, stage, plan.hashMethod), table, newKeys)
					: undefined;
			const statements = [insert, update].filter(Boolean).length;
			let statementsDone = 0;
			const join = probe ? 'probe' : undefined;
			const run = async (kind: 'inserted' | 'updated', sql: string) => {
				onEvent?.({
					type: 'apply-table-activity',
					table: table.id,
					phase: 'merging',
					done: statementsDone,
					total: statements,
				});
				const done = await write(kind, sql, join);
				onEvent?.({
					type: 'apply-table-activity',
					table: table.id,
					phase: 'merging',
					done: ++statementsDone,
					total: statements,
				});
				return done;
			};
			if (journaling && update)
				await journalOldRows(
					journaling,
					target,
					table,
					shape!,
					journaling.beforeRun ? diff.updateKeys : {stage, hashMethod: plan.hashMethod, join},
				);
			if (insert) result.inserted = await run('inserted', insert);
			if (update) result.updated = await run('updated', update);
		}
		// Rows COPYed straight in cannot be returned: the journal finds them by their listed keys.
		if (journal && direct && counts.insert > 0) {
			for (const keys of diff.insertKeys.chunks(keysPerStatement))
				written('inserted', `${tableOnly(table, 'target')} AS t`, keyFilter(table, 'target', keys, 't.'));
		}
	}
	expectWritten(table, 'insert', counts.insert, result.inserted);
	expectWritten(table, 'update', counts.update, result.updated);
	onEvent?.({type: 'apply-table-progress', table: table.id, rowsWritten: rowsToWrite, rowsToWrite});
	return {diff, result, stage: diff.keysListed ? undefined : stage};
}

/**
 * Locks the selected tables against concurrent writers, which would make the counts a guess;
 * readers carry on. SHARE ROW EXCLUSIVE needs UPDATE, DELETE, TRUNCATE or MAINTAIN on the table;
 * a role that may only INSERT (insert mode) gets ROW EXCLUSIVE, which INSERT allows: concurrent
 * writers may then go on, and a key they add meanwhile fails the sync on the unique index rather
 * than being overwritten. Source: PostgreSQL docs, LOCK ("Privileges required").
 */
async function lockTargetTables(transaction: WriteTransaction, tables: TablePlan[]): Promise<void> {
	if (tables.length === 0) return;
	const names = tables.map((table) => tableName(table, 'target'));
	const modes = (
		await transaction.client.query<{mode: string | null}>(
			`SELECT CASE WHEN pg_catalog.has_table_privilege(t, 'UPDATE') OR pg_catalog.has_table_privilege(t, 'DELETE') OR pg_catalog.has_table_privilege(t, 'TRUNCATE') THEN 'SHARE ROW EXCLUSIVE'
			             WHEN pg_catalog.has_table_privilege(t, 'INSERT') THEN 'ROW EXCLUSIVE' END AS mode
			   FROM unnest($1::text[]) WITH ORDINALITY AS n(t, position) ORDER BY position`,
			[names],
		)
	).rows.map((row) => row.mode);
	// A table the role may not write at all is not locked: the checks after its diff refuse the sync
	// with the GRANT to run (exit 4) if it has rows to write, and nothing is lost if it has none.
	for (const mode of ['SHARE ROW EXCLUSIVE', 'ROW EXCLUSIVE'] as const) {
		const chosen = tables.filter((_, index) => modes[index] === mode);
		await transaction.lock(
			chosen.map((table) => ({name: tableName(table, 'target'), only: !table.target.partitioned})),
			mode,
		);
	}
}

/** Blocking findings found inside the apply refuse it (exit 4), as the preview would have: nothing is written. */
function refuseOn(findings: Finding[]): void {
	const refused = findings.filter((finding) => finding.severity === 'blocking');
	if (refused.length === 0) return;
	const lines = (pick: (finding: Finding) => string | undefined) =>
		[...new Set(refused.map(pick).filter(Boolean))].join('\n');
	throw new UserError(
		'blocked',
		`${lines((finding) => finding.message)} Nothing was written: the transaction was rolled back.`,
		lines((finding) => finding.hint),
		{flagHint: lines((finding) => finding.flagHint ?? finding.hint)},
	);
}

/** What the preview would have said, for an apply that was not previewed: refuse before writing (exit 4). */
async function refuseForecasts(
	table: TablePlan,
	counts: TableCounts,
	context: ApplyContext,
	writeKeys?: () => string[][],
): Promise<void> {
	if (!context.targetCatalog) return;
	refuseOn(
		await writeForecasts(table, counts, context.plan.options.mode, context.targetCatalog, context.source, writeKeys),
	);
}

/** That side has a unique index on exactly the key columns: rows can be found, and read in key order, through it. */
function keyIndexed(table: TablePlan, side: 'source' | 'target' = 'target'): boolean {
	return table[side].uniqueKeys.some(
		(key) => key.columns.length === table.key.length && key.columns.every((name) => table.key.includes(name)),
	);
}

/**
 * Runs a stage-to-table statement through the key indexes instead of a hash join. The planner's
 * default costs (random_page_cost 4) choose a hash join that scans the whole table and, once it
 * spills into batches, updates the rows in hash order. 'probe' (a small key-listed stage): index
 * probes from the stage, which holds rows in key order; 4M-row table, 400k staged: 2.3 s instead of
 * 4.6 s. 'merge' (the whole table staged and indexed): hash joins off, so both key indexes are walked
 * in step; 1M rows all changed: 4.7 s instead of 6.4 s, 4M: 22 s or less instead of 39 s. The settings are
 * SET LOCAL and put back after the statement; if it fails, the rollback resets them anyway.
 */
async function withIndexJoins<T>(
	target: pg.ClientBase,
	join: IndexJoin | undefined,
	statement: () => Promise<T>,
): Promise<T> {
	if (!join) return statement();
	const previous = await setLocal(
		target,
		join === 'probe' ? {enable_hashjoin: 'off', enable_mergejoin: 'off'} : {enable_hashjoin: 'off'},
	);
	const result = await statement();
	await setLocal(target, previous);
	return result;
}

type IndexJoin = 'probe' | 'merge';

/**
 * Before a mirror deletes, what its deletes do outside the selection (see deleteReach), judged in
 * the write transaction: a referencing row that would refuse the delete, or a cascade not allowed,
 * refuses the sync (exit 4); allowed cascades are returned, for the result to report.
 */
async function checkDeleteReach(
	pending: PendingDelete,
	target: pg.ClientBase,
	selected: Set<string>,
	allowCascade: boolean,
	journal: JournalRecorder | undefined,
): Promise<DeleteReach[]> {
	const table = pending.plan;
	const deleted: RowCondition = pending.stage
		? (alias) =>
				`NOT EXISTS (SELECT 1 FROM ${pending.stage} s WHERE ${table.key.map((name) => `${alias}.${quoteIdent(name)} = s.${quoteIdent(name)}`).join(' AND ')})`
		: (alias) => keyFilter(table, 'target', pending.diff.deleteKeys.toArray(), `${alias}.`);
	const reached: Array<{entry: DeleteReach; relation: string; partitioned: boolean; rows: RowCondition}> = [];
	const reach = await deleteReach(
		target,
		{id: table.id, relation: tableName(table, 'target'), partitioned: table.target.partitioned},
		deleted,
		selected,
		0,
		(entry, relation, partitioned, rows) => reached.push({entry, relation, partitioned, rows}),
	);
	refuseOn(deleteReachFindings(table, pending.diff.counts.delete, reach, allowCascade));
	// Allowed cascades change rows of tables outside the selection: their old rows go into the journal
	// before the delete, and rows SET NULL / SET DEFAULT also with what they hold after it.
	if (journal) {
		for (const [position, {entry, relation, partitioned, rows}] of reached.entries()) {
			if (entry.action === 'restrict') continue;
			const shape = await journal.table(target, entry.table, relation, {cascaded: true});
			const scan = scanOf({relation, partitioned});
			if (entry.action === 'cascade') {
				await journal.capture(
					target,
					{table: shape.id, kind: 'before-delete'},
					`SELECT ${columnList(
						shape.columns.map((column) => column.name),
						'r',
					)} FROM ${scan} AS r WHERE ${rows('r')}`,
				);
				continue;
			}
			const before = `pg_temp.${quoteIdent(`pgconvoy_reach_${pending.order}_${position}`)}`;
			await target.query(
				`CREATE TEMP TABLE ${before} ON COMMIT DROP AS SELECT ${columnList(
					shape.columns.map((column) => column.name),
					'r',
				)} FROM ${scan} AS r WHERE ${rows('r')}`,
			);
			await journal.capture(target, {table: shape.id, kind: 'before-update'}, `SELECT * FROM ${before}`);
			if (shape.key.length > 0) {
				const match = shape.key
					.map((name, index) => `t.${quoteIdent(name)} ${shape.keyEquality[index]} b.${quoteIdent(name)}`)
					.join(' AND ');
				journal.defer(
					{table: shape.id, kind: 'updated'},
					`SELECT ${columnList(shape.key, 't')}, ${journal.fingerprintSql(shape, 't')} FROM ${scan} AS t JOIN ${before} b ON ${match}`,
				);
			}
		}
	}
	return reach.filter((entry) => entry.action !== 'restrict');
}

/**
 * Deletes the rows missing from the source. With a journal: a few listed keys' rows are read first as
 * they were before the run (triggers of rows deleted before them may have changed them since);
 * otherwise the DELETE returns them itself (DELETE … RETURNING).
 */
async function deleteRows(
	pending: PendingDelete,
	target: pg.ClientBase,
	journaling: Journaling | undefined,
): Promise<number> {
	const shape = journaling
		? await journaling.recorder.table(target, pending.plan.id, tableName(pending.plan, 'target'))
		: undefined;
	const section = {table: pending.plan.id, kind: 'before-delete'} as const;
	const columns = shape ? columnList(shape.columns.map((column) => column.name)) : '';
	if (pending.stage) {
		const sql = deleteMissingFromStageSql(pending.plan, pending.stage);
		return journaling
			? journaling.recorder.capture(target, section, `${sql} RETURNING ${columns}`)
			: ((await target.query(sql)).rowCount ?? 0);
	}
	// Through the snapshot by key while that is a small share of the table; past it, DELETE … RETURNING.
	const byKey =
		journaling?.beforeRun && readByKey(pending.diff.deleteKeys.length, pending.diff.counts.targetRows)
			? journaling.beforeRun
			: undefined;
	let deleted = 0;
	for (const keys of pending.diff.deleteKeys.chunks(keysPerStatement)) {
		const rows = keyFilter(pending.plan, 'target', keys);
		const sql = `DELETE FROM ${tableOnly(pending.plan, 'target')} WHERE ${rows}`;
		if (journaling && !byKey) {
			deleted += await journaling.recorder.capture(target, section, `${sql} RETURNING ${columns}`);
			continue;
		}
		if (byKey)
			await journaling!.recorder.capture(
				byKey.client,
				section,
				`SELECT ${columns} FROM ${tableOnly(pending.plan, 'target')} WHERE ${rows}`,
			);
		deleted += (await target.query(sql)).rowCount ?? 0;
	}
	return deleted;
}

/** The journal of a run, and the session that reads rows as they were before it. */
interface Journaling {
	recorder: JournalRecorder;
	/** Undefined without triggers, or when no second session could be had: old rows are then read in the write transaction. */
	beforeRun: SnapshotReader | undefined;
	/** Triggers may change rows after the statement that wrote them: fingerprints are read at the end. */
	afterTriggers: boolean;
}

/**
 * Old rows are read by key through the snapshot from before the run while the keys are few, or a
 * small share of the table; past that, key lists cost far more than the write's own join (every row
 * of 1M changed: 25 s by 20 key lists against about 10 s for the sync without a journal).
 */
const readByKey = (keys: number, tableRows: number) => keys <= Math.max(indexJoinRatio * tableRows, keysPerStatement);

/**
 * Before the upsert's UPDATE: the rows it will change, into the journal. A key list (see readByKey)
 * is read through the snapshot from before the run; otherwise through the UPDATE's own join.
 */
async function journalOldRows(
	journaling: Journaling,
	target: pg.ClientBase,
	table: TablePlan,
	shape: TableShape,
	rows: KeyList | {stage: string; hashMethod: SyncPlan['hashMethod']; join: IndexJoin | undefined},
): Promise<void> {
	const section = {table: table.id, kind: 'before-update'} as const;
	const columns = columnList(
		shape.columns.map((column) => column.name),
		't',
	);
	if (rows instanceof KeyList) {
		for (const keys of rows.chunks(keysPerStatement))
			await journaling.recorder.capture(
				journaling.beforeRun?.client ?? target,
				section,
				`SELECT ${columns} FROM ${tableOnly(table, 'target')} AS t WHERE ${keyFilter(table, 'target', keys, 't.')}`,
			);
		return;
	}
	const changed = changedRowsCondition(table, rows.hashMethod);
	if (!changed) return;
	await withIndexJoins(target, rows.join, () =>
		journaling.recorder.capture(
			target,
			section,
			`SELECT ${columns} FROM ${tableOnly(table, 'target')} AS t JOIN ${rows.stage} s ON ${changed}`,
		),
	);
}

/**
 * The UPDATE after an INSERT from the same stage must leave the rows just inserted alone: a BEFORE
 * trigger may have changed them (`updated_at := now()`), and they would then look changed.
 */
function exceptNewRows(update: string | undefined, table: TablePlan, newKeys: string | undefined): string | undefined {
	if (!update || !newKeys) return update;
	return `${update} AND NOT EXISTS (SELECT 1 FROM ${newKeys} n WHERE ${keyMatch(table, 't', 'n')})`;
}

/** The keys the INSERT from the stage is about to add, for the UPDATE after it to leave alone. */
async function rememberNewKeys(target: pg.ClientBase, table: TablePlan, stage: string, index: number): Promise<string> {
	const keys = `pg_temp.${quoteIdent(`pgconvoy_new_${index}`)}`;
	await target.query(
		`CREATE TEMP TABLE ${keys} ON COMMIT DROP AS SELECT ${columnList(table.key, 's')} FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM ${tableOnly(table, 'target')} t WHERE ${keyMatch(table, 't', 's')})`,
	);
	return keys;
}

/**
 * The confirmed preview and the apply's own diff disagree on what this table's writes are: other
 * counts, or (where both have digests) other keys — the same "delete 5" of other rows is drift.
 */
function tableDrifted(expected: TableCounts, fresh: TableCounts, mode: SyncPlan['options']['mode']): boolean {
	const compared: Array<'insert' | 'update' | 'delete'> =
		mode === 'insert' ? ['insert'] : mode === 'upsert' ? ['insert', 'update'] : ['insert', 'update', 'delete'];
	return compared.some(
		(kind) =>
			expected[kind] !== fresh[kind] ||
			(expected.digests !== undefined && fresh.digests !== undefined && expected.digests[kind] !== fresh.digests[kind]),
	);
}

function driftDetected(expected: PreviewResult, fresh: TableCounts[], plan: SyncPlan): boolean {
	return fresh.some((counts) => {
		const before = expected.tables.find((table) => table.table === counts.table);
		return !before || tableDrifted(before, counts, plan.options.mode);
	});
}

function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		promise.then(
			() => (clearTimeout(timer), resolve()),
			() => (clearTimeout(timer), resolve()),
		);
	});
}
