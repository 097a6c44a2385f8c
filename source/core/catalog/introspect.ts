import type pg from 'pg';
import type {Catalog, Column, Comparison, ForeignKey, KeyCanonical, Table, UniqueKey} from './types.js';
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
	const info = await client.query<{
		database: string;
		version: string;
		version_number: string;
		role: string;
		temp: boolean;
		standby: boolean;
		read_only: string;
		max_locks: string;
	}>(
		`SELECT current_database() AS database, current_setting('server_version') AS version, current_setting('server_version_num') AS version_number,
		        current_user AS role, has_database_privilege(current_database(), 'TEMP') AS temp, pg_is_in_recovery() AS standby,
		        current_setting('default_transaction_read_only') AS read_only, current_setting('max_locks_per_transaction') AS max_locks`,
	);

	const tables = await client.query<{
		oid: number;
		schema: string;
		name: string;
		kind: string;
		rls: boolean;
		rls_active: boolean;
		estimate: string;
		can_select: boolean;
		can_insert: boolean;
		can_update: boolean;
		can_delete: boolean;
		lock_footprint: number;
	}>(
		`SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relrowsecurity AS rls,
		        row_security_active(c.oid) AS rls_active, greatest(c.reltuples, 0)::bigint AS estimate,
		        has_table_privilege(c.oid, 'SELECT') AS can_select, has_table_privilege(c.oid, 'INSERT') AS can_insert,
		        has_table_privilege(c.oid, 'UPDATE') AS can_update, has_table_privilege(c.oid, 'DELETE') AS can_delete,
		        (WITH RECURSIVE parts(oid) AS (SELECT c.oid UNION ALL SELECT i.inhrelid FROM pg_inherits i JOIN parts ON i.inhparent = parts.oid JOIN pg_class p ON p.oid = i.inhrelid AND p.relispartition)
		          SELECT count(*)::int + (SELECT count(*)::int FROM pg_index x WHERE x.indrelid IN (SELECT oid FROM parts))
		                 + (SELECT count(*)::int FROM pg_class t WHERE t.oid IN (SELECT reltoastrelid FROM pg_class WHERE oid IN (SELECT oid FROM parts)))
		             FROM parts) AS lock_footprint
		   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${schemaFilter}
		  ORDER BY n.nspname, c.relname`,
		parameters,
	);
	const oids = tables.rows.map((row) => row.oid);
	const others = await client.query<{schema: string; name: string; kind: 'v' | 'm' | 'f'}>(
		`SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind
		   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		  WHERE c.relkind IN ('v', 'm', 'f') AND ${schemaFilter}`,
		parameters,
	);

	const columns = await client.query<ColumnRow>(columnsSql, [oids]);
	const equalImage = await evaluateEqualImage(client, columns.rows);

	const serverVersion = Number(info.rows[0]!.version_number);
	const keys = await client.query<{
		table_oid: number;
		name: string;
		primary: boolean;
		columns: string[];
		usable: boolean;
		nulls_not_distinct: boolean;
		deferrable: boolean;
	}>(
		`SELECT i.indrelid AS table_oid, ic.relname AS name, i.indisprimary AS primary,
		        array(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, position)
		                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS columns,
		        -- a usable key: every column NOT NULL (NULLs never conflict, so they cannot identify a row)
		        NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k(attnum) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE NOT a.attnotnull) AS usable,
		        ${serverVersion >= 150000 ? 'i.indnullsnotdistinct' : 'false'} AS nulls_not_distinct,
		        coalesce((SELECT con.condeferrable FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u')), false) AS deferrable
		   FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
		  WHERE i.indrelid = ANY($1::oid[]) AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
		  ORDER BY i.indisprimary DESC, array_length(i.indkey::int2[], 1), ic.relname`,
		[oids],
	);

	const foreignKeys = await client.query<{
		table_oid: number;
		name: string;
		columns: string[];
		ref_schema: string;
		ref_name: string;
		ref_columns: string[];
		deferrable: boolean;
		on_delete: ForeignKey['onDelete'];
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

	// Owned by the column (serial: 'a', identity: 'i'; the sequence depends on the column), or named
	// in its DEFAULT nextval() (the pg_attrdef row depends on the sequence: 'n'), e.g. made by hand or shared.
	const sequences = await client.query<{
		table_oid: number;
		column: string;
		schema: string;
		name: string;
		can_update: boolean;
	}>(
		`SELECT DISTINCT u.table_oid, a.attname AS column, sn.nspname AS schema, s.relname AS name,
		        pg_catalog.has_sequence_privilege(s.oid, 'UPDATE') AS can_update
		   FROM (SELECT d.objid AS sequence_oid, d.refobjid AS table_oid, d.refobjsubid AS attnum
		           FROM pg_catalog.pg_depend d
		          WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
		            AND d.deptype IN ('a', 'i') AND d.refobjid = ANY($1::oid[])
		         UNION
		         SELECT d.refobjid, ad.adrelid, ad.adnum
		           FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
		          WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
		            AND d.deptype = 'n' AND ad.adrelid = ANY($1::oid[])) u
		   JOIN pg_catalog.pg_class s ON s.oid = u.sequence_oid AND s.relkind = 'S'
		   JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
		   JOIN pg_catalog.pg_attribute a ON a.attrelid = u.table_oid AND a.attnum = u.attnum AND NOT a.attisdropped`,
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
			uniqueIndexes: [],
			foreignKeys: [],
			sequences: [],
			triggers: [],
			rowSecurity: row.rls,
			rowSecurityActive: row.rls_active,
			privileges: {select: row.can_select, insert: row.can_insert, update: row.can_update, delete: row.can_delete},
			estimatedRows: Number(row.estimate),
		};
		byOid.set(row.oid, table);
		catalogTables.set(table.id, table);
	}
	for (const row of columns.rows) {
		const exactEquality = hasEqualImage(row, equalImage);
		const comparison: Comparison =
			// Enums hash by OID, which differs per database; types without an extended hash cannot be hashed natively.
			exactEquality && row.hashable && row.base_kind !== 'e'
				? 'native'
				: row.send_comparable && row.send_function
					? 'send'
					: 'text';
		const column: Column = {
			name: row.name,
			type: row.type,
			typeWithModifier: row.type_with_modifier,
			baseTypeWithModifier: row.base_type_with_modifier,
			baseType: row.base_type,
			typeOid: row.type_oid,
			builtIn: row.built_in,
			comparison,
			...(row.send_function && row.send_comparable ? {sendFunction: row.send_function} : {}),
			equalImage: exactEquality,
			...(row.equality_operator ? {equalityOperator: row.equality_operator} : {}),
			...(exactEquality ? {} : keyCanonicalFor(row)),
			largeObject: row.large_object,
			isArray: row.is_array,
			...(row.enum_labels ? {enumLabels: row.enum_labels} : {}),
			notNull: row.not_null,
			hasDefault: row.has_default,
			generated: row.generated !== '',
			identity: row.identity as Column['identity'],
			integer: row.integer,
			textLike: row.text_like,
		};
		byOid.get(row.table_oid)?.columns.push(column);
	}
	for (const row of keys.rows) {
		const key: UniqueKey = {name: row.name, columns: row.columns, primary: row.primary};
		if (row.usable) byOid.get(row.table_oid)?.uniqueKeys.push(key);
		byOid
			.get(row.table_oid)
			?.uniqueIndexes.push({...key, nullsNotDistinct: row.nulls_not_distinct, deferrable: row.deferrable});
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
		byOid
			.get(row.table_oid)
			?.sequences.push({column: row.column, sequence: qualifiedName(row.schema, row.name), canUpdate: row.can_update});
	}
	for (const row of triggers.rows) byOid.get(row.table_oid)?.triggers.push(row.name);

	const about = info.rows[0]!;
	return {
		database: about.database,
		role: about.role,
		canCreateTemp: about.temp,
		...(about.standby
			? {readOnly: 'standby' as const}
			: about.read_only === 'on'
				? {readOnly: 'default_transaction_read_only' as const}
				: {}),
		maxLocksPerTransaction: Number(about.max_locks),
		lockFootprint: new Map(tables.rows.map((row) => [tableId(row.schema, row.name), row.lock_footprint])),
		otherRelations: others.rows.map((row) => ({
			id: tableId(row.schema, row.name),
			schema: row.schema,
			name: row.name,
			relkind: row.kind,
		})),
		serverVersion: info.rows[0]!.version,
		serverVersionNumber: Number(info.rows[0]!.version_number),
		tables: catalogTables,
	};
}

