/**
 * Issue 13 (upsert, every row differs): when the whole source table is staged on the target anyway,
 * the diff can come from the target alone (stage FULL JOIN table) instead of both servers hashing
 * every row. It may stand in for diffTable only if it says exactly the same: the counts, the key
 * digests the drift guard compares, and the key lists, on every key type and on values whose
 * equality is not identity (1.5 vs 1.50, -0 vs 0, int8 values whose hash folds alike).
 */
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import type pg from 'pg';
import {freshPair} from '../support/databases.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/sync-session.js';
import type {SyncMode, TablePlan} from '../../source/core/plan/types.js';
import {diffTable, type TableDiff} from '../../source/core/diff/diff-table.js';
import {diffAgainstStage, stageDiffApplies} from '../../source/core/diff/stage-diff.js';
import {createStageSql} from '../../source/core/apply/write-sql.js';
import {copyRows} from '../../source/core/apply/copy-rows.js';
import {withComparisonSettings} from '../../source/core/connection/session-settings.js';

// k_text's ICU collation orders 'a' < 'A' < 'B', unlike the bytes order (COLLATE "C") both diffs must read keys in.
const schema = `
CREATE TABLE k_text (k text COLLATE "und-x-icu" PRIMARY KEY, v int, n numeric, f float8, b bigint);
CREATE TABLE k_big (k bigint PRIMARY KEY, v int, at timestamptz);
CREATE TABLE k_uuid (k uuid PRIMARY KEY, v int);
CREATE TABLE k_pair (a varchar(20), b smallint, v int, PRIMARY KEY (a, b));
CREATE TABLE k_num (k numeric PRIMARY KEY, v int);
CREATE TABLE k_large (id int PRIMARY KEY, v text);
`;

const sourceData = `
INSERT INTO k_text VALUES ('', 1, 1.50, '-0', 4294967296), ('a', 2, 2, 1, 1), ('A', 3, 3, 1, 1), ('é', 4, 4, 1, 1), ('𝄞', 5, 5, 1, 1), ('a b', 6, 6, 1, 1), ('z', 7, 7, 1, 1), ('B', 8, 8, 1, 1);
INSERT INTO k_big VALUES (-9223372036854775808, 1, '2000-01-01 01:11:34.967296+00'), (-1, 2, now()), (0, 3, '2020-01-01'), (4294967296, 4, '2020-01-01'), (9223372036854775807, 5, '2020-01-01');
INSERT INTO k_uuid VALUES ('00000000-0000-0000-0000-000000000000', 1), ('7fffffff-ffff-ffff-ffff-ffffffffffff', 2), ('80000000-0000-0000-0000-000000000000', 3), ('ffffffff-ffff-ffff-ffff-ffffffffffff', 4);
INSERT INTO k_pair SELECT a, b, b FROM unnest(ARRAY['x', 'x y', 'y', 'Y']) a, generate_series(-2, 2) b;
INSERT INTO k_num VALUES (1, 1), (2.50, 2);
INSERT INTO k_large SELECT g, md5(g::text) FROM generate_series(1, 100000) g;
`;

const targetData = `
INSERT INTO k_text VALUES ('', 1, 1.5, '0', 1), ('a', -2, 2, 1, 1), ('A', -3, 3, 1, 1), ('𝄞', 5, 5, 1, 1), ('only', 0, 0, 0, 0), ('z', 7, 7.0, 1, 1), ('B', -8, 8, 1, 1);
INSERT INTO k_big VALUES (-9223372036854775808, 1, '2000-01-01 00:00:00.000001+00'), (0, 3, '2020-01-01'), (1, 4, '2020-01-01'), (9223372036854775807, -5, '2020-01-01');
INSERT INTO k_uuid VALUES ('00000000-0000-0000-0000-000000000000', 1), ('80000000-0000-0000-0000-000000000000', -3), ('10000000-0000-0000-0000-000000000000', 0);
INSERT INTO k_pair SELECT a, b, CASE WHEN a = 'y' THEN b + 1 ELSE b END FROM unnest(ARRAY['x', 'y', 'Y', 'z']) a, generate_series(-1, 2) b;
INSERT INTO k_num VALUES (1.0, 1);
INSERT INTO k_large SELECT g, CASE WHEN g % 10 = 3 THEN 'changed' ELSE md5(g::text) END FROM generate_series(1, 100000) g WHERE g % 7 <> 0;
INSERT INTO k_large SELECT -g, 'extra' FROM generate_series(1, 50) g;
`;

