import type pg from 'pg';
import type {SyncPlan, TablePlan} from '../plan/types.js';
import type {DeleteReach, PreviewResult, SyncEventListener, SyncResult, TableCounts, TableResult} from '../events.js';
import type {Catalog} from '../catalog/types.js';
import type {Endpoint} from '../connection/endpoint.js';
import {beginRead} from '../connection/transactions.js';
import {databaseIdentity} from '../connection/database-identity.js';
import {UserError} from '../errors.js';
import {mirrorGuardFindings} from '../forecast/mirror-guards.js';
import {sequencePrivilegeFindings} from '../forecast/sequence-privileges.js';
import {tableName} from '../sql/value-forms.js';
import {JournalRecorder, type JournalOptions} from '../journal/journal-recorder.js';
import {SnapshotReader} from '../journal/snapshot-reader.js';
import {journalUnsupported} from '../journal/table-shape.js';
import type {CommitBudgets} from '../write/settle-commit.js';
import {StopControl} from '../write/stop-control.js';
import {runWrite, type WriteRequest, type WriteTransaction} from '../write/write-transaction.js';
import {advanceSequences} from './advance-sequences.js';
import {DriftError, driftDetected, refuseOn} from './apply-checks.js';
import {checkDeleteReach, deleteRows, type PendingDelete} from './mirror-deletes.js';
import {writeTable} from './table-writer.js';
import {expectWritten} from './written-rows.js';

export {DriftError} from './apply-checks.js';

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

/**
 * Writes the plan into the target in one transaction, owned by runWrite: per table (parents first)
 * recompute the diff and execute its write plan (copy only the selected rows as COPY bytes, into the
 * table or a TEMP stage, then set-based statements); then deletes (children first), sequences,
 * COMMIT. Any error rolls everything back.
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
		const {diff, write, result} = await writeTable(
			table,
			index,
			{...context, maxListedKeys, transaction, journaling},
			context.expected?.tables.find((counts) => counts.table === table.id),
		);
		fresh.push(diff.counts);
		result.ms = Math.round(performance.now() - tableStarted);
		run.results.push(result);
		if (diff.counts.delete > 0 && plan.options.mode === 'mirror')
			pendingDeletes.push({order: index, plan: table, diff, write, result});
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
		pending.result.deleted = await deleteRows(pending, target, journaling, plan.hashMethod);
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

function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		promise.then(
			() => (clearTimeout(timer), resolve()),
			() => (clearTimeout(timer), resolve()),
		);
	});
}
