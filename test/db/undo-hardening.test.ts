/**
 * Issue 11, what a new user's pass broke: triggers that change other rows (a counter cache), a
 * damaged journal, Ctrl-C early in an undo, a database dropped and created again under its name,
 * a role without the grants an undo needs, and two undos of one run at once.
 */
import {spawn} from 'node:child_process';
import {readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import pg from 'pg';
import {admin, pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, createRole, grantApplicationRole, journalCli, testConfigDirectory} from '../support/sync-runs.js';
import {cliPath} from '../support/built-cli.js';
import {inject} from 'vitest';

const pair = pairPerTest();

// A shop as applications write it: orders keep their customer's order_count up to date.
const shop = `
	CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, order_count int NOT NULL DEFAULT 0);
	CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id) ON DELETE CASCADE, total numeric(10,2));
	CREATE FUNCTION count_orders() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'INSERT' THEN UPDATE customers SET order_count = order_count + 1 WHERE id = NEW.customer_id;
		ELSE UPDATE customers SET order_count = order_count - 1 WHERE id = OLD.customer_id; END IF;
		RETURN NULL;
	END $$;
	CREATE TRIGGER orders_count AFTER INSERT OR DELETE ON orders FOR EACH ROW EXECUTE FUNCTION count_orders();`;

async function loadShop() {
	for (const db of [pair.source, pair.target]) await db.client.query(shop);
	// Source: customers 1–10 (3 renamed), 2 orders each; target: customers 1–12 (11, 12 only there, with orders), fewer orders.
	await pair.source.client.query(`INSERT INTO customers (id, name) SELECT g, 'c' || g || CASE WHEN g <= 3 THEN ' v2' ELSE '' END FROM generate_series(1, 10) g;
		INSERT INTO orders SELECT g, 1 + (g - 1) % 10, g FROM generate_series(1, 20) g`);
	await pair.target.client.query(`INSERT INTO customers (id, name) SELECT g, 'c' || g FROM generate_series(1, 12) g;
		INSERT INTO orders SELECT g, 1 + (g - 1) % 10, g FROM generate_series(1, 10) g;
		INSERT INTO orders VALUES (101, 11, 1), (102, 11, 2), (103, 12, 3)`);
}

const tables = ['public.customers', 'public.orders'];
const sync = async (args: string[]) => {
	const run = await cli([
		'--from',
		pair.source.url,
		'--to',
		pair.target.url,
		'--yes',
		'--json',
		'--max-delete',
		'100%',
		...args,
	]);
	expect(run.code, run.output).toBe(0);
	return JSON.parse(run.stdout);
};

describe('undo on an application with triggers that change other rows', () => {
	test.for([
		{what: 'upsert of both tables', args: ['--mode', 'upsert']},
		{what: 'mirror of both tables', args: ['--mode', 'mirror']},
		{
			what: 'mirror of customers, cascading into orders',
			args: ['--tables', 'customers', '--mode', 'mirror', '--allow-cascade'],
		},
	])('$what: no false conflict right after, and the counters come back exactly', async ({args}) => {
		await loadShop();
		const before = await databaseChecksums(pair.target.client, tables);
		await sync(args);
		// The counter trigger changed customers after they were written: the journal knows them as COMMIT kept them.
		const preview = await journalCli('undo', ['last', '--to', pair.target.url, '--dry-run', '--json']);
		expect(preview.code, preview.output).toBe(0);
		expect(JSON.parse(preview.stdout).totals.conflicts).toBe(0);
		const undone = await journalCli('undo', ['last', '--to', pair.target.url, '--yes']);
		expect(undone.code, undone.output).toBe(0);
		// Re-inserted orders counted themselves again; the customers still get exactly their old counts.
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
		// And the undo itself can be undone without a false conflict either.
		const again = await journalCli('undo', ['last', '--to', pair.target.url, '--dry-run', '--json']);
		expect(JSON.parse(again.stdout).totals.conflicts).toBe(0);
	});
});

describe('refusals that leave the target alone', () => {
	test('a damaged journal is refused before anything on the target is touched', async () => {
		await loadShop();
		const synced = await sync(['--mode', 'upsert']);
		const bytes = readFileSync(synced.journal.file);
		writeFileSync(synced.journal.file, bytes.subarray(0, bytes.length - 20));
		const afterSync = await databaseChecksums(pair.target.client, tables);
		const undone = await journalCli('undo', [synced.journal.id, '--to', pair.target.url, '--yes']);
		expect(undone.code, undone.output).toBe(2);
		expect(undone.output).toContain(`The journal of run ${synced.journal.id}`);
		expect(undone.output).toContain('is damaged');
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(afterSync);
		const sessions = await pair.target.client.query(
			`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
		);
		expect(sessions.rows[0].n).toBe(0);
	});

	test('a database dropped and created again under the same name is another database', async () => {
		await loadShop();
		const synced = await sync(['--mode', 'upsert']);
		const name = pair.target.name;
		const cluster = inject('pg18');
		await pair.target.client.end();
		await admin(cluster, async (client) => {
			await client.query(`DROP DATABASE "${name}" WITH (FORCE)`);
			await client.query(`CREATE DATABASE "${name}"`);
		});
		const recreated = new pg.Client({
			host: cluster.host,
			port: cluster.port,
			user: cluster.user,
			password: cluster.password,
			database: name,
		});
		await recreated.connect();
		try {
			await recreated.query(shop);
			const undone = await journalCli('undo', [synced.journal.id, '--to', pair.target.url, '--yes', '--force']);
			expect(undone.code, undone.output).toBe(2);
			expect(undone.output).toContain('not to');
			expect((await recreated.query('SELECT count(*)::int AS n FROM customers')).rows[0].n).toBe(0);
		} finally {
			await recreated.end();
		}
	});

	test('a role without the grants the undo needs is refused with the GRANT, in the dry run too', async () => {
		await loadShop();
		const role = await createRole('undo_upsert_only');
		try {
			await grantApplicationRole(pair.target, role.name, {tablePrivileges: 'SELECT, INSERT, UPDATE'});
			const run = await cli([
				'--from',
				pair.source.url,
				'--to',
				role.url(pair.target),
				'--mode',
				'upsert',
				'--yes',
				'--json',
			]);
			expect(run.code, run.output).toBe(0);
			const afterSync = await databaseChecksums(pair.target.client, tables);
			for (const extra of [['--dry-run'], ['--yes']]) {
				const undone = await journalCli('undo', ['last', '--to', role.url(pair.target), ...extra]);
				expect(undone.code, undone.output).toBe(4);
				expect(undone.output).toContain(`GRANT DELETE ON public.orders TO ${role.name};`);
				// customers: the upsert only updated rows there, which UPDATE puts back.
				expect(undone.output).not.toContain('ON public.customers');
				expect(undone.output).not.toContain('GRANT SELECT');
			}
			expect(await databaseChecksums(pair.target.client, tables)).toEqual(afterSync);
		} finally {
			await role.drop([pair.target]);
		}
	});

	test('two undos of one run at once: one undoes it, the other is refused, even with --force', async () => {
		await loadShop();
		const before = await databaseChecksums(pair.target.client, tables);
		const synced = await sync(['--mode', 'upsert']);
		const both = await Promise.all(
			[0, 1].map(() => journalCli('undo', [synced.journal.id, '--to', pair.target.url, '--yes', '--force'])),
		);
		expect(both.map((run) => run.code).sort()).toEqual([0, 2]);
		expect(both.find((run) => run.code === 2)!.output).toMatch(/already undone|being undone/);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
		const undos = readdirSync(join(testConfigDirectory, 'journal')).filter((name) =>
			readFileSync(join(testConfigDirectory, 'journal', name), 'latin1').includes(`"undoes":"${synced.journal.id}"`),
		);
		expect(undos).toHaveLength(1);
	});

	test('Ctrl-C while the undo waits for its lock: rolled back, exit 130, the target unchanged', async () => {
		await loadShop();
		const synced = await sync(['--mode', 'upsert']);
		const afterSync = await databaseChecksums(pair.target.client, tables);
		// Another session holds the table: the undo waits on LOCK TABLE, a state the test can see.
		const cluster = inject('pg18');
		const blocker = new pg.Client({
			host: cluster.host,
			port: cluster.port,
			user: cluster.user,
			password: cluster.password,
			database: pair.target.name,
		});
		await blocker.connect();
		try {
			await blocker.query('BEGIN; LOCK TABLE customers IN ACCESS EXCLUSIVE MODE');
			const child = spawn(process.execPath, [cliPath, 'undo', synced.journal.id, '--to', pair.target.url, '--yes'], {
				env: {PATH: process.env.PATH, PGCONVOY_CONFIG_DIR: testConfigDirectory},
				stdio: ['pipe', 'pipe', 'pipe'],
			});
			let output = '';
			child.stdout.on('data', (chunk: Buffer) => (output += chunk));
			child.stderr.on('data', (chunk: Buffer) => (output += chunk));
			const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
			for (;;) {
				const waiting = await pair.target.client.query(
					`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE%'`,
				);
				if (waiting.rows[0].n > 0) break;
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			child.kill('SIGINT');
			expect(await exited, output).toBe(130);
			expect(output).toContain('Interrupted: the undo was cancelled and rolled back');
		} finally {
			await blocker.query('ROLLBACK');
			await blocker.end();
		}
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(afterSync);
	});
});

