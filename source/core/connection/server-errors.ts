import {UserError, type ErrorCode} from '../errors.js';
import {errorSide, type SessionRole} from './connect.js';
import {displayIdent} from '../catalog/names.js';

/** What node-postgres hands over from an ErrorResponse (field names as in pg-protocol). */
interface ServerError {
	code?: string;
	message: string;
	detail?: string;
	hint?: string;
	/** CONTEXT: where it happened, e.g. `PL/pgSQL function log_change() line 3 at SQL statement`. */
	where?: string;
	constraint?: string;
	table?: string;
	schema?: string;
}

export interface BlockingSession {
	pid: number;
	user: string;
	application: string;
	state: string;
	query: string;
}

export interface ServerErrorContext {
	/** The step that failed: an apply or an undo is rolled back, a preview wrote nothing anyway. */
	during: 'preview' | 'apply' | 'undo';
	/** The table being read or written. */
	table?: string;
	/** The sync mode, to name the grants a target role needs. */
	mode?: 'insert' | 'upsert' | 'mirror';
	/** For a lock timeout: who holds the lock. */
	blockers?: BlockingSession[];
	/** The roles connected on each side, for the GRANT to run. */
	roles?: {source?: string; target?: string};
}

const rolledBack = 'Nothing was written: the transaction was rolled back and the target is as it was.';
const previewOnly = 'Nothing was written.';

/** A SQLSTATE from the server (five characters), as opposed to a Node or pgconvoy error. */
export function isServerError(error: unknown): error is ServerError {
	return typeof (error as ServerError)?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as ServerError).code!);
}

/**
 * Turns what PostgreSQL said into what happened, on which side, where (table, constraint, the
 * function named in CONTEXT) and what to do, with the server's DETAIL and HINT passed through.
 * Hints follow the SQLSTATE (PostgreSQL's errcodes.txt): a server error is never called a bug.
 */
export function serverError(error: unknown, context: ServerErrorContext): UserError {
	if (error instanceof UserError) return error;
	const failure = error as ServerError;
	const side: SessionRole = errorSide(error) ?? 'target';
	const tail = context.during !== 'preview' ? rolledBack : previewOnly;
	const code: ErrorCode = context.during !== 'preview' ? 'apply-failed' : 'server-refused';
	const where = context.table
		? ` ${context.during !== 'preview' && side === 'target' ? 'while writing' : 'while reading'} ${context.table}`
		: '';
	const functions = functionsInContext(failure.where);
	const inFunction = functions.length > 0 ? ` (in ${functions.join(' ← ')} on the ${side})` : '';
	// A unique violation's DETAIL quotes the values (often e-mail addresses): the constraint says enough.
	const detail = failure.detail && failure.code !== '23505' ? ` ${failure.detail.replace(/\.?$/, '.')}` : '';
	const said = ` ${failure.message.replace(/\.?$/, '.')}${detail}`;
	const serverHint = failure.hint ? ` The server's hint: ${failure.hint}` : '';
	const constraint = failure.constraint ? ` (constraint ${failure.constraint})` : '';
	const make = (what: string, hint: string, errorCode: ErrorCode = code, flagHint?: string) =>
		new UserError(errorCode, `${what}${where}${constraint}${inFunction}:${said} ${tail}`, `${hint}${serverHint}`, {
			cause: error,
			...(flagHint ? {flagHint: `${flagHint}${serverHint}`} : {}),
		});
	const migrations = 'Run your migrations on both databases so their schemas match.';

	switch (failure.code) {
		case '23503':
			if (context.during === 'undo')
				return make(
					'Foreign key violation',
					'A row the undo puts back references a row deleted since the run, or a row it deletes is referenced by one added since: fix those rows on the target, then undo again.',
				);
			return make(
				'Foreign key violation',
				'Add the parent table to the selection (its rows then go first), or fix the rows in the source.',
			);
		case '23505':
			if (context.during === 'undo')
				return make(
					'Unique violation',
					'A row the undo puts back collides with a row added on the target since the run (the same values under another key): change or remove that row, then undo again.',
				);
			return make(
				'Unique violation',
				'Another target row already has these values under a different key (two environments created different rows for the same natural key): fix or remove one of them.',
			);
		case '23502':
			return make(
				`NOT NULL violation on column ${failure.message.match(/column "([^"]+)"/)?.[1] ?? '?'}`,
				'The target requires a value the source does not have: fill it in the source, or give the column a default on the target.',
			);
		case '23514':
		case '23P01':
			return make(
				`${failure.code === '23514' ? 'Check' : 'Exclusion'} constraint violation`,
				'The source holds values the target does not accept: compare the constraints on both databases, or fix those rows in the source.',
			);
	}
	if (failure.code === '22P02' && /enum/.test(failure.message)) {
		return make(
			"A source value is not a label of the target's enum",
			`The target's enum type lacks a label the source uses. ${migrations}`,
		);
	}
	if (failure.code?.startsWith('22')) {
		return make(
			`A source value does not fit the target column`,
			`The column types differ between the databases. ${migrations}`,
		);
	}
	if (failure.code === '42501') return make(`Permission denied on the ${side}`, privilegeHint(failure, side, context));
	if (failure.code === '42P01' || failure.code === '42703' || failure.code === '42883' || failure.code === '42704') {
		return make(
			`An object is missing on the ${side}`,
			functions.length > 0
				? `A function on the ${side} names an object its role's search_path does not reach: qualify the name in the function, or fix the role's search_path. ${migrations}`
				: migrations,
		);
	}
	switch (failure.code) {
		case '25006':
			return make(
				`The ${side} is read-only`,
				`It is a standby or default_transaction_read_only is on: connect to the primary, or ask for a role that may write.`,
			);
		case '53200':
			return make(
				'The server ran out of memory or lock slots',
				/shared memory|max_locks_per_transaction/.test(failure.message + (failure.hint ?? ''))
					? 'Each table (and each partition and index) takes a lock: raise max_locks_per_transaction on the server (needs a restart), or sync fewer tables at a time.'
					: 'Sync fewer tables at a time, or give the server more memory.',
			);
		case '53100':
			return make(`The ${side} server's disk is full`, 'Free disk space on that server, then run the sync again.');
		case '53300':
			return make(`The ${side} server has no free connection slots`, 'Close other sessions or raise max_connections.');
		case '55P03':
			return make(
				`Timed out waiting for a lock: ${context.blockers?.length ? `held by ${context.blockers.map((session) => `pid ${session.pid} (${session.user}, ${session.application || 'no application name'}, ${session.state}: ${session.query.replace(/\s+/g, ' ').trim().slice(0, 60)})`).join('; ')}` : 'another session holds it'}`,
				`Wait for that session to finish (or end it: SELECT pg_terminate_backend(${context.blockers?.[0]?.pid ?? 'pid'})), or allow a longer lock timeout.`,
				context.during !== 'preview' ? 'lock-timeout' : code,
				`Wait for that session to finish (or end it: SELECT pg_terminate_backend(${context.blockers?.[0]?.pid ?? 'pid'})), or raise --lock-timeout.`,
			);
		case '57014':
			return make(
				'A statement was cancelled (statement_timeout)',
				'Allow a longer statement timeout, or sync fewer tables at once.',
				code,
				'Raise --statement-timeout (0 = no limit), or sync fewer tables at once.',
			);
		case '25P03':
		case '25P04':
			return make(
				`The ${side} server ended the transaction (${failure.code === '25P03' ? 'idle_in_transaction_session_timeout' : 'transaction_timeout'})`,
				'A setting on the server or the role ends long transactions: ask for it to be lifted for this role.',
			);
		case '40001':
		case '40P01':
			return make('A concurrent transaction conflicted', 'Run the sync again.');
		case '57P01':
		case '57P02':
		case '57P03':
			return make(
				`The ${side} server ended the session`,
				'Check that server (restarted? connection killed?) and run the sync again.',
			);
		case 'P0001':
			return make(
				`A function on the ${side} raised an error`,
				functions.length > 0
					? `It comes from ${functions[0]}: fix the rows it refuses, or that function.`
					: 'Fix the rows it refuses, or the function that raised it.',
			);
	}
	if (/Connection terminated|not queryable|ECONNRESET|EPIPE|connection.*(closed|lost)/i.test(failure.message ?? '')) {
		return new UserError(
			code,
			`The connection to the ${side} was lost${where}: ${failure.message}. ${context.during !== 'preview' ? 'The server rolls back an unfinished transaction, so nothing was written.' : previewOnly}`,
			'Check the network and the server, then run the sync again.',
			{cause: error},
		);
	}
	return make(
		`The ${side} server refused${failure.code ? ` (SQLSTATE ${failure.code})` : ''}`,
		`See PostgreSQL's message above${functions.length > 0 ? ` and ${functions[0]}` : ''}; fix what it names on the ${side}, then run the sync again.`,
	);
}

