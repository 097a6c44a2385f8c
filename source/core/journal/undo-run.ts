import type {Endpoint} from '../connection/endpoint.js';
import {openSession, closeSession} from '../connection/connect.js';
import {databaseIdentity} from '../connection/database-identity.js';
import {UserError} from '../errors.js';
import type {CommitBudgets} from '../write/settle-commit.js';
import {StopControl} from '../write/stop-control.js';
import {runWrite, type WriteRequest, type WriteTransaction} from '../write/write-transaction.js';
import type {JournalEntry} from './journal-format.js';
import {WrittenKeys} from './written-keys.js';
import {JournalRecorder, type JournalOptions} from './journal-recorder.js';
import {
	checkJournalFile,
	checkPrivileges,
	checkShapes,
	describe,
	parentsFirst,
	refuseIfUndone,
	type UndoTable,
} from './undo-checks.js';
import {conflictError, findConflicts, loadJournal} from './undo-load.js';
import {reassert, reinsertDeleted, removeInserted, restoreUpdated} from './undo-statements.js';
import type {UndoPreview} from './undo-load.js';

export type {UndoConflict} from './undo-conflict.js';

export type {UndoPreview, UndoTableCounts} from './undo-load.js';

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
	/** The stop policy of this write (see StopControl); else one that follows `signal` and `stopWaiting`. */
	stop?: StopControl;
	/** Aborted to cancel now (as StopControl.cancelNow). */
	signal?: AbortSignal;
	/** Aborted to stop waiting for COMMIT's outcome: it is then reported unknown. */
	stopWaiting?: AbortSignal;
	commitBudgets?: Partial<CommitBudgets>;
	/** How long a cancel or a ROLLBACK may take before the backend is ended (see runWrite); tests shorten them. */
	writeOptions?: Pick<WriteRequest, 'cancelWaitMs' | 'rollbackWaitMs' | 'endWaitMs'>;
	onPhase?: (phase: 'checking' | 'writing' | 'committing') => void;
}

/**
 * Takes back one committed run from its journal, in one transaction on the target (see runWrite):
 * rows it inserted are deleted (children first), rows it updated get their old values back and rows
 * it deleted are inserted again (parents first). Sequences are left alone. Triggers fire as on any
 * write. Refuses (UserError 'blocked', exit 4) when a row changed since the run, unless `force`;
 * refuses ('config') a database that is not the one the run wrote to (system identifier and
 * database). A dry run loads and checks everything in the transaction, then rolls back.
 */
export async function undoRun(options: UndoOptions): Promise<UndoResult> {
	const started = performance.now();
	const run = options.entry.run;
	if (options.entry.state !== 'committed') {
		throw new UserError(
			'config',
			`Run ${run.id} is still pending: whether its transaction committed is not settled yet.`,
			'Run pgconvoy history against its target: it asks the target and settles it.',
			{flagHint: `pgconvoy history --to <its target> asks the target and settles it.`},
		);
	}
	// Read through once before connecting: a damaged file must fail here, not halfway through a COPY
	// into the target while its tables are locked.
	await checkJournalFile(options.entry);
	const target = await openSession(options.target, 'target');
	try {
		const outcome = await runWrite(
			{
				label: 'undo',
				target,
				endpoint: options.target,
				timeouts: {lockTimeoutMs: options.lockTimeoutMs ?? 5000, statementTimeoutMs: options.statementTimeoutMs ?? 0},
				// A dry run loads and checks in the transaction, like the real undo, and keeps nothing.
				rehearse: options.dryRun,
				stop: options.stop ?? StopControl.following(options.signal, options.stopWaiting),
				commitBudgets: options.commitBudgets,
				errorContext: () => ({roles: {target: options.target.user}}),
				unknownHint: `pgconvoy history then shows whether run ${run.id} is undone.`,
				onCommitting: () => options.onPhase?.('committing'),
				...options.writeOptions,
			},
			(transaction) => undoStatements(transaction, options),
		);
		return {
			...outcome.value,
			committed: outcome.committed,
			...(outcome.journal ? {journal: outcome.journal} : {}),
			ms: Math.round(performance.now() - started),
		};
	} finally {
		await closeSession(target);
	}
}

/** Everything the undo does in its transaction, up to COMMIT (which runWrite sends); returns what it found. */
async function undoStatements(transaction: WriteTransaction, options: UndoOptions): Promise<UndoPreview> {
	const target = transaction.client;
	const run = options.entry.run;
	const identity = await databaseIdentity(target);
	if (identity !== run.targetIdentity) {
		throw new UserError(
			'config',
			`Run ${run.id} wrote to ${run.target}, not to this database (${describe(options.target)}): its journal cannot be undone here.`,
			`Undo it against the database it wrote to${run.targetProfile ? ` (profile ${run.targetProfile})` : ''}.`,
		);
	}
	// One undo of a run at a time, and a second one finds the first's outcome settled (see refuseIfUndone).
	await target.query(`SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended($1, 0))`, [
		`pgconvoy undo ${run.targetIdentity} ${run.id}`,
	]);
	if (options.journal) await refuseIfUndone(options.journal.configDirectory, target, identity, run);
	const tables = await checkShapes(target, run.tables);
	await checkPrivileges(target, tables, options.force);
	const ordered = await parentsFirst(target, tables);
	await transaction.lock(
		ordered.map((table) => ({name: table.relation, only: !table.partitioned})),
		'SHARE ROW EXCLUSIVE',
	);
	await target.query('SET CONSTRAINTS ALL DEFERRED');
	options.onPhase?.('checking');
	const staged = await loadJournal(target, options.entry, tables);
	const preview = await findConflicts(target, run, ordered, staged);
	// A dry run shows the conflicts with the counts; a real undo refuses on them.
	if (options.dryRun) return preview;
	if (preview.tables.some((table) => table.conflicts > 0) && !options.force) throw conflictError(preview);

	options.onPhase?.('writing');
	const recorder = options.journal
		? JournalRecorder.open(options.journal, {
				kind: 'undo',
				mode: 'undo',
				undoes: run.id,
				targetIdentity: identity,
				transactionId: transaction.transactionId,
			})
		: undefined;
	if (recorder) transaction.keepJournal(recorder);
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
		transaction.checkpoint();
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
	return preview;
}
