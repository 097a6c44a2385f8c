/**
 * More members of issue 9's kinds, beyond the issue's inputs: types whose equality is not identity,
 * types with no hash function, extension types, keys of such types, and settings a role may carry.
 * Each case asserts the preview's and the apply's counts, the target's text afterwards, and a
 * second run that writes nothing (syncExactly).
 */
import {afterEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {createRole, grantApplicationRole, rowsOf, syncExactly, type TestRole} from '../support/sync-runs.js';

interface TypeCase {
	name: string;
	prelude?: string;
	columns: string;
	targetColumns?: string;
	source: string[];
	target: string[];
	updates: number;
	/** An extension the case needs; skipped with the reason when the server lacks it. */
	extension?: string;
}

const cases: TypeCase[] = [
	{
		name: 'money: equal image, no hash opclass',
		columns: 'price money',
		source: [`'12.50'`, `'3'`],
		target: [`'12.5'`, `'4'`],
		updates: 1,
	},
	{
		name: 'bit varying: no hash opclass',
		columns: 'flags varbit',
		source: [`B'1010'`, `B'1'`],
		target: [`B'1010'`, `B'10'`],
		updates: 1,
	},
	{
		name: 'tsvector and tsquery',
		columns: 'doc tsvector, q tsquery',
		source: [`'a b'::tsvector, 'a & b'`, `'c'::tsvector, 'c'`],
		target: [`'a b'::tsvector, 'a & b'`, `'c d'::tsvector, 'c'`],
		updates: 1,
	},
	{
		name: 'xml (no equality at all)',
		columns: 'doc xml',
		source: [`'<a>1</a>'`, `'<b/>'`],
		target: [`'<a>1</a>'`, `'<b></b>'`],
		updates: 1,
	},
	{
		name: 'inet and cidr',
		columns: 'host inet, net cidr',
		source: [`'10.0.0.1/24', '10.0.0.0/24'`, `'::1', '::/0'`],
		target: [`'10.0.0.1/24', '10.0.0.0/24'`, `'::1/128', '::/0'`],
		updates: 0,
	},
	{
		name: 'timetz: the same instant in two offsets is a change (it reads back differently)',
		columns: 't timetz',
		source: [`'10:00:00+02'`, `'09:00:00+00'`],
		target: [`'08:00:00+00'`, `'09:00:00+00'`],
		updates: 1,
	},
	{
		name: 'jsonb numbers keep their scale',
		columns: 'doc jsonb',
		source: [`'{"a": 1.0}'`, `'{"b": [1, 2]}'`],
		target: [`'{"a": 1.00}'`, `'{"b": [1, 2]}'`],
		updates: 1,
	},
	{
		name: 'float4 -0 and a numeric(10,2) target',
		columns: 'x float4, y numeric',
		targetColumns: 'x float4, y numeric(10,2)',
		source: [`'-0', 1.234`, `1, 2.5`],
		target: [`0, 1.23`, `1, 2.50`],
		updates: 1,
	},
	{
		name: 'bytea and uuid[]',
		columns: 'b bytea, u uuid[]',
		source: [`'\\x00ff', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'`, `'\\x01', '{}'`],
		target: [`'\\x00ff', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'`, `'\\x02', '{}'`],
		updates: 1,
	},
	{
		name: 'varchar in the source, text in the target',
		columns: 'name varchar(20)',
		targetColumns: 'name text',
		source: [`'Ann'`, `'Bob'`],
		target: [`'Ann'`, `'bob'`],
		updates: 1,
	},
	{
		name: 'an enum array, and an enum',
		prelude: `CREATE TYPE mood AS ENUM ('ok', 'meh');`,
		columns: 'm mood, ms mood[]',
		source: [`'ok', '{ok,meh}'`, `'meh', '{}'`],
		target: [`'ok', '{ok,meh}'`, `'meh', '{meh}'`],
		updates: 1,
	},
	{
		name: 'hstore (extension type)',
		extension: 'hstore',
		prelude: 'CREATE EXTENSION IF NOT EXISTS hstore;',
		columns: 'h hstore',
		source: [`'a=>1, b=>2'`, `'c=>3'`],
		target: [`'b=>2, a=>1'`, `'c=>4'`],
		updates: 1,
	},
	{
		name: 'a domain over citext',
		extension: 'citext',
		prelude: 'CREATE EXTENSION IF NOT EXISTS citext; CREATE DOMAIN email AS citext;',
		columns: 'e email',
		source: [`'Ann@x.org'`, `'bob@x.org'`],
		target: [`'ann@x.org'`, `'bob@x.org'`],
		updates: 1,
	},
];

const pair = pairPerTest();

async function extensionMissing(name: string | undefined): Promise<string | undefined> {
	if (!name) return undefined;
	const found = await pair.target.client.query(`SELECT 1 FROM pg_available_extensions WHERE name = $1`, [name]);
	return found.rowCount === 0 ? `the ${name} extension is not available on this server` : undefined;
}

describe('upsert of more types: unchanged only when identical after writing', () => {
	test.for(cases.map((typeCase) => [typeCase.name, typeCase] as const))('%s', async ([, typeCase], context) => {
		const missing = await extensionMissing(typeCase.extension);
		if (missing) context.skip(missing);
		const table = (columns: string, rows: string[]) =>
			`${typeCase.prelude ?? ''} CREATE TABLE v (id int PRIMARY KEY, ${columns}); INSERT INTO v VALUES ${rows.map((row, index) => `(${index + 1}, ${row})`).join(', ')};`;
		await pair.source.client.query(table(typeCase.columns, typeCase.source));
		await pair.target.client.query(table(typeCase.targetColumns ?? typeCase.columns, typeCase.target));
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['v']},
			{'public.v': {insert: 0, update: typeCase.updates, delete: 0}},
		);
		// What the target stores for the source's values, computed on the target itself.
		const stored = await rowsOf(pair.target.client, `SELECT id, v::text AS r FROM v ORDER BY id`);
		const sourceRows = await rowsOf(pair.source.client, `SELECT id, v::text AS r FROM v ORDER BY id`);
		if (!typeCase.targetColumns) expect(stored).toEqual(sourceRows);
	});
});

