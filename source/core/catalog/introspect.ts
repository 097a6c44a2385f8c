import type pg from 'pg';
import type {Catalog, Column, ForeignKey, Table, UniqueKey} from './types.js';
import {qualifiedName, tableId} from './names.js';

export interface SchemaSelection {
	/** Schemas to read; ignored when allSchemas is set. */
	schemas: string[];
	allSchemas: boolean;
}

const systemSchemaFilter = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`;

/** Reads every table of the chosen schemas, with what the planner needs, in a handful of queries. */
export async function introspectCatalog(client: pg.ClientBase, selection: SchemaSelection): Promise<Catalog> {
	const schemaFilter = selection.allSchemas ? systemSchemaFilter : `n.nspname = ANY($1::text[])`;
	const parameters = selection.allSchemas ? [] : [selection.schemas];
	const info = await client.query<{database: string; version: string; version_number: string}>(
		`SELECT current_database() AS database, current_setting('server_version') AS version, current_setting('server_version_num') AS version_number`,
	);

	const tables = await client.query<{oid: number; schema: string; name: string; kind: string; rls: boolean; estimate: string}>(
		`SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relrowsecurity AS rls,
		        greatest(c.reltuples, 0)::bigint AS estimate
		   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${schemaFilter}
		  ORDER BY n.nspname, c.relname`,
		parameters,
	);
	const oids = tables.rows.map((row) => row.oid);

	const columns = await client.query<{
		table_oid: number; name: string; type: string; type_oid: number; not_null: boolean; has_default: boolean;
		generated: string; identity: string; built_in: boolean; hashable: boolean; integer: boolean; text_like: boolean;
	}>(
		`WITH cols AS (
		   SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.attnotnull, a.atthasdef, a.attgenerated, a.attidentity,
		          -- domains behave as their base type
		          coalesce(nullif(t.typbasetype, 0), t.oid) AS base_oid
		     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped)
		 SELECT c.attrelid AS table_oid, c.attname AS name, format_type(c.atttypid, NULL) AS type, c.atttypid AS type_oid,
		        c.attnotnull AS not_null, c.atthasdef AS has_default, c.attgenerated AS generated, c.attidentity AS identity,
		        (b.oid < 16384 AND (b.typelem = 0 OR b.typelem < 16384)) AS built_in,
		        -- hash_record_extended and row "=" need a default hash opclass; enums hash by OID, which differs per database
		        (b.typtype = 'b' AND EXISTS (
		           SELECT 1 FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod
		            WHERE m.amname = 'hash' AND o.opcdefault
		              AND (o.opcintype = b.oid OR (b.typelem <> 0 AND o.opcintype = 'anyarray'::regtype
		                   AND EXISTS (SELECT 1 FROM pg_type e JOIN pg_opclass eo ON eo.opcintype = e.oid AND eo.opcdefault AND eo.opcmethod = m.oid
		                                WHERE e.oid = b.typelem AND e.typtype = 'b'))))) AS hashable,
		        b.oid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AS integer,
		        b.oid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'name'::regtype) AS text_like
		   FROM cols c JOIN pg_type b ON b.oid = c.base_oid
		  ORDER BY c.attrelid, c.attnum`,
		[oids],
	);

	const keys = await client.query<{table_oid: number; name: string; primary: boolean; columns: string[]}>(
		`SELECT i.indrelid AS table_oid, ic.relname AS name, i.indisprimary AS primary,
		        array(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, position)
		                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS columns
		   FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
		  WHERE i.indrelid = ANY($1::oid[]) AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
		    -- a usable key: every column NOT NULL (NULLs never conflict, so they cannot identify a row)
		    AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k(attnum) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE NOT a.attnotnull)
		  ORDER BY i.indisprimary DESC, array_length(i.indkey::int2[], 1), ic.relname`,
		[oids],
	);

	const foreignKeys = await client.query<{
		table_oid: number; name: string; columns: string[]; ref_schema: string; ref_name: string; ref_columns: string[];
		deferrable: boolean; on_delete: ForeignKey['onDelete'];
	}>(
		`SELECT con.conrelid AS table_oid, con.conname AS name,
		        array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, position)
		                JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS columns,
		        rn.nspname AS ref_schema, rc.relname AS ref_name,
		        array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, position)
		                JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS ref_columns,
		        con.condeferrable AS deferrable, con.confdeltype AS on_delete
		   FROM pg_constraint con
		   JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
		  WHERE con.contype = 'f' AND con.conrelid = ANY($1::oid[]) AND con.conparentid = 0
		  ORDER BY con.conname`,
		[oids],
	);

	const sequences = await client.query<{table_oid: number; column: string; schema: string; name: string}>(
		`SELECT d.refobjid AS table_oid, a.attname AS column, sn.nspname AS schema, s.relname AS name
		   FROM pg_depend d
		   JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
		   JOIN pg_namespace sn ON sn.oid = s.relnamespace
		   JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
		    AND d.deptype IN ('a', 'i') AND d.refobjid = ANY($1::oid[])`,
		[oids],
	);

	const triggers = await client.query<{table_oid: number; name: string}>(
		`SELECT tgrelid AS table_oid, tgname AS name FROM pg_trigger
		  WHERE tgrelid = ANY($1::oid[]) AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname`,
		[oids],
	);

	const byOid = new Map<number, Table>();
	const catalogTables = new Map<string, Table>();
	for (const row of tables.rows) {
		const table: Table = {
			id: tableId(row.schema, row.name),
			schema: row.schema,
			name: row.name,
			partitioned: row.kind === 'p',
			columns: [],
			uniqueKeys: [],
			foreignKeys: [],
			sequences: [],
			triggers: [],
			rowSecurity: row.rls,
			estimatedRows: Number(row.estimate),
		};
		byOid.set(row.oid, table);
		catalogTables.set(table.id, table);
	}
	for (const row of columns.rows) {
		const column: Column = {
			name: row.name,
			type: row.type,
			typeOid: row.type_oid,
			builtIn: row.built_in,
			hashable: row.hashable,
			notNull: row.not_null,
			hasDefault: row.has_default,
			generated: row.generated === 's',
			identity: row.identity as Column['identity'],
			integer: row.integer,
			textLike: row.text_like,
		};
		byOid.get(row.table_oid)?.columns.push(column);
	}
	for (const row of keys.rows) {
		const key: UniqueKey = {name: row.name, columns: row.columns, primary: row.primary};
		byOid.get(row.table_oid)?.uniqueKeys.push(key);
	}
	for (const row of foreignKeys.rows) {
		byOid.get(row.table_oid)?.foreignKeys.push({
			name: row.name,
			columns: row.columns,
			references: tableId(row.ref_schema, row.ref_name),
			referencedColumns: row.ref_columns,
			deferrable: row.deferrable,
			onDelete: row.on_delete,
		});
	}
	for (const row of sequences.rows) {
		byOid.get(row.table_oid)?.sequences.push({column: row.column, sequence: qualifiedName(row.schema, row.name)});
	}
	for (const row of triggers.rows) byOid.get(row.table_oid)?.triggers.push(row.name);

	return {
		database: info.rows[0]!.database,
		serverVersion: info.rows[0]!.version,
		serverVersionNumber: Number(info.rows[0]!.version_number),
		tables: catalogTables,
	};
}

