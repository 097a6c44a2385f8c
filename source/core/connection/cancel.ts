import type pg from 'pg';
import type {Endpoint} from './endpoint.js';
import {openSession} from './connect.js';

/** Cancels whatever `client` is running, from a second session (node-postgres has no cancel request). */
export async function cancelRunningStatement(endpoint: Endpoint, client: pg.Client): Promise<void> {
	const pid = (client as unknown as {processID?: number}).processID;
	if (!pid) return;
	const side = await openSession(endpoint, 'source').catch(() => undefined);
	if (!side) return;
	try {
		await side.query('SELECT pg_cancel_backend($1)', [pid]);
	} finally {
		await side.end().catch(() => {});
	}
}