interface ColumnRow {
	table_oid: number;
	name: string;
	type: string;
	type_with_modifier: string;
	base_type_with_modifier: string;
	base_type: string;
	type_oid: number;
	base_name: string;
	base_kind: string;
	not_null: boolean;
	has_default: boolean;
	generated: string;
	identity: string;
	built_in: boolean;
	hashable: boolean;
	equal_image_proc: string | null;
	opclass_type: number | null;
	equality_operator: string | null;
	deterministic: boolean;
	send_function: string | null;
	send_comparable: boolean;
	large_object: boolean;
	is_array: boolean;
	enum_labels: string[] | null;
	integer: boolean;
	text_like: boolean;
}

/**
 * One row per column, with what decides how its values are compared (see Comparison). Domains are
 * looked through to their base type. The equal-image support function (btree amproc 4) is looked up
 * in the type's default btree operator class, the type's own first, else one it is binary-coercible
 * to (varchar → text), as PostgreSQL's GetDefaultOpClass does.
 */
const columnsSql = `
	WITH cols AS (
	   SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.atthasdef, a.attgenerated, a.attidentity, a.attcollation,
	          coalesce(nullif(t.typbasetype, 0), t.oid) AS base_oid, CASE WHEN t.typbasetype <> 0 THEN t.typtypmod ELSE a.atttypmod END AS base_typmod, t.typname AS own_name
	     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
	    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped)
	SELECT c.attrelid AS table_oid, c.attname AS name, format_type(c.atttypid, NULL) AS type,
	       format_type(c.atttypid, c.atttypmod) AS type_with_modifier, c.atttypid AS type_oid,
	       CASE WHEN c.base_oid <> c.atttypid THEN format_type(c.base_oid, c.base_typmod) ELSE format_type(c.atttypid, c.atttypmod) END AS base_type_with_modifier,
	       format_type(c.base_oid, NULL) AS base_type,
	       b.typname AS base_name, b.typtype AS base_kind,
	       c.attnotnull AS not_null, c.atthasdef AS has_default, c.attgenerated::text AS generated, c.attidentity::text AS identity,
	       (b.oid < 16384 AND (b.typelem = 0 OR b.typelem < 16384)) AS built_in,
	       EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod AND m.amname = 'hash'
	                 JOIN pg_amproc p ON p.amprocfamily = o.opcfamily AND p.amprocnum = 2
	                WHERE o.opcdefault AND o.opcintype = b.oid) AS hashable,
	       eq.proc AS equal_image_proc, eq.opcintype::int AS opclass_type, eq.equality AS equality_operator,
	       coalesce((SELECT co.collisdeterministic FROM pg_collation co WHERE co.oid = c.attcollation), true) AS deterministic,
	       CASE WHEN b.typsend <> 0 THEN quote_ident(sn.nspname) || '.' || quote_ident(sp.proname) END AS send_function,
	       -- record_send writes column type OIDs, array_send the element type's OID: comparable only when built in
	       (b.typtype <> 'c' AND (b.typcategory <> 'A' OR b.typelem < 16384)) AS send_comparable,
	       (b.oid = 'oid'::regtype OR c.own_name = 'lo') AS large_object,
	       b.typcategory = 'A' AS is_array,
	       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
	         WHERE e.enumtypid = CASE WHEN b.typtype = 'e' THEN b.oid
	                                  WHEN b.typcategory = 'A' THEN (SELECT coalesce(nullif(et.typbasetype, 0), et.oid) FROM pg_type et WHERE et.oid = b.typelem) END) AS enum_labels,
	       b.oid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AS integer,
	       b.oid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'name'::regtype) AS text_like
	  FROM cols c
	  JOIN pg_type b ON b.oid = c.base_oid
	  LEFT JOIN pg_proc sp ON sp.oid = b.typsend
	  LEFT JOIN pg_namespace sn ON sn.oid = sp.pronamespace
	  LEFT JOIN LATERAL (
	       SELECT o.opcintype,
	              (SELECT 'OPERATOR(' || quote_ident(opn.nspname) || '.' || op.oprname || ')'
	                 FROM pg_amop ao JOIN pg_operator op ON op.oid = ao.amopopr JOIN pg_namespace opn ON opn.oid = op.oprnamespace
	                WHERE ao.amopfamily = o.opcfamily AND ao.amopstrategy = 3 AND ao.amoplefttype = o.opcintype AND ao.amoprighttype = o.opcintype) AS equality,
	              (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pp.proname)
	                 FROM pg_amproc ap JOIN pg_proc pp ON pp.oid = ap.amproc JOIN pg_namespace pn ON pn.oid = pp.pronamespace
	                WHERE ap.amprocfamily = o.opcfamily AND ap.amprocnum = 4
	                  AND ap.amproclefttype = o.opcintype AND ap.amprocrighttype = o.opcintype) AS proc
	         FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod AND m.amname = 'btree'
	        WHERE o.opcdefault
	          AND (o.opcintype = b.oid
	               OR (b.typtype = 'e' AND o.opcintype = 'anyenum'::regtype)
	               OR EXISTS (SELECT 1 FROM pg_cast k WHERE k.castsource = b.oid AND k.casttarget = o.opcintype AND k.castmethod = 'b'))
	        ORDER BY o.opcintype = b.oid DESC, o.opcintype = 'text'::regtype DESC
	        LIMIT 1) eq ON true
	 ORDER BY c.attrelid, c.attnum`;

