import type pg from 'pg';
import type {Endpoint} from './endpoint.js';

/**
 * `<system identifier>/<database>`: equal only for the very same database, whatever name or proxy it
 * is reached by. Undefined for roles without EXECUTE on pg_control_system() (granted to superusers and
 * pg_monitor by default). Checked first, not caught: a failed statement would abort the caller's transaction.
 * Source: PostgreSQL docs, "System Information Functions" (pg_control_system).
 */
export async function systemIdentity(client: pg.ClientBase): Promise<string | undefined> {
	const result = await client.query<{id: string | null}>(
		`SELECT CASE WHEN pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
		        THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) || '/' || pg_catalog.current_database() END AS id`,
	);
	return result.rows[0]!.id ?? undefined;
}

/** The system identity, or for roles that cannot read it `<host>:<port>/<database>` as connected. */
export async function databaseIdentity(client: pg.ClientBase, endpoint: Pick<Endpoint, 'host' | 'port'>): Promise<string> {
	const database = (await client.query<{database: string}>('SELECT pg_catalog.current_database() AS database')).rows[0]!.database;
	return (await systemIdentity(client)) ?? `${endpoint.host.toLowerCase()}:${endpoint.port}/${database}`;
}
