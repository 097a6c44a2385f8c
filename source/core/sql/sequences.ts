import type pg from 'pg';
import type {TablePlan} from '../plan/types.js';
import type {ColumnSequence} from '../catalog/types.js';
import {quoteLiteral} from '../catalog/names.js';

/** The written columns fed by a sequence (owned by the column or named in its DEFAULT), integer-typed. */
export function writtenSequences(plan: TablePlan): ColumnSequence[] {
	return plan.target.sequences.filter((used) =>
		plan.columns.some((column) => column.name === used.column && column.target.integer),
	);
}

/**
 * `pg_sequence s, (max) m WHERE …`: one row when the largest value of `users` has reached the
 * sequence's next value (the sequence is behind), none otherwise.
 */
export function behindSql(sequence: string, users: SequenceUser[], extraValue?: string): string {
	const maxima = [
		...users.map((user) => `SELECT max(${user.column})::bigint AS value FROM ${user.only ? 'ONLY ' : ''}${user.table}`),
		...(extraValue ? [`SELECT (${extraValue})::bigint`] : []),
	].join(' UNION ALL ');
	return `pg_catalog.pg_sequence s, (SELECT max(value) AS value FROM (${maxima}) u) m
	  WHERE s.seqrelid = ${quoteLiteral(sequence)}::pg_catalog.regclass AND s.seqincrement > 0 AND m.value IS NOT NULL
	    AND m.value >= coalesce(pg_catalog.pg_sequence_last_value(s.seqrelid) + s.seqincrement, s.seqstart)`;
}

export interface SequenceUser {
	table: string;
	column: string;
	/** A plain table, read with ONLY (its INHERITS children have their own column defaults). */
	only: boolean;
}

/**
 * Every column in the database fed by `sequence` (quoted, schema-qualified), as SQL-ready names.
 * Columns the role cannot read are left out: they cannot be counted, and they were not written.
 */
export async function sequenceUsers(target: pg.ClientBase, sequence: string): Promise<SequenceUser[]> {
	const result = await target.query<SequenceUser>(
		`SELECT DISTINCT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS table, pg_catalog.quote_ident(a.attname) AS column, c.relkind = 'r' AS only
		   FROM (SELECT d.refobjid AS table_oid, d.refobjsubid AS attnum FROM pg_catalog.pg_depend d
		          WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = $1::pg_catalog.regclass
		            AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
		         UNION
		         SELECT ad.adrelid, ad.adnum FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
		          WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.refobjid = $1::pg_catalog.regclass AND d.deptype = 'n') u
		   JOIN pg_catalog.pg_class c ON c.oid = u.table_oid AND c.relkind IN ('r', 'p')
		   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		   JOIN pg_catalog.pg_attribute a ON a.attrelid = u.table_oid AND a.attnum = u.attnum AND NOT a.attisdropped
		  WHERE pg_catalog.has_column_privilege(u.table_oid, u.attnum::int2, 'SELECT')`,
		[sequence],
	);
	return result.rows;
}
