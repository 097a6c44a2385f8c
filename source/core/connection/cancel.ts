import type {Endpoint} from './endpoint.js';
import {closeSession, openSession} from './connect.js';

/**
 * Cancels the statement that backend `pid` is running, from a second session (pg_cancel_backend:
 * the same role may cancel its own backends). The pid is the one beginRead/beginWrite read inside
 * the transaction: through a pooler, the client's protocol key names the pooler, not the server.
 */
export async function cancelBackend(endpoint: Endpoint, pid: number | undefined): Promise<void> {
	if (!pid) return;
	const side = await openSession(endpoint, 'source').catch(() => undefined);
	if (!side) return;
	try {
		await side.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
	} catch {
		// Best effort: the statement may have ended, or the backend gone, meanwhile.
	} finally {
		await closeSession(side);
	}
}
