/**
 * Issue 9 item 4: keys match the way the target's unique index matches. A key the index calls equal is
 * the same row (an update, the key's spelling included); a --key that can hold NULLs is refused or
 * matched the same way everywhere; --key naming what does not exist is a usage error.
 */
import {beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, rowsOf, syncExactly} from '../support/sync-runs.js';

const pair = pairPerTest();

const sameText = async (sql: string) =>
	expect(await rowsOf(pair.target.client, sql)).toEqual(await rowsOf(pair.source.client, sql));

describe("keys the target's unique index calls equal are one row", () => {
	test.for(['upsert', 'mirror'] as const)(
		"citext primary key, %s: 'alice' becomes 'Alice' by an update, not an insert",
		async (mode, context) => {
			const {rows} = await pair.target.client.query(
				`SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'citext'`,
			);
			if (rows[0].n === 0) context.skip('the citext extension is not available on this server');
			const schema = `CREATE EXTENSION IF NOT EXISTS citext; CREATE TABLE people (email citext PRIMARY KEY, note text NOT NULL);`;
			await pair.source.client.query(
				schema + `INSERT INTO people VALUES ('Alice', 'x1'), ('Bob', 'y'), ('Carol', 'z')`,
			);
			await pair.target.client.query(
				schema + `INSERT INTO people VALUES ('alice', 'x0'), ('Bob', 'y'), ('CAROL', 'z')`,
			);
			// alice: key spelling and note differ; CAROL: only the key's spelling differs; Bob: identical.
			await syncExactly(
				pair.source.endpoint,
				pair.target.endpoint,
				{mode, tables: ['people']},
				{'public.people': {insert: 0, update: 2, delete: 0}},
			);
			expect(
				(await pair.target.client.query(`SELECT email::text, note FROM people ORDER BY email::text COLLATE "C"`)).rows,
			).toEqual([
				{email: 'Alice', note: 'x1'},
				{email: 'Bob', note: 'y'},
				{email: 'Carol', note: 'z'},
			]);
			await sameText(`SELECT t::text AS r FROM people t ORDER BY email::text COLLATE "C"`);
		},
	);

	test('numeric primary key: 1.50 in the source and 1.5 in the target are one row', async () => {
		const schema = `CREATE TABLE prices (amount numeric PRIMARY KEY, label text NOT NULL);`;
		await pair.source.client.query(schema + `INSERT INTO prices VALUES (1.50, 'a'), (2, 'b'), (3.0, 'c')`);
		await pair.target.client.query(schema + `INSERT INTO prices VALUES (1.5, 'a'), (2, 'b'), (3, 'old c')`);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['prices']},
			{'public.prices': {insert: 0, update: 2, delete: 0}},
		);
		expect((await pair.target.client.query(`SELECT amount::text, label FROM prices ORDER BY amount`)).rows).toEqual([
			{amount: '1.50', label: 'a'},
			{amount: '2', label: 'b'},
			{amount: '3.0', label: 'c'},
		]);
	});
});

describe('--key on a column that holds NULLs', () => {
	test.for(['insert', 'upsert', 'mirror'] as const)(
		'%s: refused in the dry run, or NULL matched consistently; never a committed duplicate',
		async (mode) => {
			const schema = `CREATE TABLE t (email text, note text);`;
			await pair.source.client.query(schema + `INSERT INTO t VALUES (NULL, 'x'), ('b', 'y'), ('c', 'z')`);
			await pair.target.client.query(schema + `INSERT INTO t VALUES (NULL, 'x')`);
			const args = [
				'--from',
				pair.source.url,
				'--to',
				pair.target.url,
				'--tables',
				't',
				'--key',
				't=email',
				'--mode',
				mode,
				'--json',
			];
			const before = await databaseChecksums(pair.target.client, ['public.t']);

			const dry = await cli([...args, '--dry-run']);
			const preview = JSON.parse(dry.stdout);
			const applied = await cli([...args, '--yes']);
			if (dry.code === 4) {
				// Refused: a blocking finding about t's key and NULLs, and the apply refuses the same way.
				const finding = (preview.findings ?? []).find(
					(f: {severity: string; table?: string}) => f.severity === 'blocking' && f.table === 'public.t',
				);
				expect(finding, dry.stdout).toBeDefined();
				expect(finding.message).toMatch(/null/i);
				expect(finding.message).toMatch(/email/);
				expect(applied.code, applied.output).toBe(4);
				expect(await databaseChecksums(pair.target.client, ['public.t'])).toEqual(before);
				return;
			}
			// Matched: NULL is one key on both sides; the row (NULL, 'x') is identical, so only b and c are new.
			expect(dry.code, dry.output).toBe(0);
			expect(preview.tables).toEqual([{table: 'public.t', insert: 2, update: 0, skip: 1, delete: 0, differing: 0}]);
			expect(applied.code, applied.output).toBe(0);
			const result = JSON.parse(applied.stdout);
			expect(
				result.tables.map(({table, inserted, updated, skipped, deleted}: Record<string, unknown>) => ({
					table,
					inserted,
					updated,
					skipped,
					deleted,
				})),
			).toEqual([{table: 'public.t', inserted: 2, updated: 0, skipped: 1, deleted: 0}]);
			expect((await pair.target.client.query(`SELECT email, note FROM t ORDER BY email NULLS FIRST`)).rows).toEqual([
				{email: null, note: 'x'},
				{email: 'b', note: 'y'},
				{email: 'c', note: 'z'},
			]);
			const again = JSON.parse((await cli([...args, '--dry-run'])).stdout);
			expect(again.totals).toEqual({insert: 0, update: 0, skip: 3, delete: 0});
		},
	);
});

describe('--key naming what does not exist', () => {
	beforeEach(async () => {
		const schema = `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);`;
		await pair.source.client.query(schema + `INSERT INTO items VALUES (1, 'a'), (2, 'b')`);
		await pair.target.client.query(schema + `INSERT INTO items VALUES (1, 'a')`);
	});

	test('an unknown table is a usage error (exit 2) that names it', async () => {
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		for (const extra of [['--dry-run'], ['--yes']]) {
			const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--key', 'nope=col', ...extra]);
			expect(run.code, run.output).toBe(2);
			expect(run.output).toMatch(/--key/);
			expect(run.output).toMatch(/nope/);
			expect(run.output).toMatch(/not found|does not exist|no table/i);
			expect(run.output).not.toMatch(/bug in pgconvoy/i);
		}
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
	});

	test('an unknown column is a clear error (exit 2 or 4) that names it', async () => {
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		for (const extra of [['--dry-run'], ['--yes']]) {
			const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--key', 'items=nosuch', ...extra]);
			expect([2, 4], run.output).toContain(run.code);
			expect(run.output).toMatch(/nosuch/);
			expect(run.output).toMatch(/public\.items|items/);
			expect(run.output).not.toMatch(/bug in pgconvoy/i);
		}
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
	});
});
