import type pg from 'pg';
import {quoteIdent} from '../catalog/names.js';

export interface JournalColumn {
	name: string;
	type: string;
	send?: string;
}

/** One table as the journal writes its rows back: what a pre-image holds and how rows are matched. */
export interface TableShape {
	/** `schema.name` as pgconvoy names tables (see tableId). */
	id: string;
	/** Quoted, schema-qualified: ready for SQL. */
	relation: string;
	/** relkind 'p': read and written without ONLY. */
	partitioned: boolean;
	/**
	 * Every column a row can be written back with (not generated), in attnum order, with format_type()
	 * and its type's binary send function (schema-qualified; absent for the rare type without one).
	 */
	columns: JournalColumn[];
	/** The primary key's columns, else the first unique index on NOT NULL columns; empty when neither exists. */
	key: string[];
	/** GENERATED ALWAYS AS IDENTITY columns: re-inserted with OVERRIDING SYSTEM VALUE, never updated. */
	identityAlways: string[];
	/** Each key column's equality operator, schema-qualified (citext's `=` lives in its extension's schema). */
	keyEquality: string[];
}

/**
 * Reads a table's shape from the catalog of the connected database (any schema, not only the ones
 * a sync selected: ON DELETE CASCADE reaches wherever foreign keys lead).
 * Throws when the relation does not exist. Source: pg_attribute, pg_index, pg_opclass (btree default).
 */
export async function readTableShape(client: pg.ClientBase, id: string, relation: string): Promise<TableShape> {
	const result = await client.query<{
		partitioned: boolean;
		columns: Array<{
			name: string;
			type: string;
			send: string | null;
			identity: string;
			key_position: number | null;
			equality: string | null;
		}>;
	}>(
		`WITH rel AS (SELECT $1::pg_catalog.regclass AS oid),
		      key AS (
		        SELECT i.indkey::int2[] AS columns FROM pg_catalog.pg_index i, rel
		         WHERE i.indrelid = rel.oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid
		           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = rel.oid AND a.attnum = ANY(i.indkey::int2[]) AND NOT a.attnotnull)
		         ORDER BY i.indisprimary DESC, pg_catalog.array_length(i.indkey::int2[], 1), i.indexrelid LIMIT 1)
		 SELECT (SELECT c.relkind = 'p' FROM pg_catalog.pg_class c, rel WHERE c.oid = rel.oid) AS partitioned,
		        coalesce((SELECT json_agg(json_build_object(
		                   'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod), 'identity', a.attidentity,
		                   'send', (SELECT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(sp.proname)
		                              FROM pg_catalog.pg_type st JOIN pg_catalog.pg_proc sp ON sp.oid = st.typsend JOIN pg_catalog.pg_namespace sn ON sn.oid = sp.pronamespace
		                             WHERE st.oid = a.atttypid),
		                   'key_position', pg_catalog.array_position((SELECT columns FROM key), a.attnum),
		                   'equality', (SELECT 'OPERATOR(' || pg_catalog.quote_ident(n.nspname) || '.' || o.oprname || ')'
		                                  FROM pg_catalog.pg_opclass oc
		                                  JOIN pg_catalog.pg_amop ao ON ao.amopfamily = oc.opcfamily AND ao.amopstrategy = 3 AND ao.amoplefttype = oc.opcintype AND ao.amoprighttype = oc.opcintype
		                                  JOIN pg_catalog.pg_operator o ON o.oid = ao.amopopr JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
		                                 WHERE oc.opcmethod = (SELECT oid FROM pg_catalog.pg_am WHERE amname = 'btree') AND oc.opcdefault
		                                   AND oc.opcintype = coalesce(NULLIF((SELECT t.typbasetype FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid), 0), a.atttypid) LIMIT 1))
		                   ORDER BY a.attnum)
		                  FROM pg_catalog.pg_attribute a, rel
		                 WHERE a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), '[]') AS columns`,
		[relation],
	);
	const row = result.rows[0]!;
	const keyColumns = row.columns
		.filter((column) => column.key_position !== null)
		.sort((a, b) => a.key_position! - b.key_position!);
	return {
		id,
		relation,
		partitioned: row.partitioned,
		columns: row.columns.map(({name, type, send}) => ({name, type, ...(send ? {send} : {})})),
		key: keyColumns.map((column) => column.name),
		identityAlways: row.columns.filter((column) => column.identity === 'a').map((column) => column.name),
		keyEquality: keyColumns.map((column) => column.equality ?? '='),
	};
}

/** `ONLY rel` for a plain table (INHERITS children are other tables), `rel` for a partitioned one. */
export const scanOf = (shape: Pick<TableShape, 'relation' | 'partitioned'>) =>
	`${shape.partitioned ? '' : 'ONLY '}${shape.relation}`;

/** `a.k1 OPERATOR(…=) b.k1 AND …`: the same key, by each key column's own equality. */
export const keyMatchOf = (shape: Pick<TableShape, 'key' | 'keyEquality'>, left: string, right: string) =>
	shape.key
		.map((name, index) => `${left}.${quoteIdent(name)} ${shape.keyEquality[index]} ${right}.${quoteIdent(name)}`)
		.join(' AND ');

/** The column list, quoted, optionally prefixed by an alias. */
export const columnList = (names: readonly string[], alias?: string) =>
	names.map((name) => `${alias ? `${alias}.` : ''}${quoteIdent(name)}`).join(', ');

/**
 * A row's fingerprint, as text: what tells at the undo whether a row is still what the run wrote.
 * The row of its columns' binary send forms, hashed with hash_record_extended (PostgreSQL 14+):
 * exact (1.5 and 1.50 differ), independent of every setting, about 1 s per million rows (md5 over
 * the text form took 7). Extended hash functions are stable across major versions: hash
 * partitioning relies on it. Source: PostgreSQL docs, "Hash partitioning"; src/backend/utils/adt/rowtypes.c.
 */
export function rowFingerprintSql(shape: Pick<TableShape, 'columns'>, alias: string): string {
	const forms = shape.columns.map((column) =>
		column.send ? `${column.send}(${alias}.${quoteIdent(column.name)})` : `${alias}.${quoteIdent(column.name)}::text`,
	);
	return `pg_catalog.hash_record_extended(ROW(${forms.join(', ')}), 0)::text`;
}

/** Why this server cannot keep a journal, if it cannot: hash_record_extended came with PostgreSQL 14. */
export async function journalUnsupported(client: pg.ClientBase): Promise<string | undefined> {
	const version = Number(
		(await client.query<{version: string}>(`SELECT pg_catalog.current_setting('server_version_num') AS version`))
			.rows[0]!.version,
	);
	return version >= 140000
		? undefined
		: 'the target runs PostgreSQL 13 or older, which cannot fingerprint rows (hash_record_extended came with 14)';
}
