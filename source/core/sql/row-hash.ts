import type {ColumnPlan, TablePlan} from '../plan/types.js';
import {quoteIdent} from '../catalog/names.js';
import {keyColumnSql} from './key-order.js';
import {comparedColumn, hashedColumns, tableOnly, type Side} from './value-forms.js';

/**
 * How a row's hash is computed on both sides: `text` hashes the row's text form (servers of
 * different major versions); `record` is `hash_record_extended(ROW(...))`; `columns` (servers with
 * a SQL-callable bytea hash, PostgreSQL 17+) hashes each column with its own function and combines
 * them, ~30% less server time than building and taking apart a ROW for every row.
 */
export type RowHashing = 'text' | 'record' | 'columns';

/**
 * Extended hash functions of built-in types that hash every bit of the value, so unequal values
 * collide only by chance (2⁻⁶⁴). Not int8 and the types stored as int8 (timestamp, timestamptz,
 * time, money…): their hash folds the high half onto the low half, so 1 and 4294967296 (or two
 * timestamps) hash alike. Those, and every type not named here, are hashed through their send form.
 */
const faithfulHashes: Readonly<Record<string, string>> = {
	text: 'pg_catalog.hashtextextended',
	'character varying': 'pg_catalog.hashtextextended',
	integer: 'pg_catalog.hashint4extended',
	smallint: 'pg_catalog.hashint2extended',
	uuid: 'pg_catalog.uuid_hash_extended',
	bytea: 'pg_catalog.hashbyteaextended',
};

/** A column as it is hashed, and the type of that expression (undefined: only hash_record_extended may hash it). */
function hashedForm(column: ColumnPlan, side: Side, hashing: RowHashing): {sql: string; type: string | undefined} {
	const compared = comparedColumn(column, '', side, hashing === 'text' ? 'text' : 'record');
	if (hashing === 'text') return {sql: compared, type: 'text'};
	const own = side === 'source' && !column.sourceCast ? column.source : column.target;
	if (column.comparison === 'text') return {sql: compared, type: 'text'};
	if (column.comparison === 'send') return {sql: compared, type: 'bytea'};
	if (faithfulHashes[own.type]) return {sql: compared, type: own.type};
	// Native, but its hash may fold bits (int8-backed types, arrays and ranges of them): its exact send form instead.
	if (own.sendFunction) return {sql: `${own.sendFunction}(${compared})`, type: 'bytea'};
	return {sql: compared, type: undefined};
}

/**
 * A row's hash. `mixed`: the combination of column hashes goes through one more hash, so that XOR
 * over many rows (the fingerprint) cannot cancel a value moved from one row to another.
 */
function rowHash(columns: ColumnPlan[], side: Side, hashing: RowHashing, mixed: boolean): string {
	if (columns.length === 0) return '0';
	const forms = columns.map((column) => hashedForm(column, side, hashing));
	if (hashing === 'text')
		return `pg_catalog.hashtextextended(ROW(${forms.map((form) => form.sql).join(', ')})::text, 0)`;
	if (hashing === 'record' || forms.some((form) => form.type === undefined))
		return `pg_catalog.hash_record_extended(ROW(${forms.map((form) => form.sql).join(', ')}), 0)`;
	// Each column seeded by its position, so equal values in two columns do not cancel; NULL adds 0.
	const combined = forms
		.map((form, index) => `coalesce(${faithfulHashes[form.type!]!}(${form.sql}, ${index + 1}), 0)`)
		.join(' # ');
	// Mixed through the bytes of the 64-bit value: hashint8extended would fold it to 32 bits first.
	return mixed ? `pg_catalog.hashbyteaextended(pg_catalog.int8send(${combined}), 0)` : combined;
}

/**
 * `COPY (SELECT key..., hash FROM t ORDER BY key) TO STDOUT (FORMAT binary)`: the stream the merge
 * join reads. Binary, so Node compares fixed-width integers and raw bytes in place, with no text to
 * parse or unescape (keys that are not integers or uuids travel as text, whose binary form is its bytes).
 */
export function keyHashCopySql(plan: TablePlan, side: Side, hashing: RowHashing, withHashes: boolean): string {
	const keys = plan.columns.filter((column) => column.key).map((column) => keyColumnSql(column, side));
	const select = keys.map((key) => key.select);
	if (withHashes) select.push(rowHash(hashedColumns(plan, false), side, hashing, false));
	return `COPY (SELECT ${select.join(', ')} FROM ${tableOnly(plan, side)} ORDER BY ${keys.map((key) => key.orderBy).join(', ')}) TO STDOUT (FORMAT binary)`;
}

/** Whole-table fingerprint: equal on both sides means every row is unchanged (the key is hashed too). */
export function tableFingerprintSql(plan: TablePlan, side: Side, hashing: RowHashing): string {
	return `SELECT count(*)::bigint AS rows, coalesce(bit_xor(${rowHash(hashedColumns(plan, true), side, hashing, true)}), 0)::text AS fingerprint FROM ${tableOnly(plan, side)}`;
}

/**
 * The fingerprint of the first and the last `rows` keys (key index order, both ends): a few
 * milliseconds. Changes are usually spread out or at the newest keys, so when a table changed this
 * mostly says so before the whole-table fingerprint is spent on it. Same on both sides proves nothing.
 */
export function tableProbeSql(plan: TablePlan, side: Side, hashing: RowHashing, rows: number): string {
	const hash = rowHash(hashedColumns(plan, true), side, hashing, true);
	const keys = plan.key.map((name) => quoteIdent(name));
	const end = (direction: string) =>
		`(SELECT ${hash} AS h FROM ${tableOnly(plan, side)} ORDER BY ${keys.map((key) => key + direction).join(', ')} LIMIT ${rows})`;
	return `SELECT count(*)::bigint AS rows, coalesce(bit_xor(h), 0)::text AS fingerprint FROM (${end('')} UNION ALL ${end(' DESC')}) AS ends`;
}
