/**
 * Issue 9 item 2: writes run under the target's own rules. Triggers, defaults, domain and check
 * constraints are written the way applications write them — names without a schema, resolved through
 * the role's or the database's search_path — and role defaults that would end a long sync
 * (transaction_timeout, idle_in_transaction_session_timeout, statement_timeout) on either side do not.
 */
import {afterEach, describe, expect, test} from 'vitest';
import pg from 'pg';
import {type TestDatabase, pairPerTest} from '../support/databases.js';
import {quoteIdent} from '../support/oracle.js';
import {createRole, grantApplicationRole, syncExactly, type TestRole} from '../support/sync-runs.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {Endpoint} from '../../source/core/connection/endpoint.js';

const pair = pairPerTest();
const roles: TestRole[] = [];
/** Lock holders still open when a test ends (it failed midway): released first, so cleanup is not blocked. */
const openLocks: Array<{release(): Promise<void>}> = [];
afterEach(async () => {
	for (const lock of openLocks.splice(0)) await lock.release().catch(() => {});
	for (const role of roles.splice(0)) await role.drop([pair.source, pair.target]);
});

async function role(prefix: string) {
	const created = await createRole(prefix);
	roles.push(created);
	return created;
}

const products = `CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);`;

describe('an audit trigger that names its table without a schema', () => {
	// Exactly as the issue gives it, as applications write it: no SET search_path on the function.
	const auditTrigger = (events: string) => `
		CREATE TABLE change_log (tbl text, op text);
		CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO change_log VALUES (TG_TABLE_NAME, TG_OP); RETURN NEW; END $$;
		CREATE TRIGGER products_audit AFTER ${events} ON products FOR EACH ROW EXECUTE FUNCTION log_change();`;

	const logged = async () =>
		Object.fromEntries(
			(
				await pair.target.client.query(
					`SELECT tbl || ' ' || op AS what, count(*)::int AS n FROM change_log GROUP BY 1 ORDER BY 1`,
				)
			).rows.map((row) => [row.what, row.n]),
		);

	test('upsert commits and logs exactly one row per written row', async () => {
		await pair.source.client.query(products + `INSERT INTO products VALUES (1, 'pen'), (2, 'ink, blue'), (3, 'paper')`);
		await pair.target.client.query(
			products + `INSERT INTO products VALUES (1, 'pen'), (2, 'ink');` + auditTrigger('INSERT OR UPDATE'),
		);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['products']},
			{'public.products': {insert: 1, update: 1, delete: 0}},
		);
		expect((await pair.target.client.query(`SELECT id, name FROM products ORDER BY id`)).rows).toEqual([
			{id: 1, name: 'pen'},
			{id: 2, name: 'ink, blue'},
			{id: 3, name: 'paper'},
		]);
		// The second run inside syncExactly wrote nothing, so it logged nothing either.
		expect(await logged()).toEqual({'products INSERT': 1, 'products UPDATE': 1});
	});

	test('mirror commits and logs inserts, updates and deletes once each', async () => {
		await pair.source.client.query(products + `INSERT INTO products VALUES (1, 'pen'), (2, 'ink, blue'), (3, 'paper')`);
		await pair.target.client.query(
			products +
				`INSERT INTO products VALUES (1, 'pen'), (2, 'ink'), (9, 'gone');` +
				auditTrigger('INSERT OR UPDATE OR DELETE'),
		);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'mirror', tables: ['products']},
			{'public.products': {insert: 1, update: 1, delete: 1}},
		);
		expect(
			(await pair.target.client.query(`SELECT array_agg(id ORDER BY id) AS ids FROM products`)).rows[0].ids,
		).toEqual([1, 2, 3]);
		expect(await logged()).toEqual({'products DELETE': 1, 'products INSERT': 1, 'products UPDATE': 1});
	});

	test("the trigger and its log in schema app, found through the role's search_path", async () => {
		const app = await role('app');
		await pair.source.client.query(products + `INSERT INTO products VALUES (1, 'pen'), (2, 'ink, blue')`);
		await pair.target.client.query(`
			CREATE SCHEMA app;
			CREATE TABLE app.change_log (tbl text, op text);
			CREATE FUNCTION app.log_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO change_log VALUES (TG_TABLE_NAME, TG_OP); RETURN NEW; END $$;
			${products}
			INSERT INTO products VALUES (2, 'ink');
			CREATE TRIGGER products_audit AFTER INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION app.log_change();`);
		await grantApplicationRole(pair.target, app.name, {schemas: ['public', 'app']});
		await pair.target.client.query(`ALTER ROLE ${quoteIdent(app.name)} SET search_path = app, public`);
		await syncExactly(
			pair.source.endpoint,
			app.endpoint(pair.target),
			{mode: 'upsert', tables: ['products']},
			{'public.products': {insert: 1, update: 1, delete: 0}},
		);
		expect((await pair.target.client.query(`SELECT op FROM app.change_log ORDER BY op`)).rows).toEqual([
			{op: 'INSERT'},
			{op: 'UPDATE'},
		]);
	});
});

