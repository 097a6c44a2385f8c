/**
 * Issue 9 item 8: production databases are often reached through PgBouncer in transaction mode.
 * The run's PgBouncer (test/support/pgbouncer.ts: pool_mode = transaction, a small pool, no
 * ignore_startup_parameters) stands in front of the target, and in front of the source too.
 */
import {beforeEach, describe, expect, test} from 'vitest';
import pg from 'pg';
import {clusterInfo, poolerInfo, throughPooler, type TestDatabase, pairPerTest} from '../support/databases.js';
import {expectedCounts, type ExpectedCounts} from '../support/oracle.js';
import {loadSchool, oracleCounts, schoolChecksums} from '../support/school.js';
import {runBuiltCli as runCli} from '../support/built-cli.js';
import {schoolKeys} from '../../source/sample/school-schema.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncMode} from '../../source/core/plan/types.js';
import type {Endpoint} from '../../source/core/connection/endpoint.js';
import {UserError} from '../../source/core/errors.js';

const pooler = poolerInfo();
/** Its auth file and admin_users name the cluster's own user. */
const cluster = clusterInfo()!;
const pooled = (db: TestDatabase) => throughPooler(db).endpoint;
const checksums = (db: TestDatabase) => schoolChecksums(db, {includeGenerated: true});

async function preview(from: Endpoint, to: Endpoint, mode: SyncMode, tables: string[] = []) {
	const session = await SyncSession.open(from, to, {schemas: ['public'], allSchemas: false});
	try {
		const plan = session.plan({tables, exclude: []}, {...defaultSyncOptions, mode, maxDeleteRatio: 1});
		return {plan, preview: await session.preview(plan)};
	} finally {
		await session.close();
	}
}

async function sync(from: Endpoint, to: Endpoint, mode: SyncMode, tables: string[] = []) {
	const session = await SyncSession.open(from, to, {schemas: ['public'], allSchemas: false});
	try {
		const plan = session.plan({tables, exclude: []}, {...defaultSyncOptions, mode, maxDeleteRatio: 1});
		const counted = await session.preview(plan);
		const result = await session.apply(plan, {expected: counted});
		return {plan, preview: counted, result};
	} finally {
		await session.close();
	}
}

/** Preview = oracle, applied = preview, contents as the mode promises, and a second run writes nothing. */
async function checkMode(
	source: TestDatabase,
	target: TestDatabase,
	from: Endpoint,
	to: Endpoint,
	mode: 'upsert' | 'mirror',
) {
	const expected = await oracleCounts(source, target, mode);
	const sourceBefore = await checksums(source);
	const auditBefore = Number((await target.client.query('SELECT count(*) FROM public.audit_sync')).rows[0].count);

	const {plan, preview: counted, result} = await sync(from, to, mode);
	expect(plan.findings.filter((finding) => finding.severity === 'blocking')).toEqual([]);
	expect(counted.tables.map((counts) => counts.table).sort()).toEqual(Object.keys(expected).sort());
	for (const counts of counted.tables) {
		expect({
			table: counts.table,
			insert: counts.insert,
			update: counts.update,
			skip: counts.skip,
			delete: counts.delete,
			differing: counts.differing,
		}).toEqual({table: counts.table, ...expected[counts.table]});
	}
	for (const applied of result.tables) {
		const counts = counted.tables.find((table) => table.table === applied.table)!;
		expect({
			table: applied.table,
			inserted: applied.inserted,
			updated: applied.updated,
			skipped: applied.skipped,
			deleted: applied.deleted,
		}).toEqual({
			table: applied.table,
			inserted: counts.insert,
			updated: counts.update,
			skipped: counts.skip,
			deleted: counts.delete,
		});
	}
	expect(result.committed).toBe(true);
	const written = counted.tables.reduce((sum, table) => sum + table.insert + table.update + table.delete, 0);
	expect(written, 'the fixture must give the sync something to do').toBeGreaterThan(0);

	const after = await oracleCounts(source, target, mode);
	for (const [table, counts] of Object.entries(after)) {
		expect([table, counts.insert, counts.differing], `${table} still differs`).toEqual([table, 0, 0]);
		if (mode === 'mirror') expect([table, counts.delete]).toEqual([table, 0]);
	}
	if (mode === 'upsert')
		expect(
			(await expectedCounts(source.client, target.client, 'public.users', schoolKeys.users, [])).delete,
			'target-only rows are kept outside mirror',
		).toBeGreaterThan(0);
	if (mode === 'mirror') expect(await checksums(target)).toEqual(sourceBefore);
	expect(await checksums(source)).toEqual(sourceBefore);
	const resultats = result.tables.find((table) => table.table === 'public.resultats')!;
	const auditAfter = Number((await target.client.query('SELECT count(*) FROM public.audit_sync')).rows[0].count);
	expect(auditAfter - auditBefore, 'the target trigger fired once per written resultats row').toBe(
		resultats.inserted + resultats.updated,
	);

	const synced = await checksums(target);
	const again = await sync(from, to, mode);
	for (const table of again.result.tables)
		expect([table.table, table.inserted, table.updated, table.deleted]).toEqual([table.table, 0, 0, 0]);
	expect(await checksums(target)).toEqual(synced);
}

