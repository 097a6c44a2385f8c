import {UserError} from '../errors.js';

interface PgError {
	code?: string;
	message: string;
	detail?: string;
	constraint?: string;
	table?: string;
	schema?: string;
	column?: string;
}

export interface BlockingSession {
	pid: number;
	user: string;
	application: string;
	state: string;
	query: string;
}

const rolledBack = 'Nothing was written: the transaction was rolled back and the target is as it was.';

/** What went wrong while writing `table`, with the table, constraint and key named, and what to do. */
export function applyError(error: unknown, table: string | undefined, blockers: BlockingSession[] = []): UserError {
	if (error instanceof UserError) return error;
	const failure = error as PgError;
	const where = table ? ` while writing ${table}` : '';
	const detail = failure.detail ? ` ${failure.detail}` : '';
	const constraint = failure.constraint ? ` (constraint ${failure.constraint})` : '';
	switch (failure.code) {
		case '23503':
			return new UserError('apply-failed', `Foreign key violation${where}${constraint}:${detail || ' ' + failure.message} ${rolledBack}`, 'Add the parent table to the selection (its rows then go first), or fix the rows in the source.', {cause: error});
		case '23505':
			return new UserError('apply-failed', `Unique violation${where}${constraint}:${detail || ' ' + failure.message} ${rolledBack}`, 'A target row has the same value under another key; make the key columns (--key) match the unique index, or fix the conflicting rows.', {cause: error});
		case '23502':
			return new UserError('apply-failed', `NOT NULL violation${where}: ${failure.message}. ${rolledBack}`, 'The target requires a value the source does not have; fill it in the source or give the column a default.', {cause: error});
		case '23514':
			return new UserError('apply-failed', `Check constraint violation${where}${constraint}. ${rolledBack}`, 'The source holds values the target does not accept; compare the CHECK constraints on both databases.', {cause: error});
		case '22P02':
		case '22007':
		case '22008':
		case '22003':
		case '22001':
			return new UserError('apply-failed', `A source value does not fit the target column${where}: ${failure.message}. ${rolledBack}`, 'The column types differ between the databases: run your migrations on both.', {cause: error});
		case '55P03':
			return new UserError(
				'lock-timeout',
				`Timed out waiting for a lock${where}: ${blockers.length ? `held by ${blockers.map((session) => `pid ${session.pid} (${session.user}, ${session.application || 'no application name'}, ${session.state}: ${session.query.slice(0, 60)})`).join('; ')}` : 'another session holds it'}. ${rolledBack}`,
				'Wait for that session to finish (or end it: SELECT pg_terminate_backend(pid)), or raise --lock-timeout.',
				{cause: error},
			);
		case '57014':
			return new UserError('apply-failed', `A statement was cancelled${where} (statement_timeout): ${failure.message}. ${rolledBack}`, 'Raise --statement-timeout, or sync fewer tables at once.', {cause: error});
		case '40001':
		case '40P01':
			return new UserError('apply-failed', `A concurrent transaction conflicted${where}: ${failure.message}. ${rolledBack}`, 'Run the sync again.', {cause: error});
		case '42501':
			return new UserError('apply-failed', `Permission denied${where}: ${failure.message}. ${rolledBack}`, 'The target role needs SELECT, INSERT, UPDATE (and DELETE for mirror) on the synced tables and USAGE on their sequences.', {cause: error});
		case '57P01':
		case '57P02':
		case '57P03':
			return new UserError('apply-failed', `The target server ended the session${where}: ${failure.message}. The server rolls back an unfinished transaction, so nothing was written.`, 'Check the target server (restarted? connection killed?) and run the sync again.', {cause: error});
	}
	if (/Connection terminated|not queryable|ECONNRESET|EPIPE|connection.*(closed|lost)/i.test(failure.message ?? '')) {
		return new UserError('apply-failed', `The connection was lost${where}: ${failure.message}. The server rolls back an unfinished transaction, so nothing was written.`, 'Check the network and the server, then run the sync again.', {cause: error});
	}
	return new UserError('apply-failed', `The sync failed${where}: ${failure.message ?? String(error)}${detail}. ${rolledBack}`, 'Read the message above; rerun with --dry-run to see the plan.', {cause: error});
}