describe('defaults, domains and CHECK constraints whose functions name objects without a schema', () => {
	/**
	 * Functions in schema app whose bodies name app's tables and functions without a schema, as
	 * applications write them; the database's search_path (app, public) resolves them.
	 */
	const appSchema = `
		CREATE SCHEMA app;
		CREATE TABLE app.settings (region text NOT NULL, max_amount numeric NOT NULL);
		CREATE TABLE app.allowed_codes (code text PRIMARY KEY);
		INSERT INTO app.allowed_codes VALUES ('A'), ('B'), ('C');
		CREATE FUNCTION app.default_region() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT region FROM settings LIMIT 1); END $$;
		CREATE FUNCTION app.is_allowed(c text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RETURN EXISTS (SELECT 1 FROM allowed_codes WHERE code = c); END $$;
		CREATE FUNCTION app.max_amount() RETURNS numeric LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT max_amount FROM settings LIMIT 1); END $$;
		CREATE FUNCTION app.within_limit(a numeric) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RETURN a <= max_amount(); END $$;
		CREATE DOMAIN app.order_code AS text CHECK (app.is_allowed(VALUE));`;

	async function load(db: TestDatabase, table: string, settings: string) {
		// The fixture writes rows the way the application does: with app on its search_path.
		await db.client.query(
			appSchema + `INSERT INTO app.settings VALUES ${settings}; SET search_path = app, public;` + table,
		);
		await db.client.query(`ALTER DATABASE ${quoteIdent(db.name)} SET search_path = app, public`);
	}

	test('a target-only column whose DEFAULT calls such a function', async () => {
		await load(
			pair.source,
			`CREATE TABLE public.orders (id int PRIMARY KEY, amount numeric NOT NULL); INSERT INTO public.orders VALUES (1, 10), (2, 20), (3, 30);`,
			`('south', 1000)`,
		);
		await load(
			pair.target,
			`CREATE TABLE public.orders (id int PRIMARY KEY, amount numeric NOT NULL, region text NOT NULL DEFAULT app.default_region()); INSERT INTO public.orders VALUES (1, 10, 'west'), (2, 5, 'west');`,
			`('north', 1000)`,
		);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['orders']},
			{'public.orders': {insert: 1, update: 1, delete: 0}},
		);
		expect(
			(await pair.target.client.query(`SELECT id, amount::text, region FROM public.orders ORDER BY id`)).rows,
		).toEqual([
			{id: 1, amount: '10', region: 'west'},
			{id: 2, amount: '20', region: 'west'},
			{id: 3, amount: '30', region: 'north'},
		]);
	});

	test('a domain whose CHECK calls such a function', async () => {
		const table = `CREATE TABLE public.orders (id int PRIMARY KEY, code app.order_code NOT NULL);`;
		await load(
			pair.source,
			table + `INSERT INTO public.orders VALUES (1, 'A'), (2, 'B'), (3, 'C');`,
			`('south', 1000)`,
		);
		await load(pair.target, table + `INSERT INTO public.orders VALUES (1, 'A'), (2, 'A');`, `('north', 1000)`);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['orders']},
			{'public.orders': {insert: 1, update: 1, delete: 0}},
		);
		expect((await pair.target.client.query(`SELECT id, code::text FROM public.orders ORDER BY id`)).rows).toEqual([
			{id: 1, code: 'A'},
			{id: 2, code: 'B'},
			{id: 3, code: 'C'},
		]);
	});

	test('a CHECK constraint that calls such a function', async () => {
		const table = `CREATE TABLE public.orders (id int PRIMARY KEY, amount numeric NOT NULL CONSTRAINT amount_within_limit CHECK (app.within_limit(amount)));`;
		await load(pair.source, table + `INSERT INTO public.orders VALUES (1, 10), (2, 20), (3, 30);`, `('south', 1000)`);
		await load(pair.target, table + `INSERT INTO public.orders VALUES (1, 10), (2, 5);`, `('north', 1000)`);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['orders']},
			{'public.orders': {insert: 1, update: 1, delete: 0}},
		);
		expect((await pair.target.client.query(`SELECT id, amount::text FROM public.orders ORDER BY id`)).rows).toEqual([
			{id: 1, amount: '10'},
			{id: 2, amount: '20'},
			{id: 3, amount: '30'},
		]);
	});
});

