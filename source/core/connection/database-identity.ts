import type pg from 'pg';

/**
 * `<system identifier>/<database>#<oid>`: equal only for the very same database, whatever name or
 * proxy it is reached by (a database dropped and created again under the same name has another OID). Undefined for roles without EXECUTE on pg_control_system() (granted to superusers and
 * pg_monitor by default). Checked first, not caught: a failed statement would abort the caller's transaction.
 * Source: PostgreSQL docs, "System Information Functions" (pg_control_system).
 */
export async function systemIdentity(client: pg.ClientBase): Promise<string | undefined> {
	const result = await client.query<{id: string | null}>(
		`SELECT CASE WHEN pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
		        THEN (SELECT system_identifier::text FROM pg_catalog.pg_control_system()) || '/' || d.datname || '#' || d.oid END AS id
		   FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`,
	);
	return result.rows[0]!.id ?? undefined;
}

/**
 * The system identity, or for roles that cannot read it the server's own address and port (as the
 * server sees its end of the connection: the same through any name, proxy or pooler that reaches it
 * the same way), the database and its OID (a database dropped and created again is another one).
 * Over a Unix socket the address is `local`.
 */
export async function databaseIdentity(client: pg.ClientBase): Promise<string> {
	const own = await systemIdentity(client);
	if (own) return own;
	const server = await client.query<{id: string}>(
		`SELECT coalesce(pg_catalog.host(pg_catalog.inet_server_addr()), 'local') || ':' || coalesce(pg_catalog.inet_server_port(), 0) || '/' || d.datname || '#' || d.oid AS id
		   FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`,
	);
	return server.rows[0]!.id;
}

/**
 * Both ways to recognise a database again, whichever this role can read: `system` (see
 * systemIdentity) and `address` (the server's own address and port as it sees this connection, the
 * database and its OID; left out over a Unix socket, where it names no server). Two identities
 * match by `system` when both have it, else by `address` (see sameIdentity).
 */
export interface DatabaseIdentity {
	system?: string;
	address?: string;
}

export async function readDatabaseIdentity(client: pg.ClientBase): Promise<DatabaseIdentity> {
	const system = await systemIdentity(client);
	const server = await client.query<{id: string | null}>(
		`SELECT CASE WHEN pg_catalog.inet_server_addr() IS NOT NULL
		        THEN pg_catalog.host(pg_catalog.inet_server_addr()) || ':' || pg_catalog.inet_server_port() || '/' || d.datname || '#' || d.oid END AS id
		   FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()`,
	);
	const address = server.rows[0]!.id ?? undefined;
	return {...(system ? {system} : {}), ...(address ? {address} : {})};
}

/**
 * The same database: by system identity when both sides could read it (a role without
 * pg_control_system() cannot), else by the server's address, port, database name and OID.
 */
export function sameIdentity(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
	if (a.system && b.system) return a.system === b.system;
	return a.address !== undefined && a.address === b.address;
}
