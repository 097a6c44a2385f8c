import {beforeEach, describe, expect, test} from 'vitest';
import {freshPair, pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {parseSyncFlags} from '../../source/commands/sync-flags.js';
import {runHeadlessSync} from '../../source/commands/sync.js';
import {freePort} from '../../source/support/embedded-cluster.js';

/** Runs `pgconvoy sync <args>` in-process and captures what a user would see. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
	let stdout = '';
	let stderr = '';
	const code = await runHeadlessSync(parseSyncFlags(args), {
		stdout: (text) => (stdout += text),
		stderr: (text) => (stderr += text),
		stdinIsTTY: false,
		env,
		cwd: '/nonexistent-dir-without-dotenv',
	});
	return {code, stdout, stderr, output: stdout + stderr};
}

const pair = pairPerTest();
beforeEach(async () => {
	const schema = `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);`;
	await pair.source.client.query(schema + `INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;`);
	await pair.target.client.query(schema + `INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g;`);
});

describe('clear errors, with a hint, never the password', () => {
	test('unreachable host', async () => {
		const port = await freePort();
		const {code, output} = await cli([
			'--from',
			pair.source.url,
			'--to',
			`postgresql://postgres:s3cret-pw@127.0.0.1:${port}/nowhere?sslmode=disable`,
			'--dry-run',
		]);
		expect(code).toBe(3);
		expect(output).toMatch(/Cannot connect to the target postgres@127\.0\.0\.1:\d+\/nowhere.*connection refused/);
		expect(output).toMatch(/→ Is PostgreSQL running/);
		expect(output).not.toContain('s3cret-pw');
	});

	test('wrong password', async () => {
		const wrong = pair.target.url.replace(':pgconvoy@', ':not-the-password@');
		const {code, output} = await cli(['--from', pair.source.url, '--to', wrong, '--dry-run']);
		expect(code).toBe(3);
		expect(output).toMatch(/rejected the password for user postgres/);
		expect(output).toMatch(/→ Check the password/);
		expect(output).not.toContain('not-the-password');
		expect(output).not.toContain('pgconvoy@');
	});

	test('database does not exist', async () => {
		const missing = pair.target.url.replace(pair.target.name, 'no_such_db');
		const {code, output} = await cli(['--from', pair.source.url, '--to', missing, '--dry-run']);
		expect(code).toBe(3);
		expect(output).toMatch(/Database no_such_db does not exist on the target server/);
		expect(output).toMatch(/createdb no_such_db/);
	});

	test('source = target', async () => {
		const {code, output} = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.source.url.replace('127.0.0.1', 'localhost'),
			'--dry-run',
		]);
		expect(code).toBe(2);
		expect(output).toMatch(/source and the target are the same database/);
	});

	test('table missing in the target', async () => {
		await pair.source.client.query(`CREATE TABLE only_here (id int PRIMARY KEY)`);
		const {code, output} = await cli(['--from', pair.source.url, '--to', pair.target.url, '--dry-run']);
		expect(code).toBe(4);
		expect(output).toMatch(/Table public\.only_here exists in the source but not in the target/);
		expect(output).toMatch(/Run your migrations on both databases/);
	});

	test('a named table that does not exist is a usage error', async () => {
		const {code, output} = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'itemz',
			'--dry-run',
		]);
		expect(code).toBe(2);
		expect(output).toMatch(/Table itemz was not found in the source database/);
	});

	test('target-only NOT NULL column without default', async () => {
		await pair.target.client.query(
			`ALTER TABLE items ADD COLUMN sku text NOT NULL DEFAULT 'x'; ALTER TABLE items ALTER COLUMN sku DROP DEFAULT`,
		);
		const {code, output} = await cli(['--from', pair.source.url, '--to', pair.target.url, '--yes']);
		expect(code).toBe(4);
		expect(output).toMatch(/Column public\.items\.sku exists only in the target, is NOT NULL and has no default/);
		expect(output).toMatch(/nothing was written/);
	});

	test('table without any key, and --key as the way out', async () => {
		const schema = `CREATE TABLE logs (at timestamptz NOT NULL, line text NOT NULL);`;
		await pair.source.client.query(schema + `INSERT INTO logs VALUES ('2024-01-01', 'a'), ('2024-01-02', 'b')`);
		await pair.target.client.query(schema);
		const blocked = await cli(['--from', pair.source.url, '--to', pair.target.url, '--tables', 'logs', '--dry-run']);
		expect(blocked.code).toBe(4);
		expect(blocked.output).toMatch(/Table public\.logs has no primary key or unique index/);
		expect(blocked.output).toMatch(/--key public\.logs=col1,col2/);
		const keyed = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'logs',
			'--key',
			'logs=at,line',
			'--yes',
		]);
		expect(keyed.code).toBe(0);
		expect((await pair.target.client.query('SELECT count(*)::int AS n FROM logs')).rows[0].n).toBe(2);
	});

	test('FK cycle that cannot be deferred; a deferrable one syncs', async () => {
		const cycle = (deferrable: string) => `
			CREATE TABLE teams (id int PRIMARY KEY, captain_id int);
			CREATE TABLE players (id int PRIMARY KEY, team_id int REFERENCES teams(id) ${deferrable});
			ALTER TABLE teams ADD CONSTRAINT teams_captain_fk FOREIGN KEY (captain_id) REFERENCES players(id) ${deferrable};`;
		await pair.source.client.query(cycle(''));
		await pair.target.client.query(cycle(''));
		const blocked = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'teams,players',
			'--dry-run',
		]);
		expect(blocked.code).toBe(4);
		expect(blocked.output).toMatch(/reference each other through foreign keys that cannot be deferred/);
		expect(blocked.output).toMatch(/DEFERRABLE/);

		const other = await freshPair();
		try {
			for (const db of [other.source, other.target]) await db.client.query(cycle('DEFERRABLE INITIALLY IMMEDIATE'));
			await other.source.client.query(
				`BEGIN; SET CONSTRAINTS ALL DEFERRED; INSERT INTO teams VALUES (1, 10); INSERT INTO players VALUES (10, 1); COMMIT;`,
			);
			const synced = await cli(['--from', other.source.url, '--to', other.target.url, '--yes']);
			expect(synced.code, synced.output).toBe(0);
			expect((await other.target.client.query('SELECT captain_id FROM teams')).rows).toEqual([{captain_id: 10}]);
		} finally {
			await other.drop();
		}
	});

	test('a non-TTY run refuses to write without --yes', async () => {
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		const {code, output} = await cli(['--from', pair.source.url, '--to', pair.target.url, '--mode', 'upsert']);
		expect(code).toBe(2);
		expect(output).toMatch(/stdin is not a terminal/);
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
	});
});

describe('mirror guards', () => {
	test('refuses to empty a table whose source side is empty', async () => {
		await pair.source.client.query('DELETE FROM items');
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		const {code, output} = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--mode',
			'mirror',
			'--max-delete',
			'100%',
			'--yes',
		]);
		expect(code).toBe(4);
		expect(output).toMatch(/source table public\.items is empty: mirroring it would delete all 10 rows/);
		expect(output).toMatch(/--allow-empty-source/);
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
		const allowed = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--mode',
			'mirror',
			'--max-delete',
			'100%',
			'--allow-empty-source',
			'--yes',
		]);
		expect(allowed.code, allowed.output).toBe(0);
		expect((await pair.target.client.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(0);
	});

	test('respects --max-delete', async () => {
		// Target has 10 rows; the source keeps 4 of them (and adds others): mirror would delete 6 = 60%.
		await pair.source.client.query('DELETE FROM items WHERE id BETWEEN 5 AND 10');
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		const refused = await cli(['--from', pair.source.url, '--to', pair.target.url, '--mode', 'mirror', '--yes']);
		expect(refused.code).toBe(4);
		expect(refused.output).toMatch(/would delete 6 of its 10 rows \(60%\), more than the 50% allowed/);
		expect(refused.output).toMatch(/--max-delete 60%/);
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
		const dry = await cli(['--from', pair.source.url, '--to', pair.target.url, '--mode', 'mirror', '--dry-run']);
		expect(dry.code).toBe(4);
		expect(dry.output).toMatch(/--max-delete 60%/);
		const allowed = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--mode',
			'mirror',
			'--max-delete',
			'60%',
			'--yes',
		]);
		expect(allowed.code, allowed.output).toBe(0);
		expect((await pair.target.client.query('SELECT array_agg(id ORDER BY id) AS ids FROM items')).rows[0].ids).toEqual([
			1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
		]);
	});
});

describe('names', () => {
	test('capitals, spaces, non-ASCII and a non-public schema sync correctly', async () => {
		const schema = `
			CREATE SCHEMA "Ventes 2024";
			CREATE TABLE "Ventes 2024"."Élèves Inscrits" ("Id Élève" int PRIMARY KEY, "Nom" text NOT NULL, "Café ☕" jsonb);
			CREATE TABLE "Ventes 2024"."Notes" ("Élève" int REFERENCES "Ventes 2024"."Élèves Inscrits"("Id Élève"), "Matière" text, valeur numeric, PRIMARY KEY ("Élève", "Matière"));`;
		const other = await freshPair();
		try {
			for (const db of [other.source, other.target]) await db.client.query(schema);
			await other.source.client.query(`
				INSERT INTO "Ventes 2024"."Élèves Inscrits" SELECT g, 'Zoë ' || g, '{"ok": true}' FROM generate_series(1, 30) g;
				INSERT INTO "Ventes 2024"."Notes" SELECT g, m, g / 2.0 FROM generate_series(1, 30) g, unnest(ARRAY['Maths', 'Français', 'Tab\tand\\backslash', 'Ωmega 😀']) m;`);
			await other.target.client.query(
				`INSERT INTO "Ventes 2024"."Élèves Inscrits" VALUES (1, 'Old', null), (99, 'Target only', null)`,
			);
			const {code, output} = await cli([
				'--from',
				other.source.url,
				'--to',
				other.target.url,
				'--schema',
				'Ventes 2024',
				'--mode',
				'upsert',
				'--yes',
			]);
			expect(code, output).toBe(0);
			expect(output).toContain('"Ventes 2024"."Élèves Inscrits"');
			const rows = async (db: typeof other.source) =>
				(await db.client.query(`SELECT count(*)::int AS n FROM "Ventes 2024"."Notes"`)).rows[0].n;
			expect(await rows(other.target)).toBe(120);
			expect(
				(await other.target.client.query(`SELECT "Nom" FROM "Ventes 2024"."Élèves Inscrits" WHERE "Id Élève" = 1`))
					.rows[0].Nom,
			).toBe('Zoë 1');
			const again = await cli([
				'--from',
				other.source.url,
				'--to',
				other.target.url,
				'--schema',
				'Ventes 2024',
				'--mode',
				'upsert',
				'--dry-run',
				'--json',
			]);
			const report = JSON.parse(again.stdout);
			expect(report.tables.map((table: {table: string}) => table.table)).toEqual([
				'"Ventes 2024"."Élèves Inscrits"',
				'"Ventes 2024"."Notes"',
			]);
			expect(report.totals).toEqual({insert: 0, update: 0, skip: 150, delete: 0});
		} finally {
			await other.drop();
		}
	});
});

describe('headless output', () => {
	test('plain output: a line per table, then the stats', async () => {
		const {code, stdout} = await cli(['--from', pair.source.url, '--to', pair.target.url, '--yes']);
		expect(code).toBe(0);
		expect(stdout).toMatch(/✓ public\.items\s+inserted\s+10\s+updated\s+0\s+skipped\s+10\s+deleted\s+0/);
		// The stats' numbers are right-aligned in one column.
		expect(stdout).toMatch(/tables processed\s+1\n/);
		expect(stdout).toMatch(/rows inserted\s+10\n/);
		expect(stdout).toMatch(/errors\s+0\n/);
		expect(stdout).not.toContain('pgconvoy@');
	});

	test('--json dry run and apply have the documented shape, password-free', async () => {
		await pair.target.client.query(`UPDATE items SET name = 'changed' WHERE id <= 3`);
		const dry = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--mode',
			'upsert',
			'--dry-run',
			'--json',
		]);
		expect(dry.code).toBe(0);
		const preview = JSON.parse(dry.stdout);
		expect(preview).toMatchObject({
			mode: 'upsert',
			dryRun: true,
			tables: [{table: 'public.items', insert: 10, update: 3, skip: 7, delete: 0, differing: 3}],
			totals: {insert: 10, update: 3, skip: 7, delete: 0},
			findings: [],
		});
		expect(preview.source).toMatchObject({host: '127.0.0.1', database: pair.source.name, user: 'postgres'});
		expect(dry.stdout).not.toContain('pgconvoy"');
		expect(JSON.stringify(preview)).not.toMatch(/password/i);
		const applied = JSON.parse(
			(await cli(['--from', pair.source.url, '--to', pair.target.url, '--mode', 'upsert', '--yes', '--json'])).stdout,
		);
		expect(applied).toMatchObject({
			mode: 'upsert',
			dryRun: false,
			committed: true,
			tables: [{table: 'public.items', inserted: 10, updated: 3, skipped: 7, deleted: 0}],
			totals: {tables: 1, inserted: 10, updated: 3, skipped: 7, deleted: 0, errors: 0},
		});
		expect(typeof applied.ms).toBe('number');
	});

	test('the old script: DATABASE_URL_LOCAL / DATABASE_URL_PROD and --update-existing', async () => {
		await pair.target.client.query(`UPDATE items SET name = 'stale' WHERE id = 1`);
		const {code, stdout} = await cli(['--update-existing', '--yes'], {
			DATABASE_URL_LOCAL: pair.source.url,
			DATABASE_URL_PROD: pair.target.url,
		});
		expect(code, stdout).toBe(0);
		expect(stdout).toMatch(/inserted\s+10\s+updated\s+1/);
		const aliases = await cli(['--local-db-url', pair.source.url, '--prod-db-url', pair.target.url, '--dry-run']);
		expect(aliases.code).toBe(0);
		expect(aliases.stdout).toMatch(/insert\s+0\s+update\s+0\s+skip\s+20/);
	});

	test('no target anywhere is a usage error', async () => {
		const {code, output} = await cli(['--from', pair.source.url, '--dry-run']);
		expect(code).toBe(2);
		expect(output).toMatch(/No target database/);
	});
});

describe('production profiles', () => {
	test('--to a production profile refuses without --confirm <dbname>, runs with it', async () => {
		const {mkdtempSync, rmSync} = await import('node:fs');
		const {tmpdir} = await import('node:os');
		const {join} = await import('node:path');
		const {openProfileStore} = await import('../../source/core/profiles/store.js');
		const configDir = mkdtempSync(join(tmpdir(), 'pgconvoy-test-config-'));
		try {
			const env = {PGCONVOY_CONFIG_DIR: configDir, PROD_PASSWORD: pair.target.endpoint.password!};
			const {host, port, database, user} = pair.target.endpoint;
			openProfileStore({env}).saveProfile(
				'prod',
				{
					host,
					port,
					database,
					user,
					sslmode: 'disable',
					production: true,
					passwordSource: {kind: 'env', variable: 'PROD_PASSWORD'},
				},
				{savePassword: false},
			);
			const before = await databaseChecksums(pair.target.client, ['public.items']);
			const refused = await cli(['--from', pair.source.url, '--to', 'prod', '--yes'], env);
			expect(refused.code).toBe(2);
			expect(refused.output).toMatch(
				new RegExp(`is production \\(profile "prod"\\): writing to it needs --confirm ${database}`),
			);
			const wrong = await cli(['--from', pair.source.url, '--to', 'prod', '--yes', '--confirm', 'some_other_db'], env);
			expect(wrong.code).toBe(2);
			expect(wrong.output).toMatch(/does not match the production target's database/);
			expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
			const dry = await cli(['--from', pair.source.url, '--to', 'prod', '--dry-run'], env);
			expect(dry.code).toBe(0);
			const confirmed = await cli(['--from', pair.source.url, '--to', 'prod', '--yes', '--confirm', database], env);
			expect(confirmed.code, confirmed.output).toBe(0);
			expect((await pair.target.client.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(20);
		} finally {
			rmSync(configDir, {recursive: true, force: true});
		}
	});
});

describe('missing parents', () => {
	test('the preview names rows whose parent is neither selected nor on the target', async () => {
		const schema = `CREATE TABLE shelves (code text PRIMARY KEY); CREATE TABLE books (id int PRIMARY KEY, shelf text REFERENCES shelves(code));`;
		await pair.source.client.query(
			schema +
				`INSERT INTO shelves VALUES ('A'), ('B'), ('Z'); INSERT INTO books VALUES (1, 'A'), (2, 'B'), (3, 'Z'), (4, NULL);`,
		);
		await pair.target.client.query(schema + `INSERT INTO shelves VALUES ('A'), ('B');`);
		const dry = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'books',
			'--dry-run',
			'--json',
		]);
		expect(dry.code).toBe(4);
		const finding = JSON.parse(dry.stdout).findings.find((f: {code: string}) => f.code === 'missing-parent');
		expect(finding).toMatchObject({table: 'public.books', severity: 'blocking'});
		expect(finding.message).toMatch(
			/1 parent value referenced by rows to write is missing in public\.shelves on the target \(books_shelf_fkey\), e\.g\. \(shelf\)=\(Z\)/,
		);
		// With the parent table selected, it goes first and everything fits.
		const both = await cli(['--from', pair.source.url, '--to', pair.target.url, '--tables', 'books,shelves', '--yes']);
		expect(both.code, both.output).toBe(0);
		expect((await pair.target.client.query('SELECT count(*)::int AS n FROM books')).rows[0].n).toBe(4);
	});
});