/** A plain node-postgres client through the pooler: what every other user of the pool is. */
function pooledClient(db: TestDatabase, config: pg.ClientConfig = {}): pg.Client {
	const client = new pg.Client({connectionString: throughPooler(db).url, ...config});
	client.on('error', () => {});
	return client;
}

interface ServerSession {
	pid: number;
	settings: Record<string, string>;
	prepared: string[];
	channels: string[];
	tempTables: number;
}

// Loading plpgsql first makes its settings (plpgsql.*) listed on every side alike.
const loadPlpgsql = 'DO $$BEGIN END$$';
const sessionQuery = `SELECT pg_backend_pid() AS pid,
	(SELECT json_object_agg(name, setting ORDER BY name) FROM pg_settings) AS settings,
	ARRAY(SELECT name FROM pg_prepared_statements ORDER BY name) AS prepared,
	ARRAY(SELECT pg_listening_channels()) AS channels,
	(SELECT count(*)::int FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS "tempTables"`;

/**
 * application_name is PgBouncer's to manage: it sets a client's own on the server connection it
 * lends, and leaves the previous one for a client that sends none. The inspectors send theirs.
 */
const inspectorName = 'pooler-inspector';

/** One command on PgBouncer's admin console (the virtual database `pgbouncer`). */
async function poolerConsole(command: string): Promise<Array<Record<string, unknown>>> {
	const admin = new pg.Client({
		host: pooler!.host,
		port: pooler!.port,
		user: cluster.user,
		password: cluster.password,
		database: 'pgbouncer',
	});
	await admin.connect();
	try {
		return (await admin.query(command)).rows;
	} finally {
		await admin.end();
	}
}

/** What a brand-new session of the server looks like, over a direct connection. */
async function serverDefaults(db: TestDatabase): Promise<ServerSession> {
	const client = new pg.Client({
		host: db.endpoint.host,
		port: db.endpoint.port,
		user: db.endpoint.user,
		password: db.endpoint.password,
		database: db.name,
		application_name: inspectorName,
	});
	await client.connect();
	try {
		await client.query('BEGIN');
		await client.query(loadPlpgsql);
		return (await client.query<ServerSession>(sessionQuery)).rows[0]!;
	} finally {
		await client.end();
	}
}

/**
 * Every server connection of the database's pool, as a plain client meets it. Holding one open
 * transaction per pool slot pins each server connection to one client, so all of them are seen.
 */
async function pooledSessions(db: TestDatabase): Promise<ServerSession[]> {
	const clients = Array.from({length: pooler!.poolSize}, () => pooledClient(db, {application_name: inspectorName}));
	try {
		await Promise.all(clients.map((client) => client.connect()));
		await Promise.all(clients.map((client) => client.query('BEGIN')));
		await Promise.all(clients.map((client) => client.query(loadPlpgsql)));
		const sessions = await Promise.all(
			clients.map(async (client) => (await client.query<ServerSession>(sessionQuery)).rows[0]!),
		);
		// No server connection of this database's pool is left out: PgBouncer's own list says which there are.
		const servers = (await poolerConsole('SHOW SERVERS'))
			.filter((row) => row.database === db.name)
			.map((row) => Number(row.remote_pid));
		expect(new Set(sessions.map((session) => session.pid)).size).toBe(clients.length);
		expect(servers.sort()).toEqual(sessions.map((session) => session.pid).sort());
		await Promise.all(clients.map((client) => client.query('COMMIT')));
		return sessions;
	} finally {
		await Promise.all(clients.map((client) => client.end().catch(() => {})));
	}
}

