import type pg from 'pg';
import type {Endpoint} from '../connection/endpoint.js';
import {cancelBackend} from '../connection/cancel.js';
import {beginWrite, type Timeouts} from '../connection/transactions.js';
import {findBlockers} from '../connection/lock-blockers.js';
import {serverError, type ServerErrorContext} from '../connection/server-errors.js';
import {UserError} from '../errors.js';
import {commitAndSettle, defaultCommitBudgets, type CommitBudgets} from './settle-commit.js';
import {commitFailure, cancelledError, unconfirmedEnd, type WriteLabel} from './write-outcome.js';

export type {WriteLabel} from './write-outcome.js';
import {StopControl} from './stop-control.js';
import {confirmEnded, within, type EndConfirmation, type TransactionRef} from './transaction-end.js';

/** A table to lock, by its quoted, schema-qualified name; `only`: not its INHERITS children. */
export interface LockedRelation {
	name: string;
	only: boolean;
}

export type LockMode = 'SHARE ROW EXCLUSIVE' | 'ROW EXCLUSIVE';

/** The journal a write keeps (see JournalRecorder), handed to the owner for its end. */
export interface JournalHandoff {
	readonly id: string;
	/** After the last write: what the rows hold now, read in the transaction. */
	finish(client: pg.ClientBase): Promise<void>;
	/** Complete on disk and marked pending, before COMMIT. */
	seal(): Promise<string>;
	/** COMMIT is confirmed: the journal becomes undoable; returns its file. */
	committed(): string;
	/** Nothing was committed: the journal goes. */
	discard(): void;
}

export interface WriteRequest {
	label: WriteLabel;
	/** An open session on the target; the caller closes it afterwards. */
	target: pg.Client;
	endpoint: Endpoint;
	timeouts: Timeouts;
	/** Run every statement for real, then roll back: nothing stays, nothing is committed. */
	rehearse?: boolean;
	/** The stop policy (see StopControl); a control of its own when absent. */
	stop?: StopControl;
	commitBudgets?: Partial<CommitBudgets>;
	/** Relations a lock timeout names the holders of, besides those locked through lock(). */
	relations?: readonly string[];
	/** What a server's refusal during the writes concerns (the table, the mode, the roles), read when it happens. */
	errorContext?: () => Omit<ServerErrorContext, 'during' | 'blockers'>;
	/** When COMMIT's outcome stays unknown: what to look at after txid_status (`A second run then…`). */
	unknownHint?: string;
	/** COMMIT is about to be sent. */
	onCommitting?: () => void;
	/** How long a cancelled statement may take to stop before its backend is ended instead (default 5 s). */
	cancelWaitMs?: number;
	/** How long ROLLBACK, and then confirming the transaction ended, may take (default 2 s, then 10 s). */
	rollbackWaitMs?: number;
	endWaitMs?: number;
}

/** What the caller's statements run in. */
export interface WriteTransaction {
	readonly client: pg.Client;
	readonly transactionId: string;
	readonly backendPid: number;
	/** Aborted when the write is cancelled: for loops and streams. */
	readonly signal: AbortSignal;
	/** Throws when the write is cancelled: call between statements. */
	checkpoint(): void;
	/** LOCK TABLE with this request's lock_timeout; a timeout names the sessions in the way. */
	lock(relations: readonly LockedRelation[], mode: LockMode): Promise<void>;
	/** The journal of this write: discarded unless COMMIT is confirmed, sealed before it. */
	keepJournal(journal: JournalHandoff): void;
	/** Another session this write reads through (the sync's source): cancelled with it. */
	alsoCancel(endpoint: Endpoint, backendPid: number): void;
}

export interface WriteOutcome<T> {
	/** False for a rehearsal, which rolled back by design. */
	committed: boolean;
	value: T;
	journal?: {id: string; file: string};
}

/**
 * The one owner of a write transaction on a target, from BEGIN to a settled outcome; sync, undo,
 * rehearsal and retry supply only their statements (`work`). It owns:
 * - BEGIN with the session settings (encoding, statement and lock timeouts: see beginWrite), the
 *   backend pid and transaction id, and LOCK TABLE (a lock timeout names who holds the locks);
 * - the stop policy (StopControl): a cancel cancels the running statement over a fresh connection,
 *   and ends the backend (pg_terminate_backend) when the statement has not stopped after
 *   `cancelWaitMs`; a pending stop holds COMMIT until it is answered;
 * - every failure before COMMIT: ROLLBACK, and if that is not confirmed within `rollbackWaitMs`,
 *   the transaction is made sure to be over (confirmEnded) before anything says "rolled back", or the
 *   error says that it could not be, with the pid to end;
 * - the journal's hand-off (finish and seal before COMMIT; committed or discarded after it);
 * - COMMIT with a bounded wait and its txid_status settlement (commitAndSettle), and the outcome as
 *   a UserError with its exit code: 5 rolled back, 6 unknown, 130 interrupted.
 * Resolves with the work's value once committed (or rolled back, for a rehearsal).
 */
