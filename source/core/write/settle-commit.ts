import type pg from 'pg';
import {askTarget, endBackend, transactionStatus, type TransactionRef} from './transaction-end.js';

/** How long COMMIT's reply is waited for, and how long its outcome is then looked for. */
export interface CommitBudgets {
	/** Waiting for COMMIT's own reply; past it, the server is asked on another connection. */
	replyWaitMs: number;
	/**
	 * Asking the server (txid_status on fresh connections) while the transaction is "in progress". Halfway,
	 * the backend that ran it is ended, which settles it either way; past the budget the outcome is unknown.
	 */
	settleMs: number;
}

/** A COMMIT answers in milliseconds (deferred checks run before it): 30 s of silence means a lost reply. */
export const defaultCommitBudgets: CommitBudgets = {replyWaitMs: 30_000, settleMs: 60_000};

export interface CommitInFlight extends TransactionRef {
	client: pg.ClientBase;
}

export type CommitOutcome =
	| {status: 'committed'; settled: boolean}
	/** `refusal`: the server's own error reply to COMMIT, which says why. */
	| {status: 'rolled-back'; refusal?: unknown}
	| {status: 'unknown'; cause?: unknown};

export interface CommitSignals {
	/** Ctrl-C: COMMIT cannot be taken back, so stop waiting for its reply and settle at once (ending the backend). */
	interrupt?: AbortSignal;
	/** A second Ctrl-C: stop settling; the outcome is then unknown. */
	stopWaiting?: AbortSignal;
}

/**
 * Sends COMMIT and finds out what became of it, in bounded time. A reply is the answer. Without one
 * (a dropped connection, or silence past `replyWaitMs`), the server is asked with txid_status on fresh
 * connections; while it says "in progress" (COMMIT not yet arrived or still running), it is asked again,
 * and halfway through `settleMs` the backend holding the transaction is ended: a transaction is committed
 * or not, atomically, so ending it turns "in progress" into a definite answer. Unknown only when the
 * server cannot be asked (or `stopWaiting`).
 */
export async function commitAndSettle(
	commit: CommitInFlight,
	budgets: CommitBudgets,
	signals: CommitSignals = {},
): Promise<CommitOutcome> {
	const reply = watchReply(commit.client.query('COMMIT'));
	const interrupted = () => Boolean(signals.interrupt?.aborted || signals.stopWaiting?.aborted);
	if (!interrupted()) await pause(budgets.replyWaitMs, [signals.interrupt, signals.stopWaiting], reply.done);
	const early = reply.outcome();
	if (early) return early;
	if (signals.stopWaiting?.aborted) return {status: 'unknown'};
	return settle(commit, budgets.settleMs, reply, signals);
}

async function settle(
	commit: CommitInFlight,
	settleMs: number,
	reply: WatchedReply,
	signals: CommitSignals,
): Promise<CommitOutcome> {
	const started = Date.now();
	const deadline = started + settleMs;
	let ended = false;
	let lastError: unknown;
	let wait = 25;
	for (;;) {
		// A late reply is still the server's own word.
		const answered = reply.outcome();
		if (answered) return answered;
		const remaining = deadline - Date.now();
		if (remaining <= 0 || signals.stopWaiting?.aborted) return {status: 'unknown', cause: lastError};
		const endNow = !ended && (signals.interrupt?.aborted || Date.now() - started >= settleMs / 2);
		try {
			const status = await askTarget(commit.endpoint, remaining, signals.stopWaiting, async (client) => {
				const found = await transactionStatus(client, commit.transactionId);
				if (found === 'in progress' && endNow) {
					await endBackend(client, commit);
					ended = true;
				}
				return found;
			});
			if (status === 'committed') return {status: 'committed', settled: true};
			if (status === 'aborted') return {status: 'rolled-back'};
			// null: too old to tell, which a transaction of a moment ago is not; say so rather than guess.
			if (status === null) return {status: 'unknown'};
		} catch (error) {
			lastError = error;
		}
		// Just ended: the backend exits within moments, so look again soon.
		wait = endNow && ended ? 50 : Math.min(wait * 2, 2000);
		await pause(
			Math.min(wait, Math.max(0, deadline - Date.now())),
			[signals.stopWaiting, signals.interrupt],
			reply.pending() ? reply.done : undefined,
		);
	}
}

interface WatchedReply {
	/** Settles when COMMIT's reply (or its failure) arrives; never rejects. */
	done: Promise<void>;
	pending(): boolean;
	/** What the reply says, if it has come and is definite: success, or the server's ERROR (a rollback). */
	outcome(): CommitOutcome | undefined;
}

function watchReply(query: Promise<unknown>): WatchedReply {
	let state: {ok: true} | {ok: false; error: unknown} | undefined;
	const done = query.then(
		() => void (state = {ok: true}),
		(error: unknown) => void (state = {ok: false, error}),
	);
	return {
		done,
		pending: () => state === undefined,
		outcome() {
			if (!state) return undefined;
			if (state.ok) return {status: 'committed', settled: false};
			// ERROR aborts the transaction (after the commit record, the server escalates to PANIC instead).
			// FATAL (the session ended) or a dropped connection says nothing about the outcome.
			if ((state.error as {severity?: string}).severity === 'ERROR')
				return {status: 'rolled-back', refusal: state.error};
			return undefined;
		},
	};
}

/** Waits `ms`, or less if one of the signals aborts now (an earlier abort is the caller's to check) or `wake` settles. */
function pause(ms: number, signals: (AbortSignal | undefined)[], wake: Promise<unknown> | undefined): Promise<void> {
	const active = signals.filter((signal): signal is AbortSignal => signal !== undefined && !signal.aborted);
	return new Promise((resolve) => {
		let finished = false;
		const finish = () => {
			if (finished) return;
			finished = true;
			clearTimeout(timer);
			for (const signal of active) signal.removeEventListener('abort', finish);
			resolve();
		};
		const timer = setTimeout(finish, ms);
		for (const signal of active) signal.addEventListener('abort', finish, {once: true});
		wake?.then(finish, finish);
	});
}
