import type {ColumnPlan, SyncPlan, TablePlan} from '../plan/types.js';
import {qualifiedName, quoteIdent} from '../catalog/names.js';
import {keyColumnSql} from './key-order.js';

export type Side = 'source' | 'target';

/** One column as it enters a row hash or a row comparison: through its text form when it must. */
export function comparedColumn(column: ColumnPlan, alias: string, hashMethod: SyncPlan['hashMethod']): string {
	const name = alias + quoteIdent(column.name);
	return column.compareAsText || hashMethod === 'text' ? `${name}::text` : name;
}

function rowHash(columns: ColumnPlan[], hashMethod: SyncPlan['hashMethod']): string {
	if (columns.length === 0) return '0';
	const row = `ROW(${columns.map((column) => comparedColumn(column, '', hashMethod)).join(', ')})`;
	return hashMethod === 'record' ? `hash_record_extended(${row}, 0)` : `hashtextextended(${row}::text, 0)`;
}

export function tableName(plan: TablePlan, side: Side): string {
	const table = side === 'source' ? plan.source : plan.target;
	return qualifiedName(table.schema, table.name);
}

/**
 * `COPY (SELECT key..., hash FROM t ORDER BY key) TO STDOUT (FORMAT binary)`: the stream the merge
 * join reads. Binary, so Node compares fixed-width integers and raw bytes in place, with no text to
 * parse or unescape (keys that are not integers or uuids travel as text, whose binary form is its bytes).
 */
export function keyHashCopySql(plan: TablePlan, side: Side, hashMethod: SyncPlan['hashMethod'], withHashes: boolean): string {
	const keys = plan.columns.filter((column) => column.key).map((column) => keyColumnSql(column));
	const select = keys.map((key) => key.select);
	if (withHashes) select.push(rowHash(plan.columns.filter((column) => !column.key), hashMethod));
	return `COPY (SELECT ${select.join(', ')} FROM ${tableName(plan, side)} ORDER BY ${keys.map((key) => key.orderBy).join(', ')}) TO STDOUT (FORMAT binary)`;
}

/** Whole-table fingerprint: equal on both sides means every row is unchanged (the key is hashed too). */
export function tableFingerprintSql(plan: TablePlan, side: Side, hashMethod: SyncPlan['hashMethod']): string {
	return `SELECT count(*)::bigint AS rows, coalesce(bit_xor(${rowHash(plan.columns, hashMethod)}), 0)::text AS fingerprint FROM ${tableName(plan, side)}`;
}

/**
 * The fingerprint of the first and the last `rows` keys (key index order, both ends): a few
 * milliseconds. Changes are usually spread out or at the newest keys, so when a table changed this
 * mostly says so before the whole-table fingerprint is spent on it. Same on both sides proves nothing.
 */
export function tableProbeSql(plan: TablePlan, side: Side, hashMethod: SyncPlan['hashMethod'], rows: number): string {
	const hash = rowHash(plan.columns, hashMethod);
	const keys = plan.key.map((name) => quoteIdent(name));
	const end = (direction: string) => `(SELECT ${hash} AS h FROM ${tableName(plan, side)} ORDER BY ${keys.map((key) => key + direction).join(', ')} LIMIT ${rows})`;
	return `SELECT count(*)::bigint AS rows, coalesce(bit_xor(h), 0)::text AS fingerprint FROM (${end('')} UNION ALL ${end(' DESC')}) AS ends`;
}
