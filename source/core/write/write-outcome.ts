import {UserError} from '../errors.js';
import {serverError} from '../connection/server-errors.js';
import type {CommitOutcome} from './settle-commit.js';
import type {StopState} from './stop-control.js';
import type {TransactionRef} from './transaction-end.js';
import type {ServerErrorContext} from '../connection/server-errors.js';

/** What the messages call a write: `the sync was cancelled…`, `Run the undo again.` */
export type WriteLabel = 'sync' | 'undo';

/** How a write's outcome is worded (see WriteRequest). */
export interface OutcomeWording {
	label: WriteLabel;
	unknownHint?: string;
	errorContext?: () => Omit<ServerErrorContext, 'during' | 'blockers'>;
}

/** A write cancelled before COMMIT (exit 130): rolled back, or, when that is not confirmed, only cancelled. */
export function cancelledError(label: WriteLabel, cause: unknown, rolledBack = true): UserError {
	return new UserError(
		'interrupted',
		rolledBack
			? `Interrupted: the ${label} was cancelled and rolled back; the target is unchanged.`
			: `Interrupted: the ${label} was cancelled.`,
		undefined,
		{cause},
	);
}

/**
 * A failure whose transaction could not be seen to end (the target unreachable from a fresh session
 * too): nothing was committed, but its backend may still hold locks. The report then says so instead
 * of "rolled back", and names the backend to end.
 */
export function unconfirmedEnd(failure: UserError, transaction: TransactionRef): UserError {
	const pid = transaction.backendPid;
	const known = failure.message
		.split(/(?<=\.)\s+/)
		.filter((sentence) => !/rolled back/.test(sentence))
		.join(' ');
	return new UserError(
		failure.code,
		`${known || 'The write failed.'} Nothing was committed, so the target is unchanged, but its session there (backend pid ${pid}) could not be confirmed gone and may still hold locks.`,
		`On the target, end it: SELECT pg_catalog.pg_terminate_backend(${pid});${failure.hint ? ` ${failure.hint}` : ''}`,
		{cause: failure},
	);
}

/**
 * What to tell when COMMIT did not commit: the server's refusal, a rollback the target confirms, or
 * an outcome nobody can know yet. A stop during COMMIT that the target then rolled back is an
 * interruption (exit 130) for every write, as a stop before COMMIT is.
 */
export function commitFailure(
	outcome: Exclude<CommitOutcome, {status: 'committed'}>,
	transactionId: string,
	request: OutcomeWording,
	stop: StopState,
): UserError {
	if (outcome.status === 'unknown') {
		const what = stop.stoppedWaiting
			? "Stopped waiting for COMMIT's outcome"
			: stop.cancelled
				? 'Interrupted during COMMIT, and the target could not be asked'
				: 'COMMIT was sent but its reply was lost, and the target could not be asked';
		return new UserError(
			'outcome-unknown',
			`${what}: whether transaction ${transactionId} committed is unknown, so the data may or may not be written.`,
			`Check on the target: SELECT txid_status(${transactionId}); 'committed' means the ${request.label} is done, 'aborted' that nothing was written.${request.unknownHint ? ` ${request.unknownHint}` : ''}`,
			{cause: outcome.cause},
		);
	}
	if (outcome.refusal)
		return serverError(outcome.refusal, {
			...request.errorContext?.(),
			during: request.label === 'undo' ? 'undo' : 'apply',
		});
	if (stop.cancelled)
		return new UserError(
			'interrupted',
			'Interrupted during COMMIT: the target confirms the transaction was rolled back, so it is unchanged.',
		);
	return new UserError(
		'apply-failed',
		"COMMIT's reply was lost, and the target confirms the transaction was rolled back: nothing was written.",
		`Run the ${request.label} again.`,
	);
}
