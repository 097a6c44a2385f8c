import type pg from 'pg';
import type {TablePlan} from './plan/types.js';
import type {BlockingSession} from './server-errors.js';
import {quoteLiteral} from './catalog/names.js';
import {tableName} from './diff/table-diff-sql.js';

/** The sessions holding locks on the tables we wanted, so the message can name them. */
export async function findBlockers(target: pg.ClientBase, tables: TablePlan[]): Promise<BlockingSession[]> {
	try {
		const result = await target.query<{pid: number; user: string; application: string; state: string; query: string}>(
			`SELECT DISTINCT a.pid, coalesce(a.usename, '') AS user, coalesce(a.application_name, '') AS application, coalesce(a.state, '') AS state, coalesce(a.query, '') AS query
			   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			  WHERE l.granted AND l.relation = ANY(ARRAY[${tables.map((table) => `${quoteLiteral(tableName(table, 'target'))}::regclass`).join(', ')}]::oid[])
			    AND a.pid <> pg_backend_pid()`,
		);
		return result.rows;
	} catch {
		return [];
	}
}