/** Session state differing from a new session's: {setting: [default, met]}, plus leftover objects. */
async function leftovers(db: TestDatabase) {
	const defaults = await serverDefaults(db);
	const found: Array<Record<string, unknown>> = [];
	for (const session of await pooledSessions(db)) {
		const names = new Set([...Object.keys(defaults.settings), ...Object.keys(session.settings)]);
		const settings = Object.fromEntries(
			[...names]
				.filter((name) => defaults.settings[name] !== session.settings[name])
				.map((name) => [name, [defaults.settings[name], session.settings[name]]]),
		);
		const state = {
			...(Object.keys(settings).length > 0 ? {settings} : {}),
			...(session.prepared.length > 0 ? {prepared: session.prepared} : {}),
			...(session.channels.length > 0 ? {channels: session.channels} : {}),
			...(session.tempTables > 0 ? {tempTables: session.tempTables} : {}),
		};
		if (Object.keys(state).length > 0) found.push({pid: session.pid, ...state});
	}
	// Temp tables and advisory locks of any session in this database, seen from outside.
	const {rows} = await db.client.query<{temp: number; advisory: number}>(
		`SELECT (SELECT count(*)::int FROM pg_class WHERE relpersistence = 't') AS temp,
		        (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = $1)) AS advisory`,
		[db.name],
	);
	if (rows[0]!.temp > 0) found.push({tempTablesInDatabase: rows[0]!.temp});
	if (rows[0]!.advisory > 0) found.push({advisoryLocks: rows[0]!.advisory});
	return found;
}