const equalImageCall = (row: Pick<ColumnRow, 'equal_image_proc' | 'opclass_type'>) =>
	`${row.equal_image_proc}(${row.opclass_type}::oid)`;

/**
 * What each equal-image support function says. The two built-in ones are known: btequalimage is
 * always true; btvarstrequalimage is true exactly for a deterministic collation (it reads the call's
 * collation, which SQL cannot pass to a function of an oid, so the collation is looked at directly).
 * An extension's own function is asked, inside a savepoint so that a failing one only means "no".
 * Source: PostgreSQL's nbtree README, "Deduplication", and varlena.c (btvarstrequalimage).
 */
async function evaluateEqualImage(client: pg.ClientBase, rows: ColumnRow[]): Promise<Map<string, boolean>> {
	const known = new Set(['pg_catalog.btequalimage', 'pg_catalog.btvarstrequalimage']);
	const calls = [
		...new Set(
			rows.filter((row) => row.equal_image_proc !== null && !known.has(row.equal_image_proc)).map(equalImageCall),
		),
	];
	const answers = new Map<string, boolean>();
	for (const call of calls) {
		await client.query('SAVEPOINT pgconvoy_equal_image');
		try {
			answers.set(call, (await client.query<{answer: boolean}>(`SELECT ${call} AS answer`)).rows[0]!.answer === true);
			await client.query('RELEASE SAVEPOINT pgconvoy_equal_image');
		} catch {
			await client.query('ROLLBACK TO SAVEPOINT pgconvoy_equal_image');
			answers.set(call, false);
		}
	}
	return answers;
}

function hasEqualImage(row: ColumnRow, answers: Map<string, boolean>): boolean {
	if (row.equal_image_proc === null) return false;
	if (row.equal_image_proc === 'pg_catalog.btequalimage') return true;
	if (row.equal_image_proc === 'pg_catalog.btvarstrequalimage') return row.deterministic;
	return answers.get(equalImageCall(row)) === true;
}

function keyCanonicalFor(row: ColumnRow): {keyCanonical?: KeyCanonical} {
	if (row.base_name === 'citext') return {keyCanonical: 'lower'};
	if (row.base_name === 'numeric' && row.built_in) return {keyCanonical: 'trim-scale'};
	if ((row.base_name === 'float4' || row.base_name === 'float8') && row.built_in) return {keyCanonical: 'float-zero'};
	return {};
}
