import type pg from 'pg';
import {plural} from '../counts.js';
import type {Finding, TablePlan} from '../plan/types.js';
import type {DeleteReach} from '../events.js';
import {quoteIdent, tableId} from '../catalog/names.js';

/** A WHERE condition on the rows of a relation, written for a given alias. */
export type RowCondition = (alias: string) => string;

interface ReferencingKey {
	name: string;
	schema: string;
	table: string;
	partitioned: boolean;
	on_delete: 'a' | 'r' | 'c' | 'n' | 'd';
	not_null: boolean;
	columns: string[];
	referenced_columns: string[];
}

const actions: Record<ReferencingKey['on_delete'], DeleteReach['action']> = {
	a: 'restrict',
	r: 'restrict',
	c: 'cascade',
	n: 'set null',
	d: 'set default',
};
/** Deep enough for real schemas; a cycle of cascades stops here instead of looping. */
const maxDepth = 8;

/**
 * Follows the foreign keys that point at the rows `deleted` selects in `relation`, from tables
 * outside the selection, in any schema and at any depth: NO ACTION / RESTRICT refuse the delete;
 * CASCADE deletes the referencing rows (and follows their own references); SET NULL / SET DEFAULT
 * change them. Counts each, read-only, in the caller's transaction.
 * Source: PostgreSQL docs, CREATE TABLE, "REFERENCES … ON DELETE referential_action".
 */
export async function deleteReach(
	target: pg.ClientBase,
	from: {id: string; relation: string; partitioned: boolean},
	deleted: RowCondition,
	selected: Set<string>,
	depth = 0,
	/** Told each reach with the referencing rows it selects (for the undo journal to read them first). */
	onReach?: (entry: DeleteReach, relation: string, partitioned: boolean, rows: RowCondition) => void,
): Promise<DeleteReach[]> {
	if (depth >= maxDepth) return [];
	const keys = await target.query<ReferencingKey>(
		`SELECT con.conname AS name, n.nspname AS schema, c.relname AS table, c.relkind = 'p' AS partitioned, con.confdeltype::text AS on_delete,
		        EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = ANY(con.conkey) AND a.attnotnull) AS not_null,
		        array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, position)
		                JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS columns,
		        array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, position)
		                JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS referenced_columns
		   FROM pg_catalog.pg_constraint con
		   JOIN pg_catalog.pg_class c ON c.oid = con.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		  WHERE con.contype = 'f' AND con.confrelid = $1::pg_catalog.regclass AND con.conparentid = 0
		  ORDER BY n.nspname, c.relname, con.conname`,
		[from.relation],
	);
	const reached: DeleteReach[] = [];
	for (const key of keys.rows) {
		const id = tableId(key.schema, key.table);
		if (selected.has(id)) continue;
		const relation = `${quoteIdent(key.schema)}.${quoteIdent(key.table)}`;
		const scan = (name: string, partitioned: boolean) => `${partitioned ? '' : 'ONLY '}${name}`;
		const referencing: RowCondition = (alias) =>
			`(${key.columns.map((column) => `${alias}.${quoteIdent(column)}`).join(', ')}) IN (SELECT ${key.referenced_columns.map((column) => `p${depth}.${quoteIdent(column)}`).join(', ')} FROM ${scan(from.relation, from.partitioned)} AS p${depth} WHERE ${deleted(`p${depth}`)})`;
		const rows = Number(
			(
				await target.query<{rows: string}>(
					`SELECT count(*)::text AS rows FROM ${scan(relation, key.partitioned)} AS r WHERE ${referencing('r')}`,
				)
			).rows[0]!.rows,
		);
		if (rows === 0) continue;
		// ON DELETE SET NULL into a NOT NULL column fails like a RESTRICT would.
		const setsNotNull = key.on_delete === 'n' && key.not_null;
		const action = setsNotNull ? 'restrict' : actions[key.on_delete];
		const entry: DeleteReach = {
			from: from.id,
			table: id,
			constraint: key.name,
			action,
			rows,
			...(action === 'restrict' ? {refusal: setsNotNull ? 'not-null' : 'referenced'} : {}),
		};
		reached.push(entry);
		onReach?.(entry, relation, key.partitioned, referencing);
		if (action === 'cascade')
			reached.push(
				...(await deleteReach(
					target,
					{id, relation, partitioned: key.partitioned},
					referencing,
					selected,
					depth + 1,
					onReach,
				)),
			);
	}
	return reached;
}

/** The reach of one table's mirror deletes, as findings: refused deletes always block; cascades block unless allowed. */
export function deleteReachFindings(
	table: TablePlan,
	deletes: number,
	reach: DeleteReach[],
	allowCascade: boolean,
): Finding[] {
	const findings: Finding[] = [];
	for (const refused of reach.filter((entry) => entry.action === 'restrict')) {
		findings.push({
			table: table.id,
			severity: 'blocking',
			code: 'mirror-delete-restricted',
			message: `Deleting ${plural(deletes, 'row')} of ${table.id} would fail: ${plural(refused.rows, 'row')} of ${refused.table}, which is not selected, reference${refused.rows === 1 ? 's' : ''} ${refused.from === table.id ? 'them' : `rows of ${refused.from} the delete cascades to`} (${refused.constraint})${refused.refusal === 'not-null' ? ', and ON DELETE SET NULL cannot empty its NOT NULL columns' : ''}.`,
			hint: `Add ${refused.table} to the tables (its rows missing from the source are then deleted first), or remove those rows on the target.`,
		});
	}
	const changed = reach.filter((entry) => entry.action !== 'restrict');
	if (changed.length > 0) {
		const effects = changed
			.map((entry) => `${entry.rows} ${entry.action === 'cascade' ? 'in' : `${entry.action} in`} ${entry.table}`)
			.join(', ');
		findings.push({
			table: table.id,
			severity: allowCascade ? 'warning' : 'blocking',
			code: 'mirror-cascade',
			message: `${plural(deletes, 'delete')} in ${table.id} → ${effects}: rows of tables that are not selected, changed by ON DELETE actions.`,
			hint: allowCascade
				? 'They are written in the same transaction and reported with the result.'
				: 'Check those rows; confirm the cascade to go ahead, or add those tables to the selection.',
			flagHint: allowCascade
				? 'They are written in the same transaction and reported with the result.'
				: 'Check those rows; rerun with --allow-cascade to go ahead, or add those tables to the selection.',
		});
	}
	return findings;
}
