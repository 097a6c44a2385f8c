import {describeEndpoint, type Endpoint} from './endpoint.js';
import {UserError} from '../errors.js';

interface PgLikeError {
	code?: string;
	message?: string;
	errno?: number;
}

/**
 * A connect that ended without one PostgreSQL message: the socket closed or reset during the startup
 * handshake (an HTTP server, a closed port forwarder), or the reply to the SSLRequest was neither
 * `S` nor `N` (node-postgres: "There was an error establishing an SSL connection"). A real server,
 * or PgBouncer, refusing a client always says why in an ErrorResponse first (PostgreSQL docs,
 * "Message Flow: Start-up"), which arrives with an SQLSTATE instead.
 */
function notPostgres(failure: PgLikeError | undefined): boolean {
	const message = failure?.message ?? '';
	return (
		/^Connection terminated unexpectedly$/.test(message) ||
		/^There was an error establishing an SSL connection$/.test(message) ||
		failure?.code === 'ECONNRESET' ||
		failure?.code === 'EPIPE'
	);
}

/**
 * Turns a failed connect into what happened and what to do, naming the server but never the password.
 * `role` names it in the sentence: `source`, `target`, or `database` (profile test).
 */
export function connectionError(error: unknown, endpoint: Endpoint, role: string): UserError {
	if (error instanceof UserError) return error;
	const where = `${role} ${describeEndpoint(endpoint)} (${endpoint.origin})`;
	const failure = error as PgLikeError;
	const code = failure?.code ?? '';
	if (notPostgres(failure)) {
		return new UserError(
			'connection',
			`${endpoint.host}:${endpoint.port} does not look like PostgreSQL: it ${/SSL/.test(failure.message ?? '') ? 'answered the TLS request with something no PostgreSQL server sends' : 'closed the connection during the startup handshake without a PostgreSQL answer'} (the ${where}).`,
			`Check the host and port: PostgreSQL (or a pooler in front of it) must listen on ${endpoint.host}:${endpoint.port}, not another service (pg_isready -h ${endpoint.host} -p ${endpoint.port} tells).`,
			{cause: error},
		);
	}
	switch (code) {
		case 'ECONNREFUSED':
			return new UserError(
				'connection',
				`Cannot connect to the ${where}: connection refused.`,
				`Is PostgreSQL running on ${endpoint.host}:${endpoint.port}? Check the host and port (docker compose ps, pg_isready -h ${endpoint.host} -p ${endpoint.port}).`,
				{cause: error},
			);
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return new UserError(
				'connection',
				`Cannot connect to the ${where}: host ${endpoint.host} not found.`,
				'Check the host name in the URL or profile.',
				{cause: error},
			);
		case 'ETIMEDOUT':
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return new UserError(
				'connection',
				`Cannot connect to the ${where}: the host did not answer.`,
				'Check the host, the port, a VPN or firewall between you and the server.',
				{cause: error},
			);
		case '28P01':
			return new UserError(
				'auth',
				`The ${where} rejected the password for user ${endpoint.user}.`,
				'Check the password (or its source: profile, env var, pgpass) and the user name.',
				{cause: error},
			);
		case '28000':
			return new UserError(
				'auth',
				`The ${where} refused user ${endpoint.user}: ${failure.message}.`,
				'Check pg_hba.conf on the server, the user name and sslmode.',
				{cause: error},
			);
		case '3D000':
			return new UserError(
				'database-missing',
				`Database ${endpoint.database} does not exist on the ${role} server ${endpoint.host}:${endpoint.port}.`,
				`Create it (createdb ${endpoint.database}) and run your migrations, or fix the database name.`,
				{cause: error},
			);
		case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
		case 'SELF_SIGNED_CERT_IN_CHAIN':
		case 'DEPTH_ZERO_SELF_SIGNED_CERT':
		case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
		case 'CERT_HAS_EXPIRED':
		case 'ERR_TLS_CERT_ALTNAME_INVALID':
			return new UserError(
				'connection',
				`The ${where} presented a TLS certificate that could not be verified (${code}).`,
				code === 'ERR_TLS_CERT_ALTNAME_INVALID'
					? 'The certificate does not name this host: connect by the name it was issued for, or use sslmode=verify-ca.'
					: 'Give the CA that signed it with sslrootcert=<file>, or use sslmode=require to encrypt without verifying.',
				{cause: error},
			);
		case '53300':
			return new UserError(
				'connection',
				`The ${where} has no free connection slots.`,
				'Close other sessions or raise max_connections.',
				{cause: error},
			);
	}
	const message = failure?.message ?? String(error);
	// A pooler (PgBouncer) answers for the server with its own codes (08P01): read what it says.
	if (/SASL authentication failed|password authentication failed|auth failed/i.test(message)) {
		return new UserError(
			'auth',
			`The ${where} rejected the password for user ${endpoint.user} (${message}).`,
			'Check the password (or its source: profile, env var, pgpass) and the user name; behind a pooler, also its auth_file.',
			{cause: error},
		);
	}
	const missingDatabase = /database "([^"]+)" does not exist|no such database: (\S+)/i.exec(message);
	if (missingDatabase) {
		return new UserError(
			'database-missing',
			`Database ${endpoint.database} does not exist on the ${role} server ${endpoint.host}:${endpoint.port} (${message}).`,
			`Create it (createdb ${endpoint.database}) and run your migrations, fix the database name, or add it to the pooler's [databases].`,
			{cause: error},
		);
	}
	if (/password must be a string|no password/i.test(message)) {
		return new UserError(
			'auth',
			`The ${where} asks for a password and none was given.`,
			'Put it in the URL, an env var (profile password env:VAR) or ~/.pgpass.',
			{cause: error},
		);
	}
	if (/does not support SSL|SSL/i.test(message)) {
		return new UserError(
			'connection',
			`TLS failed for the ${where}: ${message}.`,
			'Check sslmode: use sslmode=disable for a local server without TLS, or verify-full with sslrootcert for a remote one.',
			{cause: error},
		);
	}
	if (/timeout/i.test(message)) {
		return new UserError(
			'connection',
			`Cannot connect to the ${where}: timed out.`,
			'Check the host, the port and any firewall between you and the server.',
			{cause: error},
		);
	}
	return new UserError('connection', `Cannot connect to the ${where}: ${message}`, 'Check the connection settings.', {
		cause: error,
	});
}