/**
 * Two tables, jobs then job_steps (its child). On the target a BEFORE trigger sleeps 0.3 s per written
 * jobs row: writing the 5 new jobs takes 1.5 s in one statement and one transaction, while the source's
 * read transaction (it still has job_steps to read) waits idle.
 */
const jobsSchema = `
	CREATE TABLE jobs (id int PRIMARY KEY, name text NOT NULL);
	CREATE TABLE job_steps (id int PRIMARY KEY, job_id int NOT NULL REFERENCES jobs(id), step text NOT NULL);`;
async function loadJobs(options: {slowTarget: boolean}) {
	await pair.source.client.query(
		jobsSchema +
			`INSERT INTO jobs SELECT g, 'job ' || g FROM generate_series(1, 5) g; INSERT INTO job_steps VALUES (1, 1, 'a'), (2, 5, 'b');`,
	);
	// Rows on both target tables: each is diffed (a stage and set-based writes), not copied whole.
	await pair.target.client.query(
		jobsSchema + `INSERT INTO jobs VALUES (100, 'kept'); INSERT INTO job_steps VALUES (100, 100, 'kept');`,
	);
	if (options.slowTarget) {
		await pair.target.client.query(`
			CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$;
			CREATE TRIGGER jobs_slow BEFORE INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION slow_row();`);
	}
}
const jobsCounts = {
	'public.jobs': {insert: 5, update: 0, delete: 0},
	'public.job_steps': {insert: 2, update: 0, delete: 0},
};
async function expectJobsSynced() {
	expect((await pair.target.client.query(`SELECT array_agg(id ORDER BY id) AS ids FROM jobs`)).rows[0].ids).toEqual([
		1, 2, 3, 4, 5, 100,
	]);
	expect(
		(await pair.target.client.query(`SELECT array_agg(job_id ORDER BY id) AS ids FROM job_steps`)).rows[0].ids,
	).toEqual([1, 5, 100]);
}

/** A session of another client holding ACCESS EXCLUSIVE on `table`, so pgconvoy's read of it waits. */
async function holdLock(db: TestDatabase, table: string) {
	const client = new pg.Client({connectionString: db.url, application_name: 'lock-holder'});
	await client.connect();
	await client.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
	let released = false;
	const lock = {
		async release() {
			if (released) return;
			released = true;
			await client.query('ROLLBACK');
			await client.end();
		},
	};
	openLocks.push(lock);
	return lock;
}

/**
 * Waits until pgconvoy's session of `user` on `db` matches `condition` (SQL over pg_stat_activity), or
 * that session is gone (ended by the server), or `stop()` says the apply is over.
 */
