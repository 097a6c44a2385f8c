/**
 * Issue 13: the row hash must stay exact while it gets cheaper. PostgreSQL's hash of int8 and of the
 * types stored as int8 (timestamp, timestamptz, time, money…) folds the high 32 bits onto the low 32:
 * 1 and 4294967296 hash alike, and so do two instants 2³² µs apart in the right bits. Hashing those
 * natively (in hash_record_extended or on their own) took such a change for "unchanged": the dry run
 * missed it and the apply never wrote it. Each case here differs only by such a pair; the counts,
 * the target's rows afterwards and a second run that writes nothing prove it is seen, on PostgreSQL 18
 * (per-column hashes) and with a PostgreSQL 15 source (the whole-row hash, text form across versions).
 */
import {describe, expect, test} from 'vitest';
import {clusterInfo, freshDatabase} from '../support/databases.js';
import {rowsOf, syncExactly} from '../support/sync-runs.js';
import type {ClusterInfo} from '../support/global-setup.js';
import type {SyncMode} from '../../source/core/plan/types.js';

interface FoldCase {
	name: string;
	table: string;
	source: string;
	target: string;
	mode: SyncMode;
	counts: {insert: number; update: number; delete: number};
	/** The pair really collides under the type's own hash, so the case tests what it says. */
	collision: string;
}

// 2000-01-01 plus 1 µs and plus 2³² µs: int64 1 and 4294967296 inside timestamptz.
const oneMicro = `'2000-01-01 00:00:00.000001+00'`;
const twoToThe32Micros = `'2000-01-01 01:11:34.967296+00'`;

const cases: FoldCase[] = [
	{
		name: 'bigint column: 1 vs 4294967296, 0 vs 4294967297',
		table: 'CREATE TABLE f (id int PRIMARY KEY, n bigint)',
		source: 'INSERT INTO f VALUES (1, 4294967296), (2, 4294967297), (3, 5)',
		target: 'INSERT INTO f VALUES (1, 1), (2, 0), (3, 5)',
		mode: 'upsert',
		counts: {insert: 0, update: 2, delete: 0},
		collision: 'SELECT pg_catalog.hashint8extended(1, 0) = pg_catalog.hashint8extended(4294967296, 0) AS collides',
	},
	{
		name: 'timestamptz column: two instants whose microseconds fold alike',
		table: 'CREATE TABLE f (id int PRIMARY KEY, at timestamptz)',
		source: `INSERT INTO f VALUES (1, ${twoToThe32Micros}), (2, '2024-05-01 10:00:00+00')`,
		target: `INSERT INTO f VALUES (1, ${oneMicro}), (2, '2024-05-01 10:00:00+00')`,
		mode: 'upsert',
		counts: {insert: 0, update: 1, delete: 0},
		collision: `SELECT pg_catalog.timestamptz_hash_extended(${oneMicro}::timestamptz, 0) = pg_catalog.timestamptz_hash_extended(${twoToThe32Micros}::timestamptz, 0) AS collides`,
	},
	{
		name: 'bigint[] column: {1} vs {4294967296}',
		table: 'CREATE TABLE f (id int PRIMARY KEY, ns bigint[])',
		source: `INSERT INTO f VALUES (1, '{4294967296,7}'), (2, '{8}')`,
		target: `INSERT INTO f VALUES (1, '{1,7}'), (2, '{8}')`,
		mode: 'upsert',
		counts: {insert: 0, update: 1, delete: 0},
		collision: `SELECT pg_catalog.hash_array_extended('{1,7}'::bigint[], 0) = pg_catalog.hash_array_extended('{4294967296,7}'::bigint[], 0) AS collides`,
	},
	{
		// The whole-table fingerprint hashes the key too: equal fingerprints would call these tables identical.
		name: 'bigint key: row 4294967296 on the source, row 1 on the target (the nothing-changed shortcut)',
		table: 'CREATE TABLE f (id bigint PRIMARY KEY, label text)',
		source: `INSERT INTO f VALUES (4294967296, 'a'), (2, 'b')`,
		target: `INSERT INTO f VALUES (1, 'a'), (2, 'b')`,
		mode: 'mirror',
		counts: {insert: 1, update: 0, delete: 1},
		collision: `SELECT pg_catalog.hash_record_extended(ROW(1::bigint, 'a'::text), 0) = pg_catalog.hash_record_extended(ROW(4294967296::bigint, 'a'::text), 0) AS collides`,
	},
];

async function checkCase(foldCase: FoldCase, sourceCluster?: ClusterInfo) {
	const source = await freshDatabase('source', sourceCluster);
	const target = await freshDatabase('target');
	try {
		expect(
			(await target.client.query(foldCase.collision)).rows[0].collides,
			'the pair collides under the native hash',
		).toBe(true);
		await source.client.query(`${foldCase.table}; ${foldCase.source}`);
		await target.client.query(`${foldCase.table}; ${foldCase.target}`);
		await syncExactly(
			source.endpoint,
			target.endpoint,
			{mode: foldCase.mode, tables: ['f'], maxDeleteRatio: 1},
			{'public.f': foldCase.counts},
		);
		const rows = 'SELECT f::text AS r FROM f ORDER BY id';
		expect(await rowsOf(target.client, rows)).toEqual(await rowsOf(source.client, rows));
	} finally {
		await Promise.all([source.drop(), target.drop()]);
	}
}

describe('values whose native hash folds 64 bits into 32 are still changes', () => {
	test.for(cases.map((foldCase) => [foldCase.name, foldCase] as const))('%s', async ([, foldCase]) => {
		await checkCase(foldCase);
	});
});

const pg15 = clusterInfo('15');
describe.runIf(pg15)('PostgreSQL 15 source → 18 target', () => {
	test.for(cases.map((foldCase) => [foldCase.name, foldCase] as const))('%s', async ([, foldCase]) => {
		await checkCase(foldCase, pg15 as ClusterInfo);
	});
});
