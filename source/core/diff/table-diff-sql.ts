import type {ColumnPlan, SyncPlan, TablePlan} from '../plan/types.js';
import {qualifiedName, quoteIdent} from '../catalog/names.js';
import {keyColumnSql} from './key-order.js';

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
export function comparedColumn(column: ColumnPlan, alias: string, side: Side, hashMethod: SyncPlan['hashMethod']): string {
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

function rowHash(columns: ColumnPlan[], side: Side, hashMethod: SyncPlan['hashMethod']): string {
	if (columns.length === 0) return '0';
	const row = `ROW(${columns.map((column) => comparedColumn(column, '', side, hashMethod)).join(', ')})`;
	return hashMethod === 'record' ? `pg_catalog.hash_record_extended(${row}, 0)` : `pg_catalog.hashtextextended(${row}::text, 0)`;
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

/**
 * `COPY (SELECT key..., hash FROM t ORDER BY key) TO STDOUT (FORMAT binary)`: the stream the merge
 * join reads. Binary, so Node compares fixed-width integers and raw bytes in place, with no text to
 * parse or unescape (keys that are not integers or uuids travel as text, whose binary form is its bytes).
 */
export function keyHashCopySql(plan: TablePlan, side: Side, hashMethod: SyncPlan['hashMethod'], withHashes: boolean): string {
	const keys = plan.columns.filter((column) => column.key).map((column) => keyColumnSql(column, side));
	const select = keys.map((key) => key.select);
	if (withHashes) select.push(rowHash(hashedColumns(plan, false), side, hashMethod));
	return `COPY (SELECT ${select.join(', ')} FROM ${tableOnly(plan, side)} ORDER BY ${keys.map((key) => key.orderBy).join(', ')}) TO STDOUT (FORMAT binary)`;
}

/** Whole-table fingerprint: equal on both sides means every row is unchanged (the key is hashed too). */
export function tableFingerprintSql(plan: TablePlan, side: Side, hashMethod: SyncPlan['hashMethod']): string {
	return `SELECT count(*)::bigint AS rows, coalesce(bit_xor(${rowHash(hashedColumns(plan, true), side, hashMethod)}), 0)::text AS fingerprint FROM ${tableOnly(plan, side)}`;
}

/**
 * The fingerprint of the first and the last `rows` keys (key index order, both ends): a few
 * milliseconds. Changes are usually spread out or at the newest keys, so when a table changed this
 * mostly says so before the whole-table fingerprint is spent on it. Same on both sides proves nothing.
 */
export function tableProbeSql(plan: TablePlan, side: Side, hashMethod: SyncPlan['hashMethod'], rows: number): string {
	const hash = rowHash(hashedColumns(plan, true), side, hashMethod);
	const keys = plan.key.map((name) => quoteIdent(name));
	const end = (direction: string) => `(SELECT ${hash} AS h FROM ${tableOnly(plan, side)} ORDER BY ${keys.map((key) => key + direction).join(', ')} LIMIT ${rows})`;
	return `SELECT count(*)::bigint AS rows, coalesce(bit_xor(h), 0)::text AS fingerprint FROM (${end('')} UNION ALL ${end(' DESC')}) AS ends`;
}
