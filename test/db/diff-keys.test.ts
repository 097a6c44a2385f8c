import {beforeEach, describe, expect, test} from 'vitest';
import type pg from 'pg';
import {pairPerTest} from '../support/databases.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncMode} from '../../source/core/plan/types.js';

// The diff reads `key, hash` as binary COPY and orders keys itself: these keys probe that order
// (bytes under COLLATE "C", signed integers at the int8 edges, uuids, keys compared through text)
// and a table large enough to span many socket chunks and the read-ahead limit.
const schema = `
CREATE TABLE k_text (k text PRIMARY KEY, v int);
CREATE TABLE k_big (k bigint PRIMARY KEY, v int);
CREATE TABLE k_uuid (k uuid PRIMARY KEY, v int);
CREATE TABLE k_pair (a varchar(20), b smallint, v int, PRIMARY KEY (a, b));
CREATE TABLE k_char (k char(4) PRIMARY KEY, v int);
CREATE TABLE k_num (k numeric PRIMARY KEY, v int);
CREATE TABLE k_large (id int PRIMARY KEY, v text);
`;

const texts = [
	'',
	' ',
	'a',
	'A',
	'a b',
	'a\tb',
	'a\nb',
	'a\\b',
	'a\\\\b',
	'ab',
	'é',
	'e\u0301',
	'z',
	'ä',
	'€',
	'𝄞',
	'\u{10FFFF}',
	'x"y',
	"o'k",
	'NULL',
	'\\N',
];
const bigints = [
	'-9223372036854775808',
	'-9007199254740993',
	'-9007199254740992',
	'-256',
	'-255',
	'-1',
	'0',
	'1',
	'255',
	'256',
	'65536',
	'9007199254740993',
	'9223372036854775807',
];
const uuids = [
	'00000000-0000-0000-0000-000000000000',
	'00000000-0000-0000-0000-0000000000ff',
	'7fffffff-ffff-ffff-ffff-ffffffffffff',
	'80000000-0000-0000-0000-000000000000',
	'ffffffff-ffff-ffff-ffff-ffffffffffff',
	'0f000000-0000-0000-0000-000000000000',
];
const chars = ['a', 'a b', 'ab', 'b', 'Z', 'é'];
const numerics = ['-10', '-9.5', '0', '9', '10', '1e3', '0.001'];
const largeRows = 300_000;

/** Every key of a list on the source; the target misses every 3rd, changes every 4th, and has keys of its own. */
async function fill(
	source: pg.Client,
	target: pg.Client,
	table: string,
	column: string,
	type: string,
	keys: string[],
	extra: string[],
) {
	const rows = keys.map((key, index) => ({key, index}));
	await source.query(
		`INSERT INTO ${table} (${column}, v) SELECT k, i FROM unnest($1::${type}[], $2::int[]) AS u(k, i)`,
		[rows.map((row) => row.key), rows.map((row) => row.index)],
	);
	const kept = rows.filter((row) => row.index % 3 !== 0);
	await target.query(
		`INSERT INTO ${table} (${column}, v) SELECT k, i FROM unnest($1::${type}[], $2::int[]) AS u(k, i)`,
		[kept.map((row) => row.key), kept.map((row) => (row.index % 4 === 1 ? -row.index : row.index))],
	);
	await target.query(`INSERT INTO ${table} (${column}, v) SELECT k, 0 FROM unnest($1::${type}[]) AS k`, [extra]);
	const insert = rows.length - kept.length;
	const update = kept.filter((row) => row.index % 4 === 1).length;
	return {insert, update, skip: kept.length - update, delete: extra.length};
}

const pair = pairPerTest();
let expected: Record<string, {insert: number; update: number; skip: number; delete: number}>;

