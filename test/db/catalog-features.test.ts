/**
 * Issue 9 item 5: the catalogs real schemas have. Table inheritance (each table read, compared and
 * deleted ONLY itself), PostgreSQL 18 VIRTUAL generated columns (never written), views named in
 * --tables (said to be views), and oid columns pointing at large objects (never a silent wrong pointer).
 */
import {beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, syncExactly} from '../support/sync-runs.js';

const pair = pairPerTest();

describe('table inheritance (INHERITS)', () => {
	beforeEach(async () => {
		const schema = `
			CREATE TABLE vehicles (id int PRIMARY KEY, name text NOT NULL);
			CREATE TABLE trucks (payload int NOT NULL) INHERITS (vehicles);
			ALTER TABLE trucks ADD PRIMARY KEY (id);`;
		await pair.source.client.query(
			schema +
				`
			INSERT INTO vehicles VALUES (1, 'bike'), (2, 'car');
			INSERT INTO trucks VALUES (10, 'lorry', 5), (11, 'van', 2);`,
		);
		await pair.target.client.query(
			schema +
				`
			INSERT INTO vehicles VALUES (1, 'old bike'), (3, 'target-only scooter');
			INSERT INTO trucks VALUES (10, 'lorry', 5), (12, 'target-only tanker', 9);`,
		);
	});

	const own = async (table: string) =>
		(await pair.target.client.query(`SELECT id, name FROM ONLY ${table} ORDER BY id`)).rows;
	const trucks = async () => (await pair.target.client.query(`SELECT id, name, payload FROM trucks ORDER BY id`)).rows;
	const trucksBefore = [
		{id: 10, name: 'lorry', payload: 5},
		{id: 12, name: 'target-only tanker', payload: 9},
	];

	test("upsert of the parent copies only its own rows, never the child's", async () => {
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['vehicles']},
			{'public.vehicles': {insert: 1, update: 1, delete: 0}},
		);
		expect(await own('vehicles')).toEqual([
			{id: 1, name: 'bike'},
			{id: 2, name: 'car'},
			{id: 3, name: 'target-only scooter'},
		]);
		expect(await trucks()).toEqual(trucksBefore);
	});

	test("mirror of the parent deletes only the parent's own rows, never the child's", async () => {
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'mirror', tables: ['vehicles']},
			{'public.vehicles': {insert: 1, update: 1, delete: 1}},
		);
		expect(await own('vehicles')).toEqual([
			{id: 1, name: 'bike'},
			{id: 2, name: 'car'},
		]);
		expect(await trucks()).toEqual(trucksBefore);
	});

	test('mirror of parent and child: each table ends as its source side', async () => {
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'mirror', tables: ['vehicles', 'trucks']},
			{
				'public.vehicles': {insert: 1, update: 1, delete: 1},
				'public.trucks': {insert: 1, update: 0, delete: 1},
			},
		);
		expect(await own('vehicles')).toEqual([
			{id: 1, name: 'bike'},
			{id: 2, name: 'car'},
		]);
		expect(await trucks()).toEqual([
			{id: 10, name: 'lorry', payload: 5},
			{id: 11, name: 'van', payload: 2},
		]);
	});
});

