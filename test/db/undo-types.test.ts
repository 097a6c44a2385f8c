/**
 * Issue 11, the kind "a journal holds rows exactly": every type and catalog feature a real table has
 * goes into the journal (binary COPY) and comes back byte for byte. Each case syncs (upsert or mirror:
 * inserts, updates and deletes), undoes, and compares every column's JSON text with before.
 * Also on PostgreSQL 15 as the target, where the system's 15 is installed.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {clusterInfo, freshPair} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, journalCli} from '../support/sync-runs.js';

let pair: Awaited<ReturnType<typeof freshPair>> | undefined;
afterEach(async () => pair?.drop());

const schema = `
	CREATE EXTENSION IF NOT EXISTS citext;
	CREATE EXTENSION IF NOT EXISTS hstore;
	CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
	CREATE TYPE money_pair AS (amount numeric(10,2), currency text);
	CREATE DOMAIN email AS citext CHECK (VALUE LIKE '%@%');
	CREATE TABLE kinds (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		amount numeric(12,4), ratio float8, small real, tags text[], mood mood, moods mood[], pair money_pair,
		during tstzrange, doc jsonb, raw json, bytes bytea, at timestamptz, local_at timestamp, span interval,
		addr inet, mail email, attrs hstore, uid uuid, flags bit varying(8), note text COLLATE "C",
		doubled numeric GENERATED ALWAYS AS (amount * 2) STORED);`;

const row = (id: number, variant: string) =>
	`(${id}, ${variant === 'a' ? `1.5000, -0, 'NaN', '{a,"b c",NULL}', 'ok', '{sad,happy}', ROW(1.50, 'EUR'), '[2026-01-01,2026-02-01)', '{"b": 1, "a": [1, 2.50]}', '{"z": 1,  "a": 2}', '\\x00ff', '2026-03-29 01:30:00+01', '2026-03-29 02:30', '1 mon 2 days 03:04:05.678', '10.0.0.1/24', 'Ann@Example.org', 'a=>1, b=>NULL', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', B'1010', E'tab\\there'` : `1.5, 0, 'Infinity', '{}', 'happy', NULL, ROW(NULL, NULL), 'empty', '[]', 'null', '', 'infinity', '-infinity', '-1 day', '::1', 'bob@x.org', '', NULL, B'', NULL`})`;

async function prepare(mode: 'upsert' | 'mirror', targetCluster?: ReturnType<typeof clusterInfo>) {
	pair = await freshPair(undefined, targetCluster ?? undefined);
	for (const db of [pair.source, pair.target]) await db.client.query(schema);
	const insert = (ids: number[], variant: string) =>
		`INSERT INTO kinds (id, amount, ratio, small, tags, mood, moods, pair, during, doc, raw, bytes, at, local_at, span, addr, mail, attrs, uid, flags, note) OVERRIDING SYSTEM VALUE VALUES ${ids.map((id) => row(id, variant)).join(', ')}`;
	// Source: rows 1–6 as 'a'; target: 1–3 as 'a' (unchanged), 4–5 as 'b' (updated by the sync), 7–8 'b' (deleted by mirror).
	await pair.source.client.query(insert([1, 2, 3, 4, 5, 6], 'a'));
	await pair.target.client.query(insert([1, 2, 3], 'a'));
	await pair.target.client.query(insert([4, 5, 7, 8], 'b'));
	return {tables: ['public.kinds'], mode};
}

const cases = [
	{mode: 'upsert' as const, on: '18', written: {inserted: 1, updated: 2, deleted: 0}},
	{mode: 'mirror' as const, on: '18', written: {inserted: 1, updated: 2, deleted: 2}},
	{mode: 'mirror' as const, on: '15', written: {inserted: 1, updated: 2, deleted: 2}},
];

describe('undo puts every type back exactly', () => {
	test.for(cases)('$mode, target on PostgreSQL $on', async ({mode, on, written}, context) => {
		const targetCluster = on === '15' ? clusterInfo('15') : undefined;
		if (on === '15' && !targetCluster) return context.skip();
		await prepare(mode, targetCluster);
		const before = await databaseChecksums(pair!.target.client, ['public.kinds']);
		const synced = await cli([
			'--from',
			pair!.source.url,
			'--to',
			pair!.target.url,
			'--tables',
			'kinds',
			'--mode',
			mode,
			'--max-delete',
			'100%',
			'--yes',
			'--json',
		]);
		expect(synced.code, synced.output).toBe(0);
		expect(JSON.parse(synced.stdout).tables[0]).toMatchObject(written);
		// Mirror leaves the target equal to the source; upsert keeps the rows only the target has.
		if (mode === 'mirror')
			expect(await databaseChecksums(pair!.target.client, ['public.kinds'])).toEqual(
				await databaseChecksums(pair!.source.client, ['public.kinds']),
			);

		const undone = await journalCli('undo', ['last', '--to', pair!.target.url, '--yes', '--json']);
		expect(undone.code, undone.output).toBe(0);
		expect(JSON.parse(undone.stdout).totals).toEqual({
			delete: written.inserted,
			restore: written.updated,
			reinsert: written.deleted,
			conflicts: 0,
		});
		expect(await databaseChecksums(pair!.target.client, ['public.kinds'])).toEqual(before);
	});

	test('a partitioned table and an INHERITS child: rows go back to their partitions, the child is never touched', async () => {
		pair = await freshPair();
		const ddl = `
			CREATE TABLE events (id int, at date NOT NULL, what text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
			CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
			CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
			CREATE TABLE notes (id int PRIMARY KEY, body text);
			CREATE TABLE notes_archive (archived_at date) INHERITS (notes);`;
		for (const db of [pair.source, pair.target]) await db.client.query(ddl);
		await pair.source.client.query(
			`INSERT INTO events VALUES (1, '2025-05-01', 'a'), (2, '2026-05-01', 'b2'), (4, '2026-07-01', 'new'); INSERT INTO notes VALUES (1, 'n1 v2'), (3, 'n3')`,
		);
		await pair.target.client.query(
			`INSERT INTO events VALUES (1, '2025-05-01', 'a'), (2, '2026-05-01', 'b'), (3, '2025-06-01', 'gone'); INSERT INTO notes VALUES (1, 'n1'), (2, 'n2'); INSERT INTO notes_archive VALUES (9, 'archived', '2020-01-01')`,
		);
		const tables = ['public.events_2025', 'public.events_2026', 'public.notes', 'public.notes_archive'];
		const before = await databaseChecksums(pair.target.client, tables);
		const synced = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'events,notes',
			'--mode',
			'mirror',
			'--max-delete',
			'100%',
			'--yes',
			'--json',
		]);
		expect(synced.code, synced.output).toBe(0);
		const undone = await journalCli('undo', ['last', '--to', pair.target.url, '--yes']);
		expect(undone.code, undone.output).toBe(0);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});
});
