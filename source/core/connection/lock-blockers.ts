import type pg from 'pg';
import type {BlockingSession} from './server-errors.js';

/**
 * The sessions holding granted locks on these relations (quoted, schema-qualified names), so a lock
 * timeout can name who is in the way. Empty when they cannot be read (the error is then reported
 * without names). Source: pg_locks joined to pg_stat_activity.
 */
export async function findBlockers(target: pg.ClientBase, relations: readonly string[]): Promise<BlockingSession[]> {
	if (relations.length === 0) return [];
	try {
		const result = await target.query<{pid: number; user: string; application: string; state: string; query: string}>(
			`SELECT DISTINCT a.pid, coalesce(a.usename, '') AS user, coalesce(a.application_name, '') AS application, coalesce(a.state, '') AS state, coalesce(a.query, '') AS query
			   FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
			  WHERE l.granted AND l.relation = ANY(SELECT pg_catalog.to_regclass(r)::oid FROM pg_catalog.unnest($1::text[]) AS r)
			    AND a.pid <> pg_catalog.pg_backend_pid()`,
			[relations],
		);
		return result.rows;
	} catch {
		return [];
	}
}
