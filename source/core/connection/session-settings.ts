import type pg from 'pg';

/**
 * Formatting pinned identically on both sides wherever pgconvoy reads values to compare them, so
 * the same value yields the same text (and format_type() the same qualified names) on both servers.
 * Never in force while the target writes: triggers, defaults, domain and check constraints must see
 * the role's own search_path and settings, as the application's sessions do.
 */
export const comparisonSettings: Readonly<Record<string, string>> = {
	search_path: 'pg_catalog',
	timezone: 'UTC',
	datestyle: 'ISO',
	intervalstyle: 'postgres',
	extra_float_digits: '3',
	bytea_output: 'hex',
	// A sort of a few hundred thousand keys should not spill to disk.
	work_mem: '64MB',
};

/**
 * In every transaction, reads and writes, because they decide how pgconvoy's own bytes are read:
 * node-postgres decodes and encodes UTF-8 (it sends no client_encoding at startup), COPY data from
 * the source is UTF-8, and the key lists inlined as string literals assume standard conforming
 * strings (a role default of `off` would read their backslashes as escapes).
 */
export const encodingSettings: Readonly<Record<string, string>> = {
	client_encoding: 'UTF8',
	standard_conforming_strings: 'on',
};

/**
 * Role or database defaults that would end a long sync part-way (`ALTER ROLE app SET
 * transaction_timeout = '1s'` is common on production roles). `transaction_timeout` exists from
 * PostgreSQL 17; settings a server lacks are skipped (see setLocal).
 */
export function longRunSettings(timeouts: {statementTimeoutMs: number; lockTimeoutMs: number}): Record<string, string> {
	return {
		statement_timeout: `${timeouts.statementTimeoutMs}ms`,
		lock_timeout: `${timeouts.lockTimeoutMs}ms`,
		idle_in_transaction_session_timeout: '0',
		transaction_timeout: '0',
	};
}

/**
 * Sets each setting for the current transaction only (`set_config(name, value, true)`, i.e. SET
 * LOCAL) in one round trip, and returns the values they replace. Transaction-scoped on purpose:
 * through a pooler in transaction mode (PgBouncer) session state would leak to other clients, and
 * the startup `options` parameter is refused ("unsupported startup parameter: options"). Names the
 * server does not know are skipped, so one list serves PostgreSQL 13 to 18. Must run inside BEGIN.
 */
export async function setLocal(
	client: pg.ClientBase,
	settings: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
	const names = Object.keys(settings);
	const result = await client.query<{name: string; previous: string}>(
		`SELECT v.name, pg_catalog.current_setting(v.name) AS previous, pg_catalog.set_config(v.name, v.value, true) AS applied
		   FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) AS v(name, value)
		  WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_settings s WHERE pg_catalog.lower(s.name) = pg_catalog.lower(v.name))`,
		[names, names.map((name) => settings[name]!)],
	);
	return Object.fromEntries(result.rows.map((row) => [row.name, row.previous]));
}

/**
 * Runs `read` with the comparison settings, then puts the transaction's previous values back, so
 * writes that follow in the same transaction run under the role's own settings again.
 */
export async function withComparisonSettings<T>(client: pg.ClientBase, read: () => Promise<T>): Promise<T> {
	const previous = await setLocal(client, comparisonSettings);
	const result = await read();
	await setLocal(client, previous);
	return result;
}
