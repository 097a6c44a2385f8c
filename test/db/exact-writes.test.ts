/**
 * Issue 9 item 6: every write statement changes exactly the rows the plan says. When the target lets
 * fewer rows change — row-level security hiding rows from UPDATE or DELETE, a BEFORE trigger returning
 * NULL — the sync rolls back with a message naming the table and the shortfall, and the target is
 * byte-identical to before.
 */
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, createRole, grantApplicationRole, type TestRole} from '../support/sync-runs.js';

const pair = pairPerTest();
let app: TestRole;
beforeEach(async () => {
	app = await createRole('app');
});
afterEach(async () => {
	await app.drop([pair.source, pair.target]);
});

/** The failure line a user reads: exit 5, the table named, both the planned and the written count in it. */
async function expectShortfall(args: string[], table: string, planned: number, written: number, tables: string[]) {
	const before = await databaseChecksums(pair.target.client, tables);
	const run = await cli(args);
	expect(run.code, run.output).toBe(5);
	const failure = run.stderr.split('\n').find((line) => line.startsWith('✗')) ?? '';
	expect(failure, run.output).toContain(table);
	expect(failure, run.output).toMatch(new RegExp(`\\b${planned}\\b`));
	expect(failure, run.output).toMatch(new RegExp(`\\b${written}\\b`));
	expect(run.output).toMatch(/nothing was written|rolled back/i);
	expect(run.output).not.toMatch(/bug in pgconvoy/i);
	expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
}

describe('row-level security that hides rows from the target role', () => {
	const schema = `CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance int NOT NULL);`;
	// Everyone may see and insert; nobody may update or delete a locked owner's rows.
	const policies = `
		ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
		CREATE POLICY visible ON accounts FOR ALL USING (true) WITH CHECK (true);
		CREATE POLICY no_update_locked ON accounts AS RESTRICTIVE FOR UPDATE USING (owner <> 'locked');
		CREATE POLICY no_delete_locked ON accounts AS RESTRICTIVE FOR DELETE USING (owner <> 'locked');`;

	test('upsert: an update the policy hides rolls back, naming the table and 1 of 2', async () => {
		await pair.source.client.query(
			schema + `INSERT INTO accounts VALUES (1, 'ann', 100), (2, 'locked', 200), (3, 'bob', 300)`,
		);
		await pair.target.client.query(
			schema + `INSERT INTO accounts VALUES (1, 'ann', 1), (2, 'locked', 2), (3, 'bob', 300)` + ';' + policies,
		);
		await grantApplicationRole(pair.target, app.name);
		await expectShortfall(
			['--from', pair.source.url, '--to', app.url(pair.target), '--mode', 'upsert', '--yes'],
			'public.accounts',
			2,
			1,
			['public.accounts'],
		);
	});

	test('mirror: a delete the policy hides rolls back, naming the table and 1 of 2', async () => {
		await pair.source.client.query(schema + `INSERT INTO accounts VALUES (1, 'ann', 100), (3, 'bob', 300)`);
		await pair.target.client.query(
			schema +
				`INSERT INTO accounts VALUES (1, 'ann', 100), (3, 'bob', 300), (4, 'locked', 4), (5, 'cy', 5)` +
				';' +
				policies,
		);
		await grantApplicationRole(pair.target, app.name);
		await expectShortfall(
			['--from', pair.source.url, '--to', app.url(pair.target), '--mode', 'mirror', '--max-delete', '100%', '--yes'],
			'public.accounts',
			2,
			1,
			['public.accounts'],
		);
	});
});

describe('BEFORE triggers that return NULL for some rows', () => {
	const schema = `CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);`;

	test('upsert: inserts and updates the trigger drops roll back, naming the table', async () => {
		await pair.source.client.query(
			schema + `INSERT INTO notes VALUES (1, 'a'), (2, 'frozen b'), (3, 'c'), (4, 'frozen d'), (5, 'e')`,
		);
		await pair.target.client.query(
			schema +
				`
			INSERT INTO notes VALUES (1, 'a old'), (2, 'b old'), (3, 'c');
			CREATE FUNCTION skip_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.body LIKE 'frozen%' THEN RETURN NULL; END IF; RETURN NEW; END $$;
			CREATE TRIGGER notes_skip_frozen BEFORE INSERT OR UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION skip_frozen();`,
		);
		// Planned: insert 4 and 5, update 1 and 2; the trigger lets through insert 5 and update 1 only.
		const before = await databaseChecksums(pair.target.client, ['public.notes']);
		const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--mode', 'upsert', '--yes']);
		expect(run.code, run.output).toBe(5);
		const failure = run.stderr.split('\n').find((line) => line.startsWith('✗')) ?? '';
		expect(failure, run.output).toContain('public.notes');
		expect(failure, run.output).toMatch(/\b2\b/);
		expect(failure, run.output).toMatch(/\b1\b/);
		expect(run.output).not.toMatch(/bug in pgconvoy/i);
		expect(await databaseChecksums(pair.target.client, ['public.notes'])).toEqual(before);
	});

	test('mirror: a delete a BEFORE DELETE trigger cancels rolls back, naming the table and 1 of 2', async () => {
		await pair.source.client.query(schema + `INSERT INTO notes VALUES (1, 'a'), (2, 'b')`);
		await pair.target.client.query(
			schema +
				`
			INSERT INTO notes VALUES (1, 'a'), (2, 'b'), (3, 'keep me'), (4, 'old');
			CREATE FUNCTION keep_marked() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF OLD.body LIKE 'keep%' THEN RETURN NULL; END IF; RETURN OLD; END $$;
			CREATE TRIGGER notes_keep_marked BEFORE DELETE ON notes FOR EACH ROW EXECUTE FUNCTION keep_marked();`,
		);
		await expectShortfall(
			['--from', pair.source.url, '--to', pair.target.url, '--mode', 'mirror', '--max-delete', '100%', '--yes'],
			'public.notes',
			2,
			1,
			['public.notes'],
		);
	});
});
