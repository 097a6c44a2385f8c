/**
 * The bench's data: table `public.t` generated on the source, and the target's starting states as
 * template databases on the target server, one of which is copied to `bench_tgt` before every timed run.
 */
import type {EmbeddedCluster} from '../source/support/embedded-cluster.js';
import {copyPipe} from './copy-pipe.js';
import {sql, withClient, type Servers} from './servers.js';

export type Template =
	| 'tpl_empty'
	| 'tpl_same'
	| 'tpl_changed10'
	| 'tpl_allchanged'
	| 'tpl_missing10'
	| 'tpl_changed1'
	| 'scale_tpl_changed1'
	| 'tpl_many_changed10'
	| 'tpl_tiny_changed10'
	| 'tpl_tiny1_changed10';

/** The templates' changes, and the statements that undo them (the floors). */
export const changed10 = (table = 't') =>
	`UPDATE public.${table} SET amount = amount + 1, note = note || 'x' WHERE id % 10 = 0`;
export const unchanged10 = 'UPDATE public.t SET amount = amount - 1, note = left(note, -1) WHERE id % 10 = 0';
const allChanged = 'UPDATE public.t SET qty = qty + 1';
export const allUnchanged = 'UPDATE public.t SET qty = qty - 1';
export const changed1 = `UPDATE public.t SET amount = amount + 1, note = note || 'x' WHERE id % 100 = 0`;

/** The bench's table: bigint PK, uuid, 2 texts, numeric(12,2), int, float8, bool, timestamptz, text. */
export const tableDdl = (table = 't') => `CREATE TABLE public.${table} (
	id bigint NOT NULL,
	uuid uuid NOT NULL,
	name text NOT NULL,
	email text,
	amount numeric(12,2),
	qty integer,
	score double precision,
	active boolean,
	created_at timestamptz,
	note text
)`;

/** Rows `first`..`last`: deterministic (the same on both servers), ~150 bytes per row (pg_column_size), a few NULLs. */
export const generateSql = (first: number, last: number, table = 't') => `INSERT INTO public.${table}
	SELECT g,
	       md5(g::text)::uuid,
	       'customer ' || g,
	       CASE WHEN g % 50 = 0 THEN NULL ELSE 'user' || g || '@example.com' END,
	       ((g * 7919) % 10000000) / 100.0,
	       (g * 31) % 1000,
	       ((g * 2654435761) % 1000003) / 997.0,
	       g % 3 = 0,
	       timestamptz '2020-01-01 00:00:00+00' + g * interval '17 seconds',
	       substr(md5((g * 7)::text) || md5((g * 13)::text), 1, 20 + (g % 20)::int)
	  FROM generate_series(${first}::bigint, ${last}) g`;

/** The target database `bench_tgt`, recreated from a template (outside the timing, before every run). */
export async function resetTarget(servers: Servers, template: Template): Promise<void> {
	await sql(
		servers.target,
		'postgres',
		'DROP DATABASE IF EXISTS bench_tgt WITH (FORCE)',
		`CREATE DATABASE bench_tgt TEMPLATE ${template} STRATEGY FILE_COPY`,
		'CHECKPOINT',
	);
}

/** `database` on the source with `count` generated rows in public.t (and `<database>_mirror` when asked). */
export async function prepareSource(
	source: EmbeddedCluster,
	database: string,
	count: number,
	mirror: boolean,
): Promise<{rowBytes: number; tableMb: number}> {
	await sql(source, 'postgres', `CREATE DATABASE ${database}`);
	await sql(
		source,
		database,
		tableDdl(),
		generateSql(1, count),
		'ALTER TABLE public.t ADD PRIMARY KEY (id)',
		'VACUUM FREEZE ANALYZE public.t',
	);
	if (mirror) {
		// Mirror's source: the same table with every 20th row deleted.
		await sql(source, 'postgres', `CREATE DATABASE ${database}_mirror TEMPLATE ${database} STRATEGY FILE_COPY`);
		await sql(
			source,
			`${database}_mirror`,
			'DELETE FROM public.t WHERE id % 20 = 0',
			'VACUUM FULL public.t',
			'VACUUM FREEZE ANALYZE public.t',
		);
	}
	await sql(source, 'postgres', 'CHECKPOINT');
	return withClient(source, database, async (client) => {
		const sample = await client.query(
			'SELECT avg(pg_column_size(t.*))::float8 AS bytes FROM (SELECT * FROM public.t TABLESAMPLE SYSTEM (5)) t',
		);
		const size = await client.query(`SELECT pg_table_size('public.t')::float8 / 1048576 AS mb`);
		return {rowBytes: Math.round(sample.rows[0].bytes * 10) / 10, tableMb: Math.round(size.rows[0].mb)};
	});
}

