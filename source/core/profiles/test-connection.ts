import {closeSession, openSession, sessionEncrypted} from '../connection/connect.js';
import {readDatabaseIdentity, type DatabaseIdentity} from '../connection/database-identity.js';
import type {Endpoint} from '../connection/endpoint.js';

/** What `profile test` reports of a database, as the server says it. */
export interface ServerFacts {
	serverVersion: string;
	database: string;
	sizeBytes: number;
	role: string;
	superuser: boolean;
	/** The session starts read-only (default_transaction_read_only). */
	readOnly: boolean;
	inRecovery: boolean;
	/** The TLS protocol version (`TLSv1.3`), as pg_stat_ssl reports it; undefined when not encrypted. */
	tlsVersion?: string;
	/** Whether the socket is encrypted, as this end sees it. */
	encrypted: boolean;
	/** Tables outside system schemas, and those the role may INSERT into. */
	tables: number;
	insertable: number;
	identity: DatabaseIdentity;
}

/*
 * "Can write" is judged from what the server says, not guessed: a standby or a session that starts
 * read-only cannot write at all; otherwise it counts the tables outside system schemas on which the
 * role holds INSERT.
 */
const factsQuery = `
SELECT pg_catalog.current_setting('server_version') AS server_version,
       pg_catalog.current_database() AS database,
       pg_catalog.pg_database_size(pg_catalog.current_database())::text AS size_bytes,
       CURRENT_USER AS role,
       (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) AS superuser,
       pg_catalog.current_setting('transaction_read_only') AS read_only,
       pg_catalog.pg_is_in_recovery() AS in_recovery,
       (SELECT CASE WHEN s.ssl THEN s.version ELSE NULL END FROM pg_catalog.pg_stat_ssl s WHERE s.pid = pg_catalog.pg_backend_pid()) AS tls,
       t.tables::int AS tables,
       t.insertable::int AS insertable
  FROM (SELECT count(*) AS tables,
               count(*) FILTER (WHERE pg_catalog.has_table_privilege(c.oid, 'INSERT')) AS insertable
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p')
           AND n.nspname <> 'information_schema'
           AND n.nspname NOT LIKE 'pg\\_%') t`;

interface FactsRow {
	server_version: string;
	database: string;
	size_bytes: string;
	role: string;
	superuser: boolean;
	read_only: string;
	in_recovery: boolean;
	tls: string | null;
	tables: number;
	insertable: number;
}

/**
 * Connects the way a sync does (the same session opener) and reads what `profile test` reports.
 * Connection errors name it "the database" (`label`), not a source or target. Reads only.
 */
export async function testConnection(endpoint: Endpoint, label = 'database'): Promise<ServerFacts> {
	const client = await openSession(endpoint, 'target', {label});
	try {
		const row = (await client.query<FactsRow>(factsQuery)).rows[0]!;
		return {
			serverVersion: row.server_version,
			database: row.database,
			sizeBytes: Number(row.size_bytes),
			role: row.role,
			superuser: row.superuser,
			readOnly: row.read_only === 'on',
			inRecovery: row.in_recovery,
			...(row.tls ? {tlsVersion: row.tls} : {}),
			encrypted: sessionEncrypted(client),
			tables: row.tables,
			insertable: row.insertable,
			identity: await readDatabaseIdentity(client),
		};
	} finally {
		await closeSession(client);
	}
}
