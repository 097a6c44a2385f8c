/**
 * Issue 11: `pgconvoy undo` and `pgconvoy history` as a user runs them (in-process headless
 * commands, journals in a temp config directory). Every case compares the target's contents, table
 * by table, with what they were before the sync (or after it).
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {freshDatabase, pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, createRole, grantApplicationRole, journalCli, testConfigDirectory} from '../support/sync-runs.js';
import {schoolTables} from '../../source/sample/school-schema.js';
import {loadSchool} from '../support/school.js';

const pair = pairPerTest();

const school = schoolTables.map((table) => `public.${table}`);
const journalDir = join(testConfigDirectory, 'journal');

async function sync(args: string[]) {
	const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--yes', '--json', ...args]);
	expect(run.code, run.output).toBe(0);
	const report = JSON.parse(run.stdout);
	expect(report.journal?.id, 'the sync names its journal').toBeTruthy();
	return report as {
		journal: {id: string; file: string};
		tables: Array<{table: string; inserted: number; updated: number; deleted: number}>;
	};
}

const undo = (run: string, ...args: string[]) => journalCli('undo', [run, '--to', pair.target.url, ...args]);

describe('pgconvoy undo', () => {
	test('upsert on the school fixture, then undo: byte-identical; undo twice is refused; the undo can be undone', async () => {
		await loadSchool(pair.source, pair.target);
		const before = await databaseChecksums(pair.target.client, school);
		const synced = await sync(['--mode', 'upsert']);
		const after = await databaseChecksums(pair.target.client, school);
		expect(after).not.toEqual(before);

		expect(statSync(synced.journal.file).mode & 0o777).toBe(0o600);
		expect(statSync(journalDir).mode & 0o777).toBe(0o700);

		const history = await journalCli('history', ['--to', pair.target.url, '--json']);
		expect(history.code, history.output).toBe(0);
		expect(JSON.parse(history.stdout).runs[0]).toMatchObject({
			id: synced.journal.id,
			state: 'committed',
			undoable: true,
		});

		const preview = await undo('last', '--dry-run', '--json');
		expect(preview.code, preview.output).toBe(0);
		const previewed = JSON.parse(preview.stdout);
		const written = synced.tables.reduce(
			(sum, table) => ({inserted: sum.inserted + table.inserted, updated: sum.updated + table.updated}),
			{inserted: 0, updated: 0},
		);
		expect(previewed.totals).toEqual({delete: written.inserted, restore: written.updated, reinsert: 0, conflicts: 0});
		expect(await databaseChecksums(pair.target.client, school), 'the dry run writes nothing').toEqual(after);

		const undone = await undo(synced.journal.id, '--yes', '--json');
		expect(undone.code, undone.output).toBe(0);
		expect(await databaseChecksums(pair.target.client, school)).toEqual(before);
		const undoId = JSON.parse(undone.stdout).journal.id as string;

		const again = await undo(synced.journal.id, '--yes');
		expect(again.code, again.output).toBe(2);
		expect(again.output).toContain(`already undone (by ${undoId})`);
		expect(await databaseChecksums(pair.target.client, school)).toEqual(before);

		// The undo was journaled: undoing it puts the sync's rows back.
		const redone = await undo(undoId, '--yes');
		expect(redone.code, redone.output).toBe(0);
		expect(await databaseChecksums(pair.target.client, school)).toEqual(after);
		const listed = JSON.parse((await journalCli('history', ['--to', pair.target.url, '--json'])).stdout).runs;
		expect(listed.find((run: {id: string}) => run.id === synced.journal.id)).toMatchObject({undoable: true});
		expect(listed.find((run: {id: string}) => run.id === undoId)).toMatchObject({undoable: false});
	});

	test('mirror with deletes and an allowed cascade into tables not selected, then undo: every table as before', async () => {
		const schema = `
			CREATE SCHEMA audit;
			CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
			CREATE TABLE notes (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id) ON DELETE CASCADE, body text);
			CREATE TABLE note_tags (note_id int NOT NULL REFERENCES notes(id) ON DELETE CASCADE, tag text NOT NULL, PRIMARY KEY (note_id, tag));
			CREATE TABLE audit.customer_log (id int PRIMARY KEY, customer_id int REFERENCES customers(id) ON DELETE SET NULL, what text);`;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.source.client.query(
			`INSERT INTO customers SELECT g, 'c' || g || CASE WHEN g = 3 THEN ' renamed' ELSE '' END FROM generate_series(1, 12) g`,
		);
		await pair.target.client.query(`
			INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 15) g WHERE g <> 12;
			INSERT INTO notes SELECT g, 13 + (g - 1) % 3, 'n' || g FROM generate_series(1, 9) g;
			INSERT INTO notes VALUES (100, 1, 'kept');
			INSERT INTO note_tags SELECT g, 't' FROM generate_series(1, 9) g;
			INSERT INTO audit.customer_log SELECT g, 12 + g, 'x' FROM generate_series(1, 3) g;`);
		const tables = ['public.customers', 'public.notes', 'public.note_tags', 'audit.customer_log'];
		const before = await databaseChecksums(pair.target.client, tables);
		const synced = await sync(['--tables', 'customers', '--mode', 'mirror', '--allow-cascade', '--max-delete', '100%']);
		expect(synced.tables[0]).toMatchObject({inserted: 1, updated: 1, deleted: 3});
		expect(Number((await pair.target.client.query('SELECT count(*) FROM notes')).rows[0].count)).toBe(1);
		expect(
			Number(
				(await pair.target.client.query('SELECT count(*) FROM audit.customer_log WHERE customer_id IS NULL')).rows[0]
					.count,
			),
		).toBe(3);

		const preview = JSON.parse((await undo('last', '--dry-run', '--json')).stdout);
		expect(preview.tables).toEqual(
			expect.arrayContaining([
				expect.objectContaining({table: 'public.customers', delete: 1, restore: 1, reinsert: 3}),
				expect.objectContaining({table: 'public.notes', reinsert: 9}),
				expect.objectContaining({table: 'public.note_tags', reinsert: 9}),
				expect.objectContaining({table: 'audit.customer_log', restore: 3}),
			]),
		);
		const undone = await undo('last', '--yes');
		expect(undone.code, undone.output).toBe(0);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});

	test('a row the sync wrote and someone changed since blocks the undo, named by key; --force puts the old values back', async () => {
		const schema = `CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), updated_at timestamptz);
			CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;`;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.target.client.query(
			`CREATE TRIGGER products_touch BEFORE INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION touch()`,
		);
		await pair.source.client.query(
			`INSERT INTO products SELECT g, 'p' || g, g * 1.5, NULL FROM generate_series(1, 20) g`,
		);
		await pair.target.client.query(
			`INSERT INTO products SELECT g, 'p' || g, g * 1.25, NULL FROM generate_series(1, 15) g`,
		);
		const contents = async () =>
			(await pair.target.client.query('SELECT id, name, price::text AS price FROM products ORDER BY id')).rows;
		const beforeContents = await contents();
		await sync(['--tables', 'products', '--mode', 'upsert']);
		// A trigger stamped every written row: the journal knows the rows as the target stored them, so this is no conflict.
		const clean = await undo('last', '--dry-run', '--json');
		expect(JSON.parse(clean.stdout).totals).toMatchObject({conflicts: 0});

		await pair.target.client.query(
			`UPDATE products SET price = 99 WHERE id = 7; DELETE FROM products WHERE id = 18; INSERT INTO products VALUES (21, 'new', 1, NULL)`,
		);
		const changedSince = await databaseChecksums(pair.target.client, ['public.products']);
		const refused = await undo('last', '--yes');
		expect(refused.code, refused.output).toBe(4);
		expect(refused.output).toContain('public.products (7): updated by the run, changed since');
		expect(refused.output).toContain('public.products (18): inserted by the run, deleted since');
		expect(refused.output).toContain('--force');
		expect(await databaseChecksums(pair.target.client, ['public.products'])).toEqual(changedSince);

		const forced = await undo('last', '--yes', '--force');
		expect(forced.code, forced.output).toBe(0);
		// Every row the sync wrote is as it was before the sync; the row added since (21) is not the run's, and stays.
		// The trigger fires on the undo's writes as on any other: updated_at is the undo's time, not the old value.
		expect(await contents()).toEqual([...beforeContents, {id: 21, name: 'new', price: '1.00'}]);
		const stamped = await pair.target.client.query(
			'SELECT count(*)::int AS n FROM products WHERE updated_at IS NOT NULL',
		);
		expect(stamped.rows[0].n).toBe(15 + 1);
	});

	test("a production role's run: no password in its journal, undone by that role; refuses another database, a run that does not exist; --no-journal keeps none", async () => {
		await pair.source.client.query(
			"CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')",
		);
		await pair.target.client.query("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (2, 'old')");
		// Only the grants production gives: no pg_control_system(), so the database is known by host, port and name.
		const role = await createRole('undo_app');
		await grantApplicationRole(pair.target, role.name);
		const roleUrl = role.url(pair.target);
		const before = await databaseChecksums(pair.target.client, ['public.t']);
		const run = await cli([
			'--from',
			pair.source.url,
			'--to',
			roleUrl,
			'--tables',
			't',
			'--mode',
			'upsert',
			'--yes',
			'--json',
		]);
		expect(run.code, run.output).toBe(0);
		const synced = JSON.parse(run.stdout);
		expect(readFileSync(synced.journal.file).includes(Buffer.from(role.password)), 'no password in the journal').toBe(
			false,
		);
		const asRole = await journalCli('undo', ['last', '--to', roleUrl, '--yes']);
		expect(asRole.code, asRole.output).toBe(0);
		expect(await databaseChecksums(pair.target.client, ['public.t'])).toEqual(before);
		await role.drop([pair.target]);
		const other = await freshDatabase('undo_other');
		try {
			await other.client.query("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')");
			const elsewhere = await journalCli('undo', [synced.journal.id, '--to', other.url, '--yes']);
			expect(elsewhere.code, elsewhere.output).toBe(2);
			expect(elsewhere.output).toContain(`not to ${other.endpoint.user}@`);
			expect((await other.client.query('SELECT count(*) FROM t')).rows[0].count).toBe('1');
		} finally {
			await other.drop();
		}
		const missing = await undo('20200101-000000.000-dead', '--yes');
		expect(missing.code).toBe(2);
		expect(missing.output).toContain('No journaled run 20200101-000000.000-dead');

		await pair.source.client.query("INSERT INTO t VALUES (3, 'c')");
		const files = readdirSync(journalDir).length;
		const unjournaled = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			't',
			'--yes',
			'--json',
			'--no-journal',
		]);
		expect(unjournaled.code, unjournaled.output).toBe(0);
		expect(JSON.parse(unjournaled.stdout).journal).toBeUndefined();
		expect(readdirSync(journalDir).length).toBe(files);
	});

	test('a soft-delete trigger keeps the rows the undo would delete: the undo rolls back and says why', async () => {
		const schema = 'CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, deleted_at timestamptz)';
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		// As applications write it: a DELETE becomes a stamp, and the row stays.
		await pair.target.client.query(`
			CREATE FUNCTION soft_delete() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN UPDATE accounts SET deleted_at = now() WHERE id = OLD.id; RETURN NULL; END $$;
			CREATE TRIGGER accounts_soft_delete BEFORE DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION soft_delete();`);
		await pair.source.client.query("INSERT INTO accounts VALUES (1, 'ann', NULL), (2, 'bob', NULL)");
		await sync(['--tables', 'accounts']);
		const afterSync = await databaseChecksums(pair.target.client, ['public.accounts']);
		const undone = await undo('last', '--yes');
		expect(undone.code, undone.output).toBe(5);
		expect(undone.output).toContain('The undo would delete 2 rows of public.accounts, but the target took 0');
		expect(undone.output).toContain('BEFORE trigger');
		expect(await databaseChecksums(pair.target.client, ['public.accounts'])).toEqual(afterSync);
	});

	test('keeps the last --keep-journals runs per target', async () => {
		await pair.source.client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
		await pair.target.client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
		const ids: string[] = [];
		for (const id of [1, 2, 3]) {
			await pair.source.client.query(`INSERT INTO t VALUES (${id}, 'v')`);
			ids.push((await sync(['--tables', 't', '--keep-journals', '2'])).journal.id);
		}
		const runs = JSON.parse((await journalCli('history', ['--to', pair.target.url, '--json'])).stdout).runs.map(
			(run: {id: string}) => run.id,
		);
		expect(runs).toEqual([ids[2], ids[1]]);
	});
});