export async function runWrite<T>(
	request: WriteRequest,
	work: (transaction: WriteTransaction) => Promise<T>,
): Promise<WriteOutcome<T>> {
	const {target, label} = request;
	const stop = request.stop ?? new StopControl();
	const locked = new Set(request.relations ?? []);
	const companions: Array<{endpoint: Endpoint; pid: number}> = [];
	let reference: TransactionRef | undefined;
	let journal: JournalHandoff | undefined;
	let committing = false;
	// Set when a cancel had to end the backend: the work may never return, and need not be waited for.
	let forcedEnd: Promise<EndConfirmation> | undefined;
	let cancelTimer: ReturnType<typeof setTimeout> | undefined;
	let giveUpOnWork: () => void = () => {};
	const workAbandoned = new Promise<never>((_, reject) => {
		giveUpOnWork = () => reject(new Error('The cancelled statement did not stop; its backend was ended.'));
	});
	workAbandoned.catch(() => {});

	// Cancel requests in flight: each is a session of its own on the server, awaited before any report.
	const cancels: Promise<void>[] = [];
	const onCancel = () => {
		// Once COMMIT is sent, cancelling cannot take it back: commitAndSettle finds out what happened instead.
		if (committing) return;
		// Waiting for an answer, no statement runs: the rollback that follows is enough.
		if (stop.current.phase !== 'awaiting-answer') {
			if (reference) cancels.push(cancelBackend(request.endpoint, reference.backendPid));
			for (const companion of companions) cancels.push(cancelBackend(companion.endpoint, companion.pid));
		}
		cancelTimer = setTimeout(() => {
			if (!reference || committing) return;
			forcedEnd = confirmEnded(reference, request.endWaitMs ?? 10_000);
			void forcedEnd.then(giveUpOnWork);
		}, request.cancelWaitMs ?? 5000);
	};
	stop.cancelSignal.addEventListener('abort', onCancel, {once: true});
	const checkpoint = () => {
		if (stop.current.cancelled) throw new Error('Cancelled.');
	};

	try {
		checkpoint();
		const backendPid = await beginWrite(target, request.timeouts);
		const transactionId = (await target.query<{xid: string}>('SELECT pg_catalog.txid_current()::text AS xid')).rows[0]!
			.xid;
		reference = {endpoint: request.endpoint, transactionId, backendPid};
		const transaction: WriteTransaction = {
			client: target,
			transactionId,
			backendPid,
			signal: stop.cancelSignal,
			checkpoint,
			async lock(relations, mode) {
				if (relations.length === 0) return;
				for (const relation of relations) locked.add(relation.name);
				const names = relations.map((relation) => `${relation.only ? 'ONLY ' : ''}${relation.name}`);
				await target.query(`LOCK TABLE ${names.join(', ')} IN ${mode} MODE`);
			},
			keepJournal: (kept) => void (journal = kept),
			alsoCancel: (endpoint, pid) => void companions.push({endpoint, pid}),
		};
		const value = await Promise.race([work(transaction), workAbandoned]);
		checkpoint();
		if (request.rehearse) {
			const ended = await rollBack(target, reference, request);
			if (!ended.confirmed)
				throw unconfirmedEnd(
					new UserError('apply-failed', 'The rehearsal ran, but its ROLLBACK got no reply.'),
					reference,
				);
			return {committed: false, value};
		}
		// Nothing commits while a stop is asked about.
		if ((await stop.clearance()) === 'stop') throw new Error('Cancelled.');
		if (journal) {
			await journal.finish(target);
			await journal.seal();
		}
		checkpoint();
		committing = true;
		stop.enter('committing');
		request.onCommitting?.();
		const outcome = await commitAndSettle(
			{client: target, ...reference},
			{...defaultCommitBudgets, ...request.commitBudgets},
			{interrupt: stop.cancelSignal, stopWaiting: stop.stopWaitingSignal},
		);
		// Unknown: the journal stays pending, and the next run against this target settles it from the xid.
		if (outcome.status === 'rolled-back') journal?.discard();
		if (outcome.status !== 'committed') throw commitFailure(outcome, transactionId, request, stop.current);
		return {committed: true, value, ...(journal ? {journal: {id: journal.id, file: journal.committed()}} : {})};
	} catch (error) {
		if (committing) throw error;
		journal?.discard();
		const ended = forcedEnd ? await forcedEnd : await rollBack(target, reference, request);
		await within(Promise.all(cancels), request.endWaitMs ?? 10_000).catch(() => {});
		const failure = stop.current.cancelled
			? cancelledError(label, error, ended.confirmed)
			: await describeFailure(error, request, locked, ended.confirmed);
		throw ended.confirmed || !reference ? failure : unconfirmedEnd(failure, reference);
	} finally {
		clearTimeout(cancelTimer);
		stop.cancelSignal.removeEventListener('abort', onCancel);
		stop.enter('finished');
	}
}

/**
 * ROLLBACK, confirmed by its reply; without one in time (a session stuck mid-COPY, a silent
 * network), the transaction is made sure to be over from a fresh session (confirmEnded).
 */
async function rollBack(
	target: pg.ClientBase,
	reference: TransactionRef | undefined,
	request: Pick<WriteRequest, 'rollbackWaitMs' | 'endWaitMs'>,
): Promise<EndConfirmation> {
	try {
		await within(target.query('ROLLBACK'), request.rollbackWaitMs ?? 2000);
		return {confirmed: true};
	} catch (error) {
		// Before BEGIN took (no transaction id yet) there is nothing to end.
		if (!reference) return {confirmed: true};
		const ended = await confirmEnded(reference, request.endWaitMs ?? 10_000);
		return ended.confirmed ? ended : {confirmed: false, cause: ended.cause ?? error};
	}
}

/** A failure of the writes, as the server's word where it is one; a lock timeout names who is in the way. */
async function describeFailure(
	error: unknown,
	request: WriteRequest,
	locked: Set<string>,
	sessionUsable: boolean,
): Promise<UserError> {
	const lockTimeout = (error as {code?: string}).code === '55P03';
	const blockers =
		lockTimeout && sessionUsable ? await within(findBlockers(request.target, [...locked]), 5000).catch(() => []) : [];
	return serverError(error, {
		...request.errorContext?.(),
		during: request.label === 'undo' ? 'undo' : 'apply',
		blockers,
	});
}