/** A template holding the source's rows (binary COPY) and then `change`, vacuumed full and frozen. */
export async function derivedTemplate(
	servers: Servers,
	sourceDb: string,
	name: Template,
	change: string | undefined,
): Promise<void> {
	await sql(servers.target, 'postgres', `CREATE DATABASE ${name} TEMPLATE tpl_empty STRATEGY FILE_COPY`);
	await copyPipe(servers, sourceDb, name, true);
	await sql(
		servers.target,
		name,
		...(change ? [change, 'VACUUM FULL public.t'] : []),
		'VACUUM FREEZE ANALYZE public.t',
	);
}

export async function prepareTargetTemplates(servers: Servers, withChanged1: boolean): Promise<void> {
	const {target} = servers;
	await sql(target, 'postgres', 'CREATE DATABASE tpl_empty');
	await sql(target, 'tpl_empty', tableDdl(), 'ALTER TABLE public.t ADD PRIMARY KEY (id)', 'ANALYZE public.t');
	await derivedTemplate(servers, 'src', 'tpl_same', undefined);
	const derived: Array<[Template, string]> = [
		['tpl_changed10', changed10()],
		['tpl_allchanged', allChanged],
		['tpl_missing10', 'DELETE FROM public.t WHERE id % 10 = 0'],
		...(withChanged1 ? [['tpl_changed1', changed1] as [Template, string]] : []),
	];
	for (const [name, change] of derived) {
		await sql(target, 'postgres', `CREATE DATABASE ${name} TEMPLATE tpl_same STRATEGY FILE_COPY`);
		await sql(target, name, change, 'VACUUM FULL public.t', 'VACUUM FREEZE ANALYZE public.t');
	}
	await sql(target, 'postgres', 'CHECKPOINT');
}

/**
 * Per table of schema public, in name order: count(*) and bit_xor of every row's hash. Equal on both
 * sides means the same rows in every table.
 */
export async function fingerprint(cluster: EmbeddedCluster, database: string): Promise<string> {
	return withClient(cluster, database, async (client) => {
		// The query is built server-side from the catalog (format %I), so no name is quoted by hand.
		const built = await client.query(
			`SELECT string_agg(format('SELECT %L AS name, count(*)::text || ''/'' || coalesce(bit_xor(hash_record_extended(x, 0)), 0)::text AS f FROM public.%I x', c.relname, c.relname), ' UNION ALL ' ORDER BY c.relname) AS q
			   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
		);
		const query = built.rows[0].q as string | null;
		if (!query) return 'no tables';
		const result = await client.query(`SELECT string_agg(name || ' ' || f, ', ' ORDER BY name) AS f FROM (${query}) s`);
		return result.rows[0].f as string;
	});
}

export interface TableShape {
	columns: string[];
	key: string[];
}

/** public.t's columns and primary key, in order: what the pgsync peer names. */
export async function tableShape(cluster: EmbeddedCluster, database: string): Promise<TableShape> {
	return withClient(cluster, database, async (client) => {
		const columns = await client.query(
			`SELECT attname FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
		);
		const key = await client.query(
			`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = 'public.t'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
		);
		return {
			columns: columns.rows.map((row) => row.attname as string),
			key: key.rows.map((row) => row.attname as string),
		};
	});
}

export const serverMajorOf = (version: string) => Number(/^(\d+)/.exec(version)?.[1]);