let pair: Awaited<ReturnType<typeof freshPair>>;

beforeEach(async () => {
	pair = await freshPair();
	await pair.source.client.query(schema + sourceData);
	await pair.target.client.query(schema + targetData);
}, 120_000);
afterEach(async () => pair.drop());

const listed = (diff: TableDiff) => ({insert: diff.insertKeys.toArray(), update: diff.updateKeys.toArray(), delete: diff.deleteKeys.toArray(), keysListed: diff.keysListed});

/** Both diffs of one table, in one snapshot per side, the target's stage rolled back afterwards. */
async function bothDiffs(table: TablePlan, hashMethod: 'record' | 'text', mode: SyncMode, source: pg.Client, target: pg.Client) {
	await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
	await target.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
	try {
		const options = {mode, hashMethod, keepKeys: true, maxListedKeys: 1_000_000};
		const streamed = await withComparisonSettings(source, () => withComparisonSettings(target, () => diffTable(table, source, target, {...options, withHashes: true, fingerprintShortcut: false})));
		await target.query(createStageSql(table, 'pg_temp.stage'));
		await copyRows(table, source, target, 'pg_temp.stage');
		const staged = await withComparisonSettings(target, () => diffAgainstStage(table, target, 'pg_temp.stage', options));
		return {streamed, staged};
	} finally {
		await Promise.all([source.query('ROLLBACK'), target.query('ROLLBACK')]);
	}
}

describe('the diff against a whole-table stage says what the two-server diff says', () => {
	test.each(['upsert', 'mirror'] as const)(
		'%s: counts, digests and key lists on every key type',
		async (mode) => {
			const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {schemas: ['public'], allSchemas: false});
			try {
				const plan = session.plan({tables: [], exclude: []}, {...defaultSyncOptions, mode, maxDeleteRatio: 1});
				const applicable = plan.tables.filter(stageDiffApplies).map((table) => table.id);
				// A numeric key matches 1 = 1.0: it may repeat in its canonical form, which only diffTable checks per side.
				expect(applicable.sort()).toEqual(['public.k_big', 'public.k_large', 'public.k_pair', 'public.k_text', 'public.k_uuid']);
				for (const table of plan.tables.filter(stageDiffApplies)) {
					for (const hashMethod of ['record', 'text'] as const) {
						const {streamed, staged} = await bothDiffs(table, hashMethod, mode, pair.source.client, pair.target.client);
						expect({hashMethod, ...staged.counts}).toEqual({hashMethod, ...streamed.counts});
						expect(listed(staged), `${table.id} ${hashMethod} key lists`).toEqual(listed(streamed));
					}
				}
				const large = plan.tables.find((table) => table.id === 'public.k_large')!;
				const {staged} = await bothDiffs(large, 'record', mode, pair.source.client, pair.target.client);
				const missing = Math.floor(100_000 / 7);
				const changed = Array.from({length: 100_000}, (_, index) => index + 1).filter((g) => g % 10 === 3 && g % 7 !== 0).length;
				expect([staged.counts.insert, staged.counts.update, staged.counts.skip, staged.counts.delete]).toEqual([missing, changed, 100_000 - missing - changed, mode === 'mirror' ? 50 : 0]);
				const text = plan.tables.find((table) => table.id === 'public.k_text')!;
				// 1.50 vs 1.5, -0 vs 0, 4294967296 vs 1 (one row), 'a', 'A', 'B' (v), 'z' 7 vs 7.0: changes; 'é', 'a b' new; 'only' gone.
				expect((await bothDiffs(text, 'record', mode, pair.source.client, pair.target.client)).staged.counts).toMatchObject({insert: 2, update: 5, skip: 1, delete: mode === 'mirror' ? 1 : 0});
			} finally {
				await session.close();
			}
		},
		120_000,
	);
});
