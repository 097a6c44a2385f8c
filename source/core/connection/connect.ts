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
export async function openSession(endpoint: Endpoint, role: SessionRole): Promise<pg.Client> {
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
		});
		// A dropped connection surfaces on the running query; this keeps the process from crashing meanwhile.
		client.on('error', () => {});
		try {
			await client.connect();
			return client;
		} catch (error) {
			lastError = error;
			await client.end().catch(() => {});
		}
	}
	throw connectionError(lastError, endpoint, role);
}

export async function closeSession(client: pg.Client | undefined): Promise<void> {
	if (!client) return;
	await client.end().catch(() => {});
}