describe('journal files that are not readable', () => {
	test('history and undo last name a journal whose first line is garbage instead of silently leaving it out', async () => {
		await loadShop();
		const first = await sync(['--mode', 'upsert']);
		await pair.source.client.query("UPDATE customers SET name = name || '!' WHERE id = 5");
		const second = await sync(['--mode', 'upsert']);
		writeFileSync(second.journal.file, 'garbage\n');
		const history = await journalCli('history', ['--to', pair.target.url]);
		expect(history.code, history.output).toBe(0);
		expect(history.stderr).toContain(`not a readable journal and is left out: ${second.journal.file}`);
		const undo = await journalCli('undo', ['last', '--to', pair.target.url, '--dry-run']);
		expect(undo.stderr).toContain(second.journal.file);
		expect(undo.stdout).toContain(`Would undo run ${first.journal.id}`);
	});
});

describe('a bulk load into an empty table', () => {
	test('journaled by key; undo deletes it all, even after VACUUM FREEZE; a row changed since blocks and is named', async () => {
		const schema = 'CREATE TABLE readings (id bigint PRIMARY KEY, value numeric(10,2), at timestamptz)';
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.source.client.query(
			`INSERT INTO readings SELECT g, g / 4.0, timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 5000) g`,
		);
		const synced = await sync(['--tables', 'readings']);
		expect(synced.tables[0]).toMatchObject({inserted: 5000});
		// Freezing keeps each row's xmin (since 9.4): nothing changed, so nothing conflicts.
		await pair.target.client.query('VACUUM FREEZE readings');
		const clean = await journalCli('undo', ['last', '--to', pair.target.url, '--dry-run', '--json']);
		expect(JSON.parse(clean.stdout).totals).toEqual({delete: 5000, restore: 0, reinsert: 0, conflicts: 0});

		await pair.target.client.query('UPDATE readings SET value = 0 WHERE id = 42');
		const refused = await journalCli('undo', ['last', '--to', pair.target.url, '--yes']);
		expect(refused.code, refused.output).toBe(4);
		expect(refused.output).toContain('public.readings (42): inserted by the run, changed since');
		expect(refused.output).toContain('1 row changed');
		const forced = await journalCli('undo', ['last', '--to', pair.target.url, '--yes', '--force']);
		expect(forced.code, forced.output).toBe(0);
		expect((await pair.target.client.query('SELECT count(*)::int AS n FROM readings')).rows[0].n).toBe(0);
	});
});
