import type pg from 'pg';
import {comparisonSettings, encodingSettings, longRunSettings, setLocal} from './session-settings.js';

export interface Timeouts {
	statementTimeoutMs: number;
	lockTimeoutMs: number;
}

const noTimeouts: Timeouts = {statementTimeoutMs: 0, lockTimeoutMs: 5000};

/**
 * Opens a read-only REPEATABLE READ transaction (one snapshot for every table) with the comparison
 * settings pinned. On the source, `row_security = off`: a table whose rows row-level security would
 * hide then fails loudly instead of looking emptier than it is (hidden rows must never become
 * mirror deletes). Returns the backend pid serving the transaction (through a pooler the client's
 * own key is not the server's), for cancelling it.
 */
export async function beginRead(
	client: pg.ClientBase,
	side: 'source' | 'target',
	timeouts: Timeouts = noTimeouts,
): Promise<number> {
	await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
	// --lock-timeout is about the target's locks; a source read waits as any reader would.
	const limits =
		side === 'source' ? longRunSettings({statementTimeoutMs: 0, lockTimeoutMs: 0}) : longRunSettings(timeouts);
	await setLocal(client, {
		...encodingSettings,
		...comparisonSettings,
		...limits,
		...(side === 'source' ? {row_security: 'off'} : {}),
	});
	return backendPid(client);
}

/**
 * Opens the target's write transaction. Only the timeouts are set: writes run under the role's own
 * search_path and settings; reads that compare values wrap themselves in withComparisonSettings.
 */
export async function beginWrite(client: pg.ClientBase, timeouts: Timeouts): Promise<number> {
	await client.query('BEGIN');
	await setLocal(client, {...encodingSettings, ...longRunSettings(timeouts)});
	return backendPid(client);
}

async function backendPid(client: pg.ClientBase): Promise<number> {
	return (await client.query<{pid: number}>('SELECT pg_catalog.pg_backend_pid() AS pid')).rows[0]!.pid;
}
