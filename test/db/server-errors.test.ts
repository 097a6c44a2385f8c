/**
 * Issue 9 item 7: errors carry what PostgreSQL said. The server's DETAIL, HINT and CONTEXT (which names
 * a failing trigger's function) reach the user; hints fit the error's class; a permission problem names
 * its side and the grant; a server error is never "a bug in pgconvoy"; --json prints exactly one document.
 */
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums, quoteIdent} from '../support/oracle.js';
import {cli, createRole, type TestRole} from '../support/sync-runs.js';

const pair = pairPerTest();
const roles: TestRole[] = [];
afterEach(async () => {
	for (const role of roles.splice(0)) await role.drop([pair.source, pair.target]);
});

const items = `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);`;

/** What every failure the server reports must not say. */
function expectNoBlame(output: string) {
	expect(output).not.toMatch(/bug in pgconvoy/i);
	expect(output).not.toMatch(/Read the message above/);
}

describe('a trigger that raises', () => {
	beforeEach(async () => {
		await pair.source.client.query(items + `INSERT INTO items VALUES (1, 'pen'), (2, 'ink')`);
		await pair.target.client.query(
			items +
				`
			INSERT INTO items VALUES (1, 'pen');
			CREATE FUNCTION check_stock() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				RAISE EXCEPTION 'stock too low for %', NEW.name USING DETAIL = 'warehouse stock is 0', HINT = 'Restock the item first.';
			END $$;
			CREATE TRIGGER items_check_stock BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION check_stock();`,
		);
	});

	test('the message has the function (from CONTEXT), the DETAIL and the HINT; target unchanged', async () => {
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--yes']);
		expect(run.code, run.output).toBe(5);
		expect(run.output).toContain('public.items');
		expect(run.output).toContain('stock too low for ink');
		expect(run.output).toContain('check_stock');
		expect(run.output).toContain('warehouse stock is 0');
		expect(run.output).toContain('Restock the item first.');
		expectNoBlame(run.output);
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
	});

	test('--json: exactly one document, carrying the same', async () => {
		const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--yes', '--json']);
		expect(run.code, run.output).toBe(5);
		const report = JSON.parse(run.stdout);
		expect(report).toMatchObject({committed: false, error: {code: 'apply-failed'}});
		const text = `${report.error.message} ${report.error.hint ?? ''}`;
		expect(text).toContain('check_stock');
		expect(text).toContain('warehouse stock is 0');
		expect(text).toContain('Restock the item first.');
		expectNoBlame(run.output);
	});
});

describe('an enum label the target lacks', () => {
	test('the value and the table are named, and the hint says to run migrations', async () => {
		const table = `CREATE TABLE moods (id int PRIMARY KEY, mood mood NOT NULL);`;
		await pair.source.client.query(
			`CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');` + table + `INSERT INTO moods VALUES (1, 'happy'), (2, 'meh')`,
		);
		await pair.target.client.query(
			`CREATE TYPE mood AS ENUM ('happy', 'sad');` + table + `INSERT INTO moods VALUES (1, 'happy')`,
		);
		const before = await databaseChecksums(pair.target.client, ['public.moods']);
		const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--yes']);
		// Refused in the plan (4) or rolled back (5): either way the target is as it was.
		expect([4, 5], run.output).toContain(run.code);
		expect(run.output).toContain('public.moods');
		expect(run.output).toContain('meh');
		expect(run.output).toMatch(/migrations/i);
		expectNoBlame(run.output);
		expect(await databaseChecksums(pair.target.client, ['public.moods'])).toEqual(before);
	});
});

describe('permission problems on the source side', () => {
	let reader: TestRole;
	beforeEach(async () => {
		reader = await createRole('reader');
		roles.push(reader);
		const schema = items + `CREATE TABLE secrets (id int PRIMARY KEY, value text NOT NULL);`;
		await pair.source.client.query(
			schema + `INSERT INTO items VALUES (1, 'pen'); INSERT INTO secrets VALUES (1, 's');`,
		);
		await pair.target.client.query(schema);
		const who = quoteIdent(reader.name);
		await pair.source.client.query(`
			REVOKE ALL ON DATABASE ${quoteIdent(pair.source.name)} FROM PUBLIC;
			GRANT CONNECT ON DATABASE ${quoteIdent(pair.source.name)} TO ${who};
			GRANT USAGE ON SCHEMA public TO ${who};
			GRANT SELECT ON items TO ${who};`);
	});

	test.for([['--dry-run'], ['--yes']])(
		'a source table the source role cannot SELECT (%s): names the source and GRANT SELECT',
		async (extra) => {
			const before = await databaseChecksums(pair.target.client, ['public.items', 'public.secrets']);
			const run = await cli(['--from', reader.url(pair.source), '--to', pair.target.url, ...extra]);
			expect(run.code, run.output).not.toBe(0);
			expect(run.code, run.output).not.toBe(1);
			expect(run.output).toMatch(/source/i);
			expect(run.output).toContain('secrets');
			expect(run.output).toMatch(new RegExp(`GRANT SELECT ON[^\\n]*secrets[^\\n]*TO[^\\n]*${reader.name}`));
			expect(run.output).not.toMatch(/target role needs/i);
			expect(run.output).not.toContain(reader.password);
			expectNoBlame(run.output);
			expect(await databaseChecksums(pair.target.client, ['public.items', 'public.secrets'])).toEqual(before);
		},
	);

	test("row-level security on a source table: named as the source's, not the target's", async () => {
		await pair.source.client.query(`
			GRANT SELECT ON secrets TO ${quoteIdent(reader.name)};
			ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
			CREATE POLICY own_rows ON secrets FOR SELECT USING (value = current_user);`);
		const run = await cli(['--from', reader.url(pair.source), '--to', pair.target.url, '--dry-run']);
		expect(run.code, run.output).not.toBe(0);
		expect(run.code, run.output).not.toBe(1);
		expect(run.output).toMatch(/source/i);
		expect(run.output).toContain('secrets');
		expect(run.output).toMatch(/row-level security|row security|policy/i);
		expect(run.output).not.toMatch(/target role needs/i);
		expectNoBlame(run.output);
	});
});

describe('--json prints exactly one document', () => {
	beforeEach(async () => {
		await pair.source.client.query(
			items + `CREATE TABLE only_in_source (id int PRIMARY KEY); INSERT INTO items VALUES (1, 'pen');`,
		);
		await pair.target.client.query(items);
	});

	test.for([['--dry-run'], ['--yes']])('a plan blocked by findings (%s)', async (extra) => {
		const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--json', ...extra]);
		expect(run.code, run.output).toBe(4);
		let report: {findings?: Array<{code: string; severity: string}>; error?: {code: string}} | undefined;
		expect(() => (report = JSON.parse(run.stdout)), run.stdout).not.toThrow();
		// The one document says why: the blocking finding, and that it was blocked.
		expect(JSON.stringify(report)).toContain('table-missing-on-target');
		expect(JSON.stringify(report)).toMatch(/blocked/i);
	});
});