describe.runIf(pooler)('through PgBouncer in transaction mode', () => {
	const pair = pairPerTest();
	beforeEach(async () => {
		await loadSchool(pair.source, pair.target);
	});

	test('the harness: a plain client gets through, the pool is in transaction mode, a startup `options` is refused', async () => {
		const client = pooledClient(pair.target);
		await client.connect();
		expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe(pair.target.name);
		await client.end();

		const pools = (await poolerConsole('SHOW POOLS')).filter((row) => row.database === pair.target.name);
		expect(pools.map((row) => row.pool_mode)).toEqual(['transaction']);

		// What production poolers do with libpq's `options`: the reason pgconvoy must not send it.
		const withOptions = pooledClient(pair.target, {options: '-c search_path=pg_catalog'});
		await expect(withOptions.connect()).rejects.toThrow(/unsupported startup parameter: options/);
		await withOptions.end().catch(() => {});
	});

	test('the leak check sees session state a client leaves in the pool', async () => {
		expect(await leftovers(pair.target)).toEqual([]);
		const careless = pooledClient(pair.target);
		await careless.connect();
		await careless.query(`SET statement_timeout = '1234ms'`);
		await careless.query('PREPARE careless_statement AS SELECT 1');
		await careless.query('CREATE TEMP TABLE careless_temp (x int)');
		await careless.end();
		const found = await leftovers(pair.target);
		expect(found).toEqual(
			expect.arrayContaining([
				expect.objectContaining({settings: expect.objectContaining({statement_timeout: ['0', '1234']})}),
				expect.objectContaining({prepared: ['careless_statement']}),
				{tempTablesInDatabase: 1},
			]),
		);
	});

	test('dry run into a pooled target: counts equal the oracle and the target is untouched', async () => {
		const expected = await oracleCounts(pair.source, pair.target, 'upsert');
		const before = await checksums(pair.target);
		const {plan, preview: counted} = await preview(pair.source.endpoint, pooled(pair.target), 'upsert');
		expect(plan.findings.filter((finding) => finding.severity === 'blocking')).toEqual([]);
		expect(counted.tables.map((counts) => counts.table).sort()).toEqual(Object.keys(expected).sort());
		for (const counts of counted.tables) {
			expect({
				table: counts.table,
				insert: counts.insert,
				update: counts.update,
				skip: counts.skip,
				delete: counts.delete,
				differing: counts.differing,
			}).toEqual({table: counts.table, ...expected[counts.table]});
		}
		expect(await checksums(pair.target)).toEqual(before);
	});

	test.each(['upsert', 'mirror'] as const)('%s into a pooled target', async (mode) => {
		await checkMode(pair.source, pair.target, pair.source.endpoint, pooled(pair.target), mode);
	});

	test('mirror with the source behind PgBouncer too: the target ends identical to the source', async () => {
		await checkMode(pair.source, pair.target, pooled(pair.source), pooled(pair.target), 'mirror');
	});

	test('a failed sync through the pooler (FK violation) leaves the target byte-identical and the pool clean', async () => {
		// A class of a level the target will not get: `niveaux` is left out of the selection.
		await pair.source.client.query(`
			INSERT INTO public.niveaux (id, code, libelle, ordre) VALUES (9001, 'PGB-FK', 'Niveau source seulement', 99);
			INSERT INTO public.classes (id, nom, niveau_id, annee_scolaire) VALUES (9001, 'Classe orpheline', 9001, '2099-2100');`);
		const before = await checksums(pair.target);
		const failure = await sync(pair.source.endpoint, pooled(pair.target), 'upsert', [
			'matieres',
			'users',
			'classes',
		]).then(
			() => undefined,
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(UserError);
		expect((failure as UserError).code).toBe('apply-failed');
		expect((failure as UserError).message).toMatch(/Foreign key violation.* while writing public\.classes/);
		expect((failure as UserError).message).toContain('(niveau_id)=(9001)');
		expect(await checksums(pair.target)).toEqual(before);
		expect(await leftovers(pair.target)).toEqual([]);
	});

	test("pgconvoy's session state stays in its transactions: other clients of the pool meet the server's defaults", async () => {
		await sync(pooled(pair.source), pooled(pair.target), 'upsert');
		await preview(pooled(pair.source), pooled(pair.target), 'mirror');
		expect(await leftovers(pair.target)).toEqual([]);
		expect(await leftovers(pair.source)).toEqual([]);
		// The settings pgconvoy pins, read the way a user would, against a new direct session's.
		const names = [
			'search_path',
			'statement_timeout',
			'lock_timeout',
			'TimeZone',
			'DateStyle',
			'IntervalStyle',
			'extra_float_digits',
			'bytea_output',
			'work_mem',
			'row_security',
		];
		const show = async (client: pg.Client) => {
			await client.connect();
			const values: Record<string, unknown> = {};
			for (const name of names) values[name] = Object.values((await client.query(`SHOW ${name}`)).rows[0])[0];
			await client.end();
			return values;
		};
		const shown = await show(pooledClient(pair.target));
		const direct = await show(new pg.Client({connectionString: pair.target.url}));
		expect(shown).toEqual(direct);
	});

	test('the built CLI: sync --to <url through PgBouncer> --mode upsert, dry run then apply', async () => {
		const to = throughPooler(pair.target).url;
		const expected = await oracleCounts(pair.source, pair.target, 'upsert');
		const dry = await runCli([
			'sync',
			'--from',
			pair.source.url,
			'--to',
			to,
			'--mode',
			'upsert',
			'--dry-run',
			'--json',
		]);
		expect(dry.code, dry.stdout + dry.stderr).toBe(0);
		const report = JSON.parse(dry.stdout) as {tables: Array<{table: string} & ExpectedCounts>};
		for (const {table, insert, update, skip, delete: deleted, differing} of report.tables)
			expect({table, insert, update, skip, delete: deleted, differing}).toEqual({table, ...expected[table]});

		const run = await runCli(['sync', '--from', pair.source.url, '--to', to, '--mode', 'upsert', '--yes', '--json']);
		expect(run.code, run.stdout + run.stderr).toBe(0);
		const applied = JSON.parse(run.stdout) as {
			committed: boolean;
			tables: Array<{table: string; inserted: number; updated: number; deleted: number}>;
		};
		expect(applied.committed).toBe(true);
		for (const {table, inserted, updated, deleted} of applied.tables)
			expect({table, inserted, updated, deleted}).toEqual({
				table,
				inserted: expected[table]!.insert,
				updated: expected[table]!.update,
				deleted: 0,
			});
		for (const [table, counts] of Object.entries(await oracleCounts(pair.source, pair.target, 'upsert')))
			expect([table, counts.insert, counts.differing]).toEqual([table, 0, 0]);
		expect(run.stdout + run.stderr).not.toContain(`:${pair.target.endpoint.password}@`);
	});
});