async function waitForSession(
	db: TestDatabase,
	user: string,
	condition: string,
	stop: () => boolean,
): Promise<boolean> {
	let seen = false;
	for (;;) {
		const {rows} = await db.client.query(
			`SELECT count(*)::int AS sessions, count(*) FILTER (WHERE ${condition})::int AS matching
			FROM pg_stat_activity WHERE datname = current_database() AND usename = $1 AND application_name = 'pgconvoy'`,
			[user],
		);
		if (rows[0].matching > 0) return true;
		if (rows[0].sessions > 0) seen = true;
		else if (seen) return false;
		if (stop()) return false;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/**
 * Apply (no preview) while the source's job_steps is locked by another session; release the lock
 * once pgconvoy's session of `user` on `watched` matches `condition`, or has ended, or the apply has.
 */
async function applyWhileSourceLocked(
	sourceEndpoint: Endpoint,
	targetEndpoint: Endpoint,
	watched: TestDatabase,
	user: string,
	condition: string,
) {
	const session = await SyncSession.open(sourceEndpoint, targetEndpoint, {schemas: ['public'], allSchemas: false});
	const plan = session.plan({tables: [], exclude: []}, {...defaultSyncOptions, mode: 'upsert'});
	const lock = await holdLock(pair.source, 'job_steps');
	let settled = false;
	const applying = session.apply(plan).finally(() => (settled = true));
	applying.catch(() => {});
	let reached = false;
	try {
		reached = await waitForSession(watched, user, condition, () => settled);
	} finally {
		await lock.release();
	}
	const result = await applying;
	await session.close();
	return {reached, result};
}

describe('role defaults that would end a long sync', () => {
	test.each([
		['transaction_timeout', '1s'],
		['statement_timeout', '1s'],
	])('target role default %s = %s: a 1.5 s apply still commits', async (setting, value) => {
		const app = await role('app');
		await loadJobs({slowTarget: true});
		await grantApplicationRole(pair.target, app.name);
		await pair.target.client.query(`ALTER ROLE ${quoteIdent(app.name)} SET ${setting} = '${value}'`);
		await syncExactly(pair.source.endpoint, app.endpoint(pair.target), {mode: 'upsert'}, jobsCounts);
		await expectJobsSynced();
	});

	test('target role default idle_in_transaction_session_timeout = 1s: the target waits idle > 1 s on a source read and still commits', async () => {
		const app = await role('app');
		await loadJobs({slowTarget: false});
		await grantApplicationRole(pair.target, app.name);
		await pair.target.client.query(`ALTER ROLE ${quoteIdent(app.name)} SET idle_in_transaction_session_timeout = '1s'`);
		const {reached, result} = await applyWhileSourceLocked(
			pair.source.endpoint,
			app.endpoint(pair.target),
			pair.target,
			app.name,
			`state = 'idle in transaction' AND now() - state_change > interval '1200 ms'`,
		);
		expect(reached, 'the target session sat idle in its transaction for more than 1 s').toBe(true);
		expect(result.committed).toBe(true);
		await expectJobsSynced();
	});

	test.each([
		['idle_in_transaction_session_timeout', '1s'],
		['transaction_timeout', '1s'],
	])(
		'source role default %s = %s: the source read transaction outlives a 1.5 s target write',
		async (setting, value) => {
			const reader = await role('reader');
			await loadJobs({slowTarget: true});
			await pair.source.client.query(`
			REVOKE ALL ON DATABASE ${quoteIdent(pair.source.name)} FROM PUBLIC;
			GRANT CONNECT ON DATABASE ${quoteIdent(pair.source.name)} TO ${quoteIdent(reader.name)};
			GRANT USAGE ON SCHEMA public TO ${quoteIdent(reader.name)};
			GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${quoteIdent(reader.name)};
			ALTER ROLE ${quoteIdent(reader.name)} SET ${setting} = '${value}';`);
			await syncExactly(reader.endpoint(pair.source), pair.target.endpoint, {mode: 'upsert'}, jobsCounts);
			await expectJobsSynced();
		},
	);

	test('source role default statement_timeout = 1s: a source read that waits > 1 s still completes', async () => {
		const reader = await role('reader');
		await loadJobs({slowTarget: false});
		await pair.source.client.query(`
			REVOKE ALL ON DATABASE ${quoteIdent(pair.source.name)} FROM PUBLIC;
			GRANT CONNECT ON DATABASE ${quoteIdent(pair.source.name)} TO ${quoteIdent(reader.name)};
			GRANT USAGE ON SCHEMA public TO ${quoteIdent(reader.name)};
			GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${quoteIdent(reader.name)};
			ALTER ROLE ${quoteIdent(reader.name)} SET statement_timeout = '1s';`);
		const {reached, result} = await applyWhileSourceLocked(
			reader.endpoint(pair.source),
			pair.target.endpoint,
			pair.source,
			reader.name,
			`wait_event_type = 'Lock' AND now() - query_start > interval '1200 ms'`,
		);
		expect(reached, 'the source read waited for more than 1 s').toBe(true);
		expect(result.committed).toBe(true);
		await expectJobsSynced();
	});
});
