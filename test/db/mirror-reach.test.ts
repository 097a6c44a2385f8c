/**
 * Issue 10 §1: mirror deletes and the rows outside the selection that point at them, in any schema
 * and at any depth — the issue's own example: 5 deletes in customers → 10 in notes, 10 in note_tags,
 * 5 in audit.customer_log.
 */
import {beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, rowsOf} from '../support/sync-runs.js';

const schema = `
CREATE SCHEMA audit;
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE notes (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id) ON DELETE CASCADE, body text);
CREATE TABLE note_tags (note_id int NOT NULL REFERENCES notes(id) ON DELETE CASCADE, tag text NOT NULL, PRIMARY KEY (note_id, tag));
CREATE TABLE audit.customer_log (id int PRIMARY KEY, customer_id int REFERENCES customers(id) ON DELETE CASCADE, what text);`;

const pair = pairPerTest();
const tables = ['public.customers', 'public.notes', 'public.note_tags', 'audit.customer_log'];
beforeEach(async () => {
	for (const db of [pair.source, pair.target]) await db.client.query(schema);
	await pair.source.client.query(`INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 10) g`);
	// The target has 5 customers more (ids 11–15): the mirror deletes them, and what hangs off them.
	await pair.target.client.query(`
		INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 15) g;
		INSERT INTO notes SELECT g, 11 + (g - 1) % 5, 'n' FROM generate_series(1, 10) g;
		INSERT INTO notes VALUES (100, 1, 'kept');
		INSERT INTO note_tags SELECT g, 't' FROM generate_series(1, 10) g;
		INSERT INTO audit.customer_log SELECT g, 10 + g, 'x' FROM generate_series(1, 5) g;`);
});

const args = () => [
	'--from',
	pair.source.url,
	'--to',
	pair.target.url,
	'--tables',
	'customers',
	'--mode',
	'mirror',
	'--max-delete',
	'100%',
];

describe('mirror deletes that reach rows outside the selection', () => {
	test('cascades are counted per table, at any depth and in any schema, and refused unless allowed', async () => {
		const before = await databaseChecksums(pair.target.client, tables);
		const dry = await cli([...args(), '--dry-run', '--json']);
		expect(dry.code, dry.output).toBe(4);
		const finding = JSON.parse(dry.stdout).findings.find(
			(candidate: {code: string}) => candidate.code === 'mirror-cascade',
		);
		expect(finding.severity).toBe('blocking');
		expect(finding.message).toContain(
			'5 deletes in public.customers → 5 in audit.customer_log, 10 in public.notes, 10 in public.note_tags',
		);
		expect(finding.hint).toMatch(/--allow-cascade/);
		const refused = await cli([...args(), '--yes']);
		expect(refused.code, refused.output).toBe(4);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});

	test('with --allow-cascade the sync commits and reports the cascaded rows', async () => {
		const applied = await cli([...args(), '--allow-cascade', '--yes', '--json']);
		expect(applied.code, applied.output).toBe(0);
		const result = JSON.parse(applied.stdout);
		expect(result.tables).toEqual([expect.objectContaining({table: 'public.customers', deleted: 5})]);
		expect(
			result.cascaded.map(({table, action, rows}: {table: string; action: string; rows: number}) => [
				table,
				action,
				rows,
			]),
		).toEqual([
			['audit.customer_log', 'cascade', 5],
			['public.notes', 'cascade', 10],
			['public.note_tags', 'cascade', 10],
		]);
		expect(
			await rowsOf(
				pair.target.client,
				`SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM notes)::int AS notes, (SELECT count(*) FROM note_tags)::int AS tags, (SELECT count(*) FROM audit.customer_log)::int AS log`,
			),
		).toEqual([{customers: 10, notes: 1, tags: 0, log: 0}]);
	});

	test('a referencing row whose foreign key refuses the delete (NO ACTION) blocks, naming the table', async () => {
		await pair.target.client.query(
			`CREATE TABLE invoices (id int PRIMARY KEY, customer_id int REFERENCES customers(id)); INSERT INTO invoices VALUES (1, 12), (2, 3)`,
		);
		const before = await databaseChecksums(pair.target.client, [...tables, 'public.invoices']);
		const dry = await cli([...args(), '--allow-cascade', '--dry-run', '--json']);
		expect(dry.code, dry.output).toBe(4);
		const finding = JSON.parse(dry.stdout).findings.find(
			(candidate: {code: string}) => candidate.code === 'mirror-delete-restricted',
		);
		expect(finding.message).toMatch(/1 row of public\.invoices/);
		const refused = await cli([...args(), '--allow-cascade', '--yes']);
		expect(refused.code, refused.output).toBe(4);
		expect(await databaseChecksums(pair.target.client, [...tables, 'public.invoices'])).toEqual(before);
	});
});