describe('PostgreSQL 18 VIRTUAL generated columns', () => {
	const schema = `CREATE TABLE shapes (id int PRIMARY KEY, a int NOT NULL, doubled int GENERATED ALWAYS AS (a * 2) VIRTUAL, tripled int GENERATED ALWAYS AS (a * 3) STORED);`;
	const shapes = async () =>
		(await pair.target.client.query(`SELECT id, a, doubled, tripled FROM shapes ORDER BY id`)).rows;
	const synced = [
		{id: 1, a: 1, doubled: 2, tripled: 3},
		{id: 2, a: 2, doubled: 4, tripled: 6},
		{id: 3, a: 3, doubled: 6, tripled: 9},
	];

	test('upsert into a target with rows: never written, computed right', async () => {
		await pair.source.client.query(schema + `INSERT INTO shapes (id, a) VALUES (1, 1), (2, 2), (3, 3)`);
		await pair.target.client.query(schema + `INSERT INTO shapes (id, a) VALUES (1, 1), (2, 5)`);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['shapes']},
			{'public.shapes': {insert: 1, update: 1, delete: 0}},
		);
		expect(await shapes()).toEqual(synced);
	});

	test('insert into an empty target (whole-table copy): never written, computed right', async () => {
		await pair.source.client.query(schema + `INSERT INTO shapes (id, a) VALUES (1, 1), (2, 2), (3, 3)`);
		await pair.target.client.query(schema);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'insert', tables: ['shapes']},
			{'public.shapes': {insert: 3, update: 0, delete: 0}},
		);
		expect(await shapes()).toEqual(synced);
	});
});

describe('a view named in --tables', () => {
	beforeEach(async () => {
		const schema = `
			CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, active boolean NOT NULL);
			CREATE VIEW active_items AS SELECT id, name FROM items WHERE active;
			CREATE MATERIALIZED VIEW item_counts AS SELECT active, count(*) AS n FROM items GROUP BY active;`;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
	});

	test.for([
		['active_items', /\bview\b/i],
		['item_counts', /materialized view/i],
	] as const)('%s: a usage error that says it is a view, not "not found"', async ([name, kind]) => {
		for (const extra of [['--dry-run'], ['--yes']]) {
			const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--tables', name, ...extra]);
			expect(run.code, run.output).toBe(2);
			expect(run.output).toContain(name);
			expect(run.output).toMatch(kind);
			expect(run.output).toMatch(/only tables/i);
			expect(run.output).not.toMatch(/not found/i);
		}
	});
});

describe('an oid column pointing at large objects', () => {
	test('the dry run says so; the target never silently points at another object', async () => {
		const schema = `CREATE TABLE documents (id int PRIMARY KEY, title text NOT NULL, content oid);`;
		await pair.source.client.query(
			schema + `INSERT INTO documents VALUES (1, 'contract', lo_from_bytea(424242, 'the source contract'))`,
		);
		// On the target the same OID already holds another application's private object.
		await pair.target.client.query(
			schema +
				`CREATE TABLE secrets (id int PRIMARY KEY, content oid); INSERT INTO secrets VALUES (1, lo_from_bytea(424242, 'a private target file'));`,
		);
		const before = await databaseChecksums(pair.target.client, ['public.documents', 'public.secrets']);

		const dry = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'documents',
			'--dry-run',
			'--json',
		]);
		const preview = JSON.parse(dry.stdout);
		const finding = preview.findings.find(
			(f: {table?: string; message: string}) => f.table === 'public.documents' && /large object/i.test(f.message),
		);
		expect(finding, dry.stdout).toBeDefined();
		expect(finding.message).toMatch(/content/);
		expect(['warning', 'blocking']).toContain(finding.severity);

		const applied = await cli(['--from', pair.source.url, '--to', pair.target.url, '--tables', 'documents', '--yes']);
		if (finding.severity === 'blocking') {
			expect(applied.code, applied.output).toBe(4);
			expect(await databaseChecksums(pair.target.client, ['public.documents', 'public.secrets'])).toEqual(before);
		} else {
			expect(applied.code, applied.output).toBe(0);
			// Either the object was copied (the row reads the source's bytes) or the apply says so again.
			const {rows} = await pair.target.client
				.query(`SELECT convert_from(lo_get(content), 'UTF8') AS text FROM documents WHERE id = 1`)
				.catch(() => ({rows: [{text: undefined}]}));
			if (rows[0]?.text !== 'the source contract') expect(applied.output).toMatch(/large object/i);
		}
		// The other application's object is untouched either way.
		expect((await pair.target.client.query(`SELECT convert_from(lo_get(424242), 'UTF8') AS text`)).rows[0].text).toBe(
			'a private target file',
		);
	});
});
