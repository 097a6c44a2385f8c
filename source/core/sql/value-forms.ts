import type {ColumnPlan, SyncPlan, TablePlan} from '../plan/types.js';
import {qualifiedName, quoteIdent} from '../catalog/names.js';

export type Side = 'source' | 'target';

/**
 * The equality a key or unique index means for this column on one side, schema-qualified (see
 * Column.equalityOperator); `=` for types without a btree operator class.
 */
export function equality(column: ColumnPlan, side: Side): string {
	return (side === 'source' && !column.sourceCast ? column.source : column.target).equalityOperator ?? '=';
}

/** A column's value on one side, as the target's type: the source's is cast first where the types differ. */
export function valueAs(column: ColumnPlan, alias: string, side: Side): string {
	const name = alias + quoteIdent(column.name);
	return side === 'source' && column.sourceCast ? `CAST(${name} AS ${column.sourceCast})` : name;
}

/**
 * One column as it enters a row hash or a row comparison, in its exact form (see Comparison):
 * equal results mean the target would read back the very same value. `text` hashing (servers of
 * different major versions) renders every form as text, bytea as hex.
 */
export function comparedColumn(
	column: ColumnPlan,
	alias: string,
	side: Side,
	hashMethod: SyncPlan['hashMethod'],
): string {
	const value = valueAs(column, alias, side);
	if (column.comparison === 'send') {
		const send = (side === 'source' && !column.sourceCast ? column.source : column.target).sendFunction!;
		return `${send}(${value})`;
	}
	return column.comparison === 'text' || hashMethod === 'text' ? `(${value})::text` : value;
}

/** The columns whose exact forms make up a row's hash: keys that match inexactly (citext…) carry their spelling in it. */
export function hashedColumns(plan: TablePlan, withKeys: boolean): ColumnPlan[] {
	return plan.columns.filter((column) => column.compared && (withKeys || !column.key || !column.target.equalImage));
}

export function tableName(plan: TablePlan, side: Side): string {
	const table = side === 'source' ? plan.source : plan.target;
	return qualifiedName(table.schema, table.name);
}

/**
 * The table as a FROM/UPDATE/DELETE target: `ONLY` for a plain table, so the rows of its INHERITS
 * children are neither read as its own nor deleted with it. A partitioned table has no rows of its
 * own: its partitions are its rows.
 */
export function tableOnly(plan: TablePlan, side: Side): string {
	const table = side === 'source' ? plan.source : plan.target;
	return `${table.partitioned ? '' : 'ONLY '}${qualifiedName(table.schema, table.name)}`;
}
