import {beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncMode} from '../../source/core/plan/types.js';

const schema = `
CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE TABLE parents (id serial PRIMARY KEY, name text NOT NULL, mood mood, data jsonb, tags text[], seen timestamptz, score numeric(6,2), manager_id int REFERENCES parents(id));
CREATE TABLE children (parent_id int NOT NULL REFERENCES parents(id) ON DELETE CASCADE, slot int NOT NULL, note text, PRIMARY KEY (parent_id, slot));
CREATE TABLE things (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text, label_upper text GENERATED ALWAYS AS (upper(label)) STORED);
`;

const pair = pairPerTest();
beforeEach(async () => {
	for (const db of [pair.source, pair.target]) await db.client.query(schema);
	await pair.source.client.query(`
		INSERT INTO parents (id, name, mood, data, tags, seen, score, manager_id) SELECT g, 'p' || g, 'ok', jsonb_build_object('g', g), ARRAY['a','b'], '2024-01-01'::timestamptz + g * interval '1 hour', g / 3.0, CASE WHEN g > 1 THEN 1 END FROM generate_series(1, 100) g;
		SELECT setval('parents_id_seq', 100);
		INSERT INTO children SELECT p, s, 'n' FROM generate_series(1, 100) p, generate_series(1, 3) s;
		INSERT INTO things (label) SELECT 'thing ' || g FROM generate_series(1, 50) g;`);
	await pair.target.client.query(`
		INSERT INTO parents (id, name, mood, data, tags, seen, score, manager_id) SELECT g, 'p' || g, 'ok', jsonb_build_object('g', g), ARRAY['a','b'], '2024-01-01'::timestamptz + g * interval '1 hour', g / 3.0, CASE WHEN g > 1 THEN 1 END FROM generate_series(1, 80) g;
		INSERT INTO parents (id, name) VALUES (500, 'target only');
		UPDATE parents SET mood = 'meh' WHERE id IN (2, 3);
		UPDATE parents SET data = '{"g": 0}' WHERE id = 4;
		INSERT INTO children SELECT p, s, 'n' FROM generate_series(1, 80) p, generate_series(1, 3) s;
		INSERT INTO children VALUES (500, 1, 'orphan-ish');`);
});

async function run(mode: SyncMode) {
	const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
		schemas: ['public'],
		allSchemas: false,
	});
	try {
		const plan = session.plan({tables: [], exclude: []}, {...defaultSyncOptions, mode, maxDeleteRatio: 1});
		const preview = await session.preview(plan);
		const result = await session.apply(plan, {expected: preview});
		return {plan, preview, result};
	} finally {
		await session.close();
	}
}

describe('engine smoke', () => {
	test.each(['insert', 'upsert', 'mirror'] as const)('%s mode', async (mode) => {
		const {plan, preview, result} = await run(mode);
		const counts = Object.fromEntries(preview.tables.map((t) => [t.table, t]));
		const order = plan.tables.map((t) => t.id);
		expect(order.indexOf('public.parents')).toBeLessThan(order.indexOf('public.children'));
		expect(counts['public.parents']!.insert).toBe(20);
		expect(counts['public.parents']!.differing).toBe(3);
		for (const table of result.tables) {
			const before = counts[table.table]!;
			expect(table.inserted).toBe(before.insert);
			expect(table.updated).toBe(before.update);
			expect(table.deleted).toBe(before.delete);
		}
		const again = await run(mode);
		for (const table of again.result.tables) expect([table.inserted, table.updated, table.deleted]).toEqual([0, 0, 0]);
		const sequence = await pair.target.client.query(`SELECT last_value FROM parents_id_seq`);
		expect(Number(sequence.rows[0].last_value)).toBeGreaterThanOrEqual(100);
	});
});
