import type pg from 'pg';
import type {TablePlan} from '../plan/types.js';
import {quoteIdent, quoteLiteral} from '../catalog/names.js';
import {tableName} from '../diff/table-diff-sql.js';

/**
 * After explicit ids were written, moves each owned sequence up to max(column) so the application's
 * next insert does not collide. Never moves one back: a sequence already ahead stays where it is.
 */
export async function advanceSequences(target: pg.ClientBase, plans: TablePlan[]): Promise<void> {
	for (const plan of plans) {
		for (const owned of plan.target.sequences) {
			if (!plan.columns.some((column) => column.name === owned.column && column.target.integer)) continue;
			await target.query(
				`SELECT setval(${quoteLiteral(owned.sequence)}, m.value)
				   FROM (SELECT max(${quoteIdent(owned.column)})::bigint AS value FROM ${tableName(plan, 'target')}) m, ${owned.sequence} s
				  WHERE m.value IS NOT NULL AND m.value >= CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END`,
			);
		}
	}
}