beforeEach(async () => {
	for (const db of [pair.source, pair.target]) await db.client.query(schema);
	const [s, t] = [pair.source.client, pair.target.client];
	expected = {
		'public.k_text': await fill(s, t, 'k_text', 'k', 'text', texts, ['only\there', 'ü', '𝄢']),
		'public.k_big': await fill(s, t, 'k_big', 'k', 'bigint', bigints, [
			'-9223372036854775807',
			'9223372036854775806',
			'2',
		]),
		'public.k_uuid': await fill(s, t, 'k_uuid', 'k', 'uuid', uuids, ['10000000-0000-0000-0000-000000000000']),
		'public.k_char': await fill(s, t, 'k_char', 'k', 'char(4)', chars, ['c']),
		'public.k_num': await fill(s, t, 'k_num', 'k', 'numeric', numerics, ['99', '-99.9']),
	};
	await s.query(
		`INSERT INTO k_pair SELECT a, b, b FROM unnest(ARRAY['x', 'x y', 'y', 'Y']) a, generate_series(-2, 2) b`,
	);
	await t.query(
		`INSERT INTO k_pair SELECT a, b, CASE WHEN a = 'y' THEN b + 1 ELSE b END FROM unnest(ARRAY['x', 'y', 'Y', 'z']) a, generate_series(-1, 2) b`,
	);
	expected['public.k_pair'] = {insert: 8, update: 4, skip: 8, delete: 4};
	await s.query(`INSERT INTO k_large SELECT g, md5(g::text) FROM generate_series(1, ${largeRows}) g`);
	await t.query(
		`INSERT INTO k_large SELECT g, CASE WHEN g % 10 = 3 THEN 'changed' ELSE md5(g::text) END FROM generate_series(1, ${largeRows}) g WHERE g % 7 <> 0`,
	);
	await t.query(`INSERT INTO k_large SELECT -g, 'extra' FROM generate_series(1, 500) g`);
	const missing = Math.floor(largeRows / 7);
	const changed = Array.from({length: largeRows}, (_, index) => index + 1).filter(
		(g) => g % 10 === 3 && g % 7 !== 0,
	).length;
	expected['public.k_large'] = {insert: missing, update: changed, skip: largeRows - missing - changed, delete: 500};
}, 120_000);

async function contents(client: pg.Client, table: string): Promise<string> {
	const result = await client.query(
		`SELECT count(*)::text || ':' || coalesce(sum(hashtext(t::text)::bigint), 0)::text AS f FROM ${table} t`,
	);
	return result.rows[0].f as string;
}

async function sync(mode: SyncMode, maxListedKeys?: number) {
	const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
		schemas: ['public'],
		allSchemas: false,
	});
	const plan = session.plan({tables: [], exclude: []}, {...defaultSyncOptions, mode, maxDeleteRatio: 1});
	const preview = await session.preview(plan);
	const result = await session.apply(plan, {expected: preview, maxListedKeys});
	return {preview, result};
}

describe('binary key diff', () => {
	test.each([
		['upsert', undefined],
		['mirror', undefined],
		['mirror', 3],
		['insert', undefined],
	] as const)(
		'%s (max listed keys %s): exact counts and the source contents on every key type',
		async (mode, maxListedKeys) => {
			const {preview, result} = await sync(mode, maxListedKeys);
			for (const counts of preview.tables) {
				const want = expected[counts.table]!;
				expect({
					table: counts.table,
					insert: counts.insert,
					differing: counts.differing,
					delete: counts.delete,
				}).toEqual({
					table: counts.table,
					insert: want.insert,
					differing: want.update,
					delete: mode === 'mirror' ? want.delete : 0,
				});
				const written = result.tables.find((table) => table.table === counts.table)!;
				expect([written.inserted, written.updated, written.deleted]).toEqual([
					want.insert,
					mode === 'insert' ? 0 : want.update,
					mode === 'mirror' ? want.delete : 0,
				]);
			}
			for (const table of Object.keys(expected)) {
				const name = table.replace('public.', '');
				const [source, target] = [await contents(pair.source.client, name), await contents(pair.target.client, name)];
				if (mode === 'mirror') expect(target, table).toBe(source);
				else expect(Number(target.split(':')[0]), table).toBe(Number(source.split(':')[0]) + expected[table]!.delete);
			}
			const again = await sync(mode);
			for (const table of again.result.tables)
				expect([table.table, table.inserted, table.updated, table.deleted]).toEqual([table.table, 0, 0, 0]);
		},
		120_000,
	);

	test('a duplicate key under --key is reported, and the connection is usable afterwards', async () => {
		await pair.source.client.query(
			`CREATE TABLE dup (id int, v text); INSERT INTO dup SELECT g % 150000, 'x' FROM generate_series(1, 300000) g`,
		);
		await pair.target.client.query(`CREATE TABLE dup (id int, v text)`);
		await pair.target.client.query(`INSERT INTO dup SELECT g, 'y' FROM generate_series(1, 10) g`);
		const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
			schemas: ['public'],
			allSchemas: false,
		});
		const plan = session.plan(
			{tables: ['dup'], exclude: []},
			{...defaultSyncOptions, mode: 'upsert', keys: {'public.dup': ['id']}},
		);
		// The preview reports it as a blocking finding for the table (the stream was drained, the session goes on).
		const preview = await session.preview(plan);
		const finding = preview.findings.find((candidate) => candidate.code === 'key-not-unique');
		expect(finding?.severity).toBe('blocking');
		expect(finding?.message).toMatch(/not unique in the source: \(0\)/);
		await expect(session.apply(plan)).rejects.toThrow(/not unique in the source/);
		expect((await pair.target.client.query('SELECT count(*)::int AS n FROM dup')).rows[0].n).toBe(10);
	}, 60_000);
});
