/**
 * An independent test oracle: what a sync *should* do, computed the dumbest possible way
 * (whole tables read into memory, rows compared as JSON text). It shares no code with the engine.
 * For small tables only.
 */
import type pg from 'pg';

type Client = pg.Client | pg.PoolClient;

/** `schema.table` (split at the first dot; no dot → public), or explicit parts for names holding dots. */
export type TableRef = string | {schema: string; name: string};

export interface ExpectedCounts {
	/** Keys only in the source. */
	insert: number;
	/** Keys in both whose compared columns differ (same as `differing`). */
	update: number;
	/** Keys in both. */
	skip: number;
	/** Keys only in the target. */
	delete: number;
	differing: number;
}

export type SyncMode = 'insert' | 'upsert' | 'mirror';

export function quoteIdent(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

function tableParts(table: TableRef): {schema: string; name: string} {
	if (typeof table !== 'string') return table;
	const dot = table.indexOf('.');
	return dot === -1 ? {schema: 'public', name: table} : {schema: table.slice(0, dot), name: table.slice(dot + 1)};
}

function qualified(table: TableRef): string {
	const {schema, name} = tableParts(table);
	return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** JSON text of the given columns of alias `t`, or of the whole row; row_to_json has no 100-argument limit. */
function rowJson(columns?: string[]): string {
	if (!columns) return 'row_to_json(t)::text';
	return `(SELECT row_to_json(c)::text FROM (SELECT ${columns.map((column) => `t.${quoteIdent(column)}`).join(', ')}) c)`;
}

function keyJson(keyColumns: string[]): string {
	return keyColumns.length === 0
		? `''`
		: `json_build_array(${keyColumns.map((column) => `t.${quoteIdent(column)}`).join(', ')})::text`;
}

/**
 * Text forms of timestamptz, floats and intervals depend on session settings: pin them while the
 * oracle reads so two sessions (or two servers) render equal values identically, then put them back.
 */
async function withPinnedSettings<T>(client: Client, work: () => Promise<T>): Promise<T> {
	const pinned: Record<string, string> = {
		TimeZone: 'UTC',
		extra_float_digits: '3',
		IntervalStyle: 'postgres',
		DateStyle: 'ISO, MDY',
	};
	const names = Object.keys(pinned);
	const previous = (
		await client.query<{name: string; setting: string}>(
			`SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`,
			[names],
		)
	).rows;
	await client.query(`SELECT set_config(name, value, false) FROM unnest($1::text[], $2::text[]) AS s(name, value)`, [
		names,
		Object.values(pinned),
	]);
	try {
		return await work();
	} finally {
		await client.query(
			`SELECT set_config(name, setting, false) FROM unnest($1::text[], $2::text[]) AS s(name, setting)`,
			[previous.map((row) => row.name), previous.map((row) => row.setting)],
		);
	}
}

/** Every row as JSON text (of `columns`, default all), keyed by the JSON text of its key. */
export async function tableRows(
	client: Client,
	table: TableRef,
	keyColumns: string[],
	columns?: string[],
): Promise<Map<string, string>> {
	const {rows} = await withPinnedSettings(client, () =>
		client.query<{k: string; v: string}>(
			`SELECT ${keyJson(keyColumns)} AS k, ${rowJson(columns)} AS v FROM ${qualified(table)} t`,
		),
	);
	const byKey = new Map<string, string>();
	for (const row of rows) {
		if (byKey.has(row.k)) throw new Error(`oracle: duplicate key ${row.k} in ${qualified(table)}`);
		byKey.set(row.k, row.v);
	}
	return byKey;
}

/** Column names in table order; generated columns left out unless asked for (a sync never writes them). */
export async function tableColumns(
	client: Client,
	table: TableRef,
	options: {includeGenerated?: boolean} = {},
): Promise<string[]> {
	const {schema, name} = tableParts(table);
	const {rows} = await client.query<{attname: string}>(
		`SELECT a.attname FROM pg_catalog.pg_attribute a
		JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND ($3 OR a.attgenerated = '')
		ORDER BY a.attnum`,
		[schema, name, options.includeGenerated ?? false],
	);
	return rows.map((row) => row.attname);
}

/**
 * What a preview of `table` should report. `columns` are the compared ones: present on both sides and
 * not generated. Without `mode`, raw set sizes (skip = every key in both, update = differing);
 * with a mode, shaped as DESIGN §3: insert mode updates nothing, only mirror deletes, skip = both − update.
 */
export async function expectedCounts(
	sourceClient: Client,
	targetClient: Client,
	table: TableRef,
	keyColumns: string[],
	columns: string[],
	mode?: SyncMode,
): Promise<ExpectedCounts> {
	const source = await tableRows(sourceClient, table, keyColumns, columns);
	const target = await tableRows(targetClient, table, keyColumns, columns);
	let insert = 0;
	let both = 0;
	let differing = 0;
	for (const [key, value] of source) {
		const other = target.get(key);
		if (other === undefined) insert++;
		else {
			both++;
			if (other !== value) differing++;
		}
	}
	const targetOnly = target.size - both;
	if (!mode) return {insert, update: differing, skip: both, delete: targetOnly, differing};
	const update = mode === 'insert' ? 0 : differing;
	return {insert, update, skip: both - update, delete: mode === 'mirror' ? targetOnly : 0, differing};
}

/** md5 of every row (`columns`, default all) as JSON text, in key order; '' rows → md5 of ''. */
export async function tableChecksum(
	client: Client,
	table: TableRef,
	keyColumns: string[],
	columns?: string[],
): Promise<string> {
	// Byte order (COLLATE "C") of the key's JSON text, then of the row: independent of the database's collation.
	const {rows} = await withPinnedSettings(client, () =>
		client.query<{checksum: string}>(
			`SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY k COLLATE "C", r COLLATE "C"), '')) AS checksum
			FROM (SELECT ${keyJson(keyColumns)} AS k, ${rowJson(columns)} AS r FROM ${qualified(table)} t) s`,
		),
	);
	return rows[0].checksum;
}

/** Checksum of every column of each table, keyed as given: proves a database is unchanged. */
export async function databaseChecksums(client: Client, tables: readonly TableRef[]): Promise<Record<string, string>> {
	const checksums: Record<string, string> = {};
	for (const table of tables) {
		// Ordering by the whole row's text needs no key and is still total.
		checksums[typeof table === 'string' ? table : qualified(table)] = await tableChecksum(client, table, []);
	}
	return checksums;
}