/** Function names in a CONTEXT, innermost first: `log_change()` from `PL/pgSQL function log_change() line 3 …`. */
function functionsInContext(context: string | undefined): string[] {
	if (!context) return [];
	return [...context.matchAll(/function ((?:"[^"]+"|[^\s(])+\([^)]*\))/g)].map((match) => match[1]!);
}

/** The grant that would have let this through, named for the side and the mode. */
function privilegeHint(failure: ServerError, side: SessionRole, {mode, roles, table}: ServerErrorContext): string {
	const role = roles?.[side] ? displayIdent(roles[side]!) : `<${side} role>`;
	const object = failure.message.match(/for (table|sequence|schema|relation|function) (\S+)/);
	if (/row-level security/.test(failure.message)) {
		return side === 'source'
			? 'Row-level security hides rows of this table from the source role, and pgconvoy refuses to read a partial table (hidden rows would look deleted). Sync as the table owner or a role with BYPASSRLS on the source.'
			: 'Row-level security refuses these rows for the target role: sync as the table owner or a role with BYPASSRLS, or adjust the policies.';
	}
	if (/temporary tables/.test(failure.message))
		return 'pgconvoy stages rows in TEMP tables: on the target, GRANT TEMP ON DATABASE <database> TO <role>.';
	if (!object)
		return side === 'source'
			? `The source role ${role} needs SELECT on the synced tables.`
			: 'See the README, "Privileges", for what the target role needs per mode.';
	const [, kind, bare] = object;
	// The server names a table without its schema; the table being read or written is the qualified one.
	const quoted = displayIdent(bare);
	const name = (kind === 'table' || kind === 'relation') && table && table.endsWith(`.${quoted}`) ? table : quoted;
	if (kind === 'schema') return `On the ${side}: GRANT USAGE ON SCHEMA ${name} TO ${role};`;
	if (kind === 'function') return `On the ${side}: GRANT EXECUTE ON FUNCTION ${name} TO ${role};`;
	if (side === 'source')
		return `On the source: GRANT SELECT ON ${kind === 'sequence' ? 'SEQUENCE ' : ''}${name} TO ${role}; (and USAGE on its schema).`;
	if (kind === 'sequence') return `On the target: GRANT USAGE, UPDATE ON SEQUENCE ${name} TO ${role};`;
	const grants =
		mode === 'mirror'
			? 'SELECT, INSERT, UPDATE, DELETE'
			: mode === 'upsert'
				? 'SELECT, INSERT, UPDATE'
				: 'SELECT, INSERT';
	return `On the target: GRANT ${grants} ON ${name} TO ${role};`;
}