describe('keys whose equality is not identity', () => {
	test('a key under a case-insensitive collation is refused with a finding, never guessed', async () => {
		const schema = `CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false); CREATE TABLE k (name text COLLATE ci PRIMARY KEY, v int);`;
		const icu = await pair.target.client.query(`SELECT 1 FROM pg_collation WHERE collprovider = 'i' LIMIT 1`);
		if (icu.rowCount === 0) return;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.source.client.query(`INSERT INTO k VALUES ('Ann', 1)`);
		await pair.target.client.query(`INSERT INTO k VALUES ('ann', 1)`);
		const {SyncSession, defaultSyncOptions} = await import('../../source/core/session/sync-session.js');
		const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
			schemas: ['public'],
			allSchemas: false,
		});
		const plan = session.plan({tables: ['k'], exclude: []}, {...defaultSyncOptions, mode: 'upsert'});
		const finding = plan.findings.find((candidate) => candidate.code === 'key-equality-inexact');
		expect(finding?.severity).toBe('blocking');
		expect(finding?.message).toMatch(/k\.name/);
		expect(finding?.hint).not.toMatch(/--/);
	});

	test('a float key: -0 and 0 are one row', async () => {
		for (const db of [pair.source, pair.target]) await db.client.query(`CREATE TABLE f (x float8 PRIMARY KEY, v text)`);
		await pair.source.client.query(`INSERT INTO f VALUES ('-0', 'a'), (1.5, 'b')`);
		await pair.target.client.query(`INSERT INTO f VALUES (0, 'a'), (1.5, 'c')`);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['f']},
			{'public.f': {insert: 0, update: 2, delete: 0}},
		);
		expect(await rowsOf(pair.target.client, `SELECT x::text, v FROM f ORDER BY x, v`)).toEqual(
			await rowsOf(pair.source.client, `SELECT x::text, v FROM f ORDER BY x, v`),
		);
	});
});

describe('settings a production role carries', () => {
	let role: TestRole;
	afterEach(async () => role?.drop([pair.target]));

	test('standard_conforming_strings = off and a search_path without public: keys with backslashes still match', async () => {
		const schema = `CREATE TABLE s (k text PRIMARY KEY, v int);`;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.source.client.query(`INSERT INTO s VALUES (E'a\\\\b', 1), (E'c\\\\', 2), ('plain', 3)`);
		await pair.target.client.query(`INSERT INTO s VALUES (E'a\\\\b', 0), ('plain', 3)`);
		role = await createRole('app');
		await grantApplicationRole(pair.target, role.name);
		await pair.target.client.query(
			`ALTER ROLE "${role.name}" SET standard_conforming_strings = off; ALTER ROLE "${role.name}" SET search_path = nowhere`,
		);
		await syncExactly(
			pair.source.endpoint,
			role.endpoint(pair.target),
			{mode: 'mirror', tables: ['s']},
			{'public.s': {insert: 1, update: 1, delete: 0}},
		);
		expect(await rowsOf(pair.target.client, `SELECT k, v FROM s ORDER BY k`)).toEqual(
			await rowsOf(pair.source.client, `SELECT k, v FROM s ORDER BY k`),
		);
	});

	test('a role that may only INSERT (insert mode) syncs: the lock it takes is one INSERT allows', async () => {
		for (const db of [pair.source, pair.target])
			await db.client.query(`CREATE TABLE events (id bigserial PRIMARY KEY, what text)`);
		await pair.source.client.query(`INSERT INTO events (what) SELECT 'e' || g FROM generate_series(1, 5) g`);
		await pair.target.client.query(`INSERT INTO events (what) VALUES ('e1')`);
		role = await createRole('writer');
		await grantApplicationRole(pair.target, role.name, {tablePrivileges: 'SELECT, INSERT'});
		await syncExactly(
			pair.source.endpoint,
			role.endpoint(pair.target),
			{mode: 'insert', tables: ['events']},
			{'public.events': {insert: 4, update: 0, delete: 0}},
		);
		const next = await pair.target.client.query(`SELECT nextval('events_id_seq')::int AS id`);
		expect(next.rows[0].id).toBeGreaterThan(5);
	});
});
