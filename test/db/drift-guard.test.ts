/**
 * Issue 10 §3: the drift guard compares rows, not counts. The preview says "delete 5" (ids 301–305);
 * production then deletes 301 and creates 306: still "delete 5", but of other rows — the apply must
 * refuse. The same digests make a reviewed plan file (`--plan-out`, then `--plan --yes`).
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli} from '../support/sync-runs.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import {DriftError} from '../../source/core/apply/apply-sync.js';

const pair = pairPerTest();
let dir: string;
beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'pgconvoy-plan-'));
	for (const db of [pair.source, pair.target])
		await db.client.query(`CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)`);
	await pair.source.client.query(`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g`);
	await pair.target.client.query(`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 305) g`);
});
afterEach(async () => {
	rmSync(dir, {recursive: true, force: true});
});

/** Production moves on after the review: 301 goes, 306 arrives. The mirror still has 5 rows to delete. */
const productionMovesOn = () =>
	pair.target.client.query(`DELETE FROM items WHERE id = 301; INSERT INTO items VALUES (306, 'made in production')`);

describe('the drift guard compares rows, not counts', () => {
	test('the confirmed preview deleted 301–305; 306 replaced 301 since: the apply refuses and writes nothing', async () => {
		const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
			schemas: ['public'],
			allSchemas: false,
		});
		const plan = session.plan({tables: [], exclude: []}, {...defaultSyncOptions, mode: 'mirror', maxDeleteRatio: 1});
		const preview = await session.preview(plan);
		expect(preview.tables[0]).toMatchObject({delete: 5});
		await productionMovesOn();
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		const failure = await session.apply(plan, {expected: preview}).then(
			() => undefined,
			(error: unknown) => error,
		);
		expect(failure).toBeInstanceOf(DriftError);
		expect((failure as DriftError).fresh[0]).toMatchObject({delete: 5});
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
		expect((await pair.target.client.query(`SELECT count(*)::int AS n FROM items WHERE id = 306`)).rows[0].n).toBe(1);
	});

	test('a plan file round trip: reviewed, then applied as reviewed; no password in the file', async () => {
		const file = join(dir, 'plan.json');
		const args = ['--from', pair.source.url, '--to', pair.target.url];
		const dry = await cli([...args, '--mode', 'mirror', '--max-delete', '100%', '--dry-run', '--plan-out', file]);
		expect(dry.code, dry.output).toBe(0);
		const saved = readFileSync(file, 'utf8');
		// (The test cluster's password is the word pgconvoy itself: look for it where a password would be.)
		expect(saved).not.toMatch(/password/i);
		expect(saved).not.toContain(`:${pair.target.endpoint.password}@`);
		expect(Object.keys(JSON.parse(saved).target).sort()).toEqual(['database', 'host', 'port', 'user']);
		expect(JSON.parse(saved).tables[0]).toMatchObject({table: 'public.items', delete: 5});
		const applied = await cli([...args, '--plan', file, '--yes', '--json']);
		expect(applied.code, applied.output).toBe(0);
		expect(JSON.parse(applied.stdout).tables[0]).toMatchObject({table: 'public.items', deleted: 5});
		expect(
			(await pair.target.client.query(`SELECT max(id)::int AS max, count(*)::int AS n FROM items`)).rows[0],
		).toEqual({max: 300, n: 300});
	});

	test('a stale plan is refused: the same counts, other rows', async () => {
		const file = join(dir, 'plan.json');
		const args = ['--from', pair.source.url, '--to', pair.target.url];
		expect(
			(await cli([...args, '--mode', 'mirror', '--max-delete', '100%', '--dry-run', '--plan-out', file])).code,
		).toBe(0);
		await productionMovesOn();
		const before = await databaseChecksums(pair.target.client, ['public.items']);
		const applied = await cli([...args, '--plan', file, '--yes']);
		expect(applied.code, applied.output).toBe(5);
		expect(applied.output).toMatch(/changed since/);
		expect(await databaseChecksums(pair.target.client, ['public.items'])).toEqual(before);
	});

	test('a plan is refused against other databases, and --plan takes no --tables or --mode', async () => {
		const file = join(dir, 'plan.json');
		expect(
			(await cli(['--from', pair.source.url, '--to', pair.target.url, '--dry-run', '--plan-out', file])).code,
		).toBe(0);
		const other = await cli(['--from', pair.target.url, '--to', pair.source.url, '--plan', file, '--yes']);
		expect(other.code, other.output).toBe(2);
		expect(other.output).toMatch(/reviewed for the source/);
		const mixed = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--plan',
			file,
			'--mode',
			'upsert',
			'--yes',
		]);
		expect(mixed.code, mixed.output).toBe(2);
	});
});
