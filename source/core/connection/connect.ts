import pg from 'pg';
import type {Endpoint} from './endpoint.js';
import {connectionError} from './connection-errors.js';
import {sslAttempts} from './tls.js';
import {pgPasswordOption} from './password.js';

export type SessionRole = 'source' | 'target';

/**
 * Opens one session. Each field comes from the endpoint, so libpq's PG* environment variables
 * cannot redirect it; sslmode=prefer tries TLS first, then plain. Only startup parameters that
 * poolers accept are sent (no `options`): settings are set per transaction (see transactions.ts).
 */
export async function openSession(
	endpoint: Endpoint,
	role: SessionRole,
	options: {
		/** How connection errors name it, when not `source`/`target` (`profile test` says "the database"). */
		label?: string;
	} = {},
): Promise<pg.Client> {
	let lastError: unknown;
	for (const ssl of sslAttempts(endpoint)) {
		const client = new pg.Client({
			host: endpoint.host,
			port: endpoint.port,
			database: endpoint.database,
			user: endpoint.user,
			// Never '' or undefined: node-postgres would then quietly fall back to PGPASSWORD.
			password: pgPasswordOption(endpoint),
			ssl,
			application_name: 'pgconvoy',
			connectionTimeoutMillis: 10_000,
			keepAlive: true,
			// Decoding only (node-postgres never sends it at startup); stated so PGCLIENTENCODING cannot change it.
			client_encoding: 'UTF8',
		});
		ignoreEnvironmentStartupParameters(client);
		// A dropped connection surfaces on the running query; this keeps the process from crashing meanwhile.
		client.on('error', () => {});
		try {
			await client.connect();
			tagErrorsWithSide(client, role);
			return client;
		} catch (error) {
			lastError = error;
			await client.end().catch(() => {});
		}
	}
	throw connectionError(lastError, endpoint, options.label ?? role);
}

/** Whether this session's bytes are encrypted (the socket was upgraded to TLS). */
export function sessionEncrypted(client: pg.Client): boolean {
	return (client as unknown as {connection?: {stream?: {encrypted?: boolean}}}).connection?.stream?.encrypted === true;
}

/**
 * Ends a session politely (Terminate), or, when the server does not see it off within `ms` (a silent
 * network, a session stuck in a COPY), drops its socket: closing never hangs.
 */
export async function closeSession(client: pg.Client | undefined, ms = 5000): Promise<void> {
	if (!client) return;
	let timer: ReturnType<typeof setTimeout> | undefined;
	const ended = await Promise.race([
		client.end().then(
			() => true,
			() => true,
		),
		new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
	]);
	clearTimeout(timer);
	if (!ended) (client as unknown as {connection?: {stream?: {destroy(): void}}}).connection?.stream?.destroy();
}

/**
 * Marks every error a query of this session raises with the session's side, so a message can say
 * which database refused (a source-side permission error is not "the target role needs…").
 * Covers promise queries and submittables (the COPY streams), which pg reports via handleError.
 */
function tagErrorsWithSide(client: pg.Client, side: SessionRole): void {
	const query = client.query.bind(client) as (...args: unknown[]) => unknown;
	const mark = (error: unknown) => {
		if (error && typeof error === 'object' && !('side' in error))
			Object.defineProperty(error, 'side', {value: side, enumerable: false});
		return error;
	};
	(client as unknown as {query: (...args: unknown[]) => unknown}).query = (...args: unknown[]) => {
		const result = query(...args) as {
			then?: unknown;
			catch?: (handler: (error: unknown) => never) => unknown;
			handleError?: (error: Error, connection: unknown) => void;
		};
		if (typeof result?.then === 'function')
			return result.catch!((error) => {
				throw mark(error);
			});
		if (typeof result?.handleError === 'function') {
			const handleError = result.handleError.bind(result);
			result.handleError = (error, connection) => handleError(mark(error) as Error, connection);
		}
		return result;
	};
}

/** Which session raised `error` (see tagErrorsWithSide), when it came from a query. */
export function errorSide(error: unknown): SessionRole | undefined {
	return (error as {side?: SessionRole} | undefined)?.side;
}

/**
 * node-postgres fills a startup parameter it was not given a truthy value for from the environment
 * (`PGOPTIONS` → options, `PGREPLICATION` → replication): a user's shell must not change what
 * pgconvoy's sessions are. Settings are made per transaction instead (transactions.ts).
 */
function ignoreEnvironmentStartupParameters(client: pg.Client): void {
	const parameters = (client as unknown as {connectionParameters: {options?: string; replication?: string}})
		.connectionParameters;
	parameters.options = undefined;
	parameters.replication = undefined;
}
