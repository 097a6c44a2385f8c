import type pg from 'pg';
import type {Endpoint} from '../connection/endpoint.js';
import {openSession} from '../connection/connect.js';

/** A write transaction as seen from another session: where it runs, and which it is. */
export interface TransactionRef {
	/** The target, reached as the write reached it (a pooler is fine). */
	endpoint: Endpoint;
	/** txid_current() read inside the transaction: 64 bits with the epoch, as txid_status takes it. */
	transactionId: string;
	/** The server backend running it, read inside it (through a pooler the client's key names the pooler). */
	backendPid: number;
}

/** `committed`, `aborted`, `in progress`, or null when too old to tell (txid_status, PostgreSQL 10+). */
export async function transactionStatus(client: pg.ClientBase, transactionId: string): Promise<string | null> {
	return (
		await client.query<{status: string | null}>('SELECT pg_catalog.txid_status($1::bigint) AS status', [transactionId])
	).rows[0]!.status;
}

/**
 * Ends the backend still holding the transaction (pg_terminate_backend). Only if that pid still runs
 * this very transaction (backend_xid is txid_status's id without the epoch): a pid may since have
 * been reused. The same role may end its own backends. Source: PostgreSQL docs, "Server Signaling Functions".
 */
export async function endBackend(client: pg.ClientBase, transaction: TransactionRef): Promise<void> {
	await client.query(
		`SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
		  WHERE pid = $1 AND backend_xid::text = ($2::bigint % 4294967296)::text`,
		[transaction.backendPid, transaction.transactionId],
	);
}

/** One fresh session for `work`, given up (and closed) after `ms` or on `stop`, whatever it was doing. */
export async function askTarget<T>(
	endpoint: Endpoint,
	ms: number,
	stop: AbortSignal | undefined,
	work: (client: pg.Client) => Promise<T>,
): Promise<T> {
	const opening = openSession(endpoint, 'target');
	const attempt = opening.then(work);
	try {
		return await within(attempt, ms, stop);
	} finally {
		// A session that opens after the deadline is closed too; end() cuts one with a query still hanging.
		opening.then(
			(client) => client.end().catch(() => {}),
			() => {},
		);
	}
}

/** `promise`, or a rejection after `ms` or when `stop` aborts. */
export function within<T>(promise: Promise<T>, ms: number, stop?: AbortSignal): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => finish(() => reject(new Error(`no answer within ${ms} ms`))), ms);
		const onStop = () => finish(() => reject(new Error('stopped waiting')));
		stop?.addEventListener('abort', onStop, {once: true});
		if (stop?.aborted) onStop();
		function finish(settle: () => void) {
			clearTimeout(timer);
			stop?.removeEventListener('abort', onStop);
			settle();
		}
		promise.then(
			(value) => finish(() => resolve(value)),
			(error: unknown) => finish(() => reject(error)),
		);
	});
}

/** Whether the transaction was seen to end without committing, and if not, why not. */
export type EndConfirmation = {confirmed: true} | {confirmed: false; cause?: unknown};

/**
 * Makes sure a transaction that never sent COMMIT is over, so none of its locks outlives a report
 * of "rolled back": asks the target on fresh sessions (txid_status) until it says `aborted`; while it
 * says `in progress` (the backend is stuck, or its client's ROLLBACK never arrived), its backend is
 * ended (endBackend) and the target asked again. Gives up after `ms`: the caller then says so, with the pid.
 */
export async function confirmEnded(transaction: TransactionRef, ms: number): Promise<EndConfirmation> {
	const deadline = Date.now() + ms;
	let lastError: unknown;
	let wait = 25;
	for (;;) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) return {confirmed: false, cause: lastError};
		try {
			const status = await askTarget(transaction.endpoint, remaining, undefined, async (client) => {
				const found = await transactionStatus(client, transaction.transactionId);
				if (found === 'in progress') await endBackend(client, transaction);
				return found;
			});
			if (status === 'aborted') return {confirmed: true};
			// Never committed without COMMIT; null (too old to tell) cannot be a transaction of a moment ago.
			if (status !== 'in progress') return {confirmed: false};
		} catch (error) {
			lastError = error;
		}
		await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, deadline - Date.now()))));
		wait = Math.min(wait * 2, 500);
	}
}
