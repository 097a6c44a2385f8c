/**
 * The per-table write plan as a value (planTableWrite): decided from a table's counts before anything
 * runs, it is what the apply executes and what the preview's forecasts read. For each path, the plan
 * made from the preview's counts names the statements the apply then runs, and the apply changes
 * exactly the rows the plan says, leaving the target equal to the source.
 */
import {describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncMode} from '../../source/core/plan/types.js';
import {planTableWrite, type TableWritePlan} from '../../source/core/write/write-plan.js';
import {describeWritePlan} from '../../source/core/write/render-write.js';

const pair = pairPerTest({
	schema: `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
		CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, mentor_id int REFERENCES people)`,
	source: `INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g;
		INSERT INTO people SELECT g, 'person ' || g, CASE WHEN g > 1 THEN g - 1 END FROM generate_series(1, 200) g`,
});

/** Preview, plan each table's write from the preview's counts, then apply; what each said. */
async function previewPlanApply(mode: SyncMode, tables: string[]) {
	const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
		schemas: ['public'],
		allSchemas: false,
	});
	const plan = session.plan({tables, exclude: []}, {...defaultSyncOptions, mode, maxDeleteRatio: 1});
	const preview = await session.preview(plan);
	const writes = new Map<string, TableWritePlan>(
		plan.tables.map((table, index) => {
			const counts = preview.tables.find((candidate) => candidate.table === table.id)!;
			const input = {index, mode, hashMethod: plan.hashMethod, counts, keysListed: true};
			return [table.id, planTableWrite(table, {...input, targetEmpty: counts.targetRows === 0})];
		}),
	);
	const result = await session.apply(plan, {expected: preview});
	return {writes, result};
}

const kinds = (write: TableWritePlan) =>
	[...write.statements, ...write.deletes].map((statement) =>
		statement.kind === 'copy' ? `copy ${statement.source} into ${statement.into}` : statement.kind,
	);

async function expectTargetEqualsSource(tables: string[]) {
	expect(await databaseChecksums(pair.target.client, tables)).toEqual(
		await databaseChecksums(pair.source.client, tables),
	);
}

describe('the write plan, from the preview to the apply', () => {
	test('an empty target table: COPY straight into it, no diff and no stage', async () => {
		const {writes, result} = await previewPlanApply('insert', ['items']);
		const write = writes.get('public.items')!;
		expect(write.path).toBe('direct-copy');
		expect(kinds(write)).toEqual(['copy all into table']);
		expect(describeWritePlan(write)[0]).toBe(
			'public.items: the target table is empty: COPY straight into it (+1,000 ~0 -0)',
		);
		expect(result.tables[0]).toMatchObject({inserted: 1000, updated: 0});
		await expectTargetEqualsSource(['public.items']);
	});

	test('a few changes: missing rows COPYed straight in by key list, changed ones staged and updated by index probes', async () => {
		await pair.target.client.query(
			`INSERT INTO items SELECT g, CASE WHEN g % 100 = 0 THEN 'old ' || g ELSE 'item ' || g END FROM generate_series(1, 950) g`,
		);
		const {writes, result} = await previewPlanApply('upsert', ['items']);
		const write = writes.get('public.items')!;
		expect(write.path).toBe('key-lists');
		expect(write.rows).toEqual({insert: 50, update: 9, delete: 0});
		expect(kinds(write)).toEqual([
			'copy insert-keys into table',
			'create-stage',
			'copy update-keys into stage',
			'update',
		]);
		expect(write.statements.at(-1)).toMatchObject({kind: 'update', rows: 9, join: 'probe', exceptNewRows: false});
		expect(describeWritePlan(write)).toEqual([
			'public.items: by key lists (+50 ~9 -0)',
			'  1. COPY the source rows of the keys to insert into public.items: 50 rows',
			expect.stringMatching(/^ {2}2\. CREATE TEMP TABLE pg_temp\."pgconvoy_stage_0" \(the stage\)$/),
			'  3. COPY the source rows of the keys to update into the stage: 9 rows',
			'  4. UPDATE the rows that differ from the stage: 9 rows (index probes)',
		]);
		expect(result.tables[0]).toMatchObject({inserted: 50, updated: 9});
		await expectTargetEqualsSource(['public.items']);
	});

	test('most rows changed: the whole source staged in key order, indexed, then one INSERT and one UPDATE', async () => {
		await pair.target.client.query(`INSERT INTO items SELECT g, 'old ' || g FROM generate_series(1, 400) g`);
		const {writes, result} = await previewPlanApply('upsert', ['items']);
		const write = writes.get('public.items')!;
		expect(write.path).toBe('whole-table');
		expect(kinds(write)).toEqual([
			'create-stage',
			'copy all into stage',
			'index-stage',
			'remember-new-keys',
			'insert',
			'update',
		]);
		expect(write.statements[1]).toMatchObject({orderedByKey: true, rows: 1000});
		expect(write.statements.at(-1)).toMatchObject({kind: 'update', rows: 400, join: 'merge', exceptNewRows: true});
		expect(result.tables[0]).toMatchObject({inserted: 600, updated: 400});
		await expectTargetEqualsSource(['public.items']);
	});

	test('a self-referencing table: new rows go through the stage in one INSERT, so a mentor added with them is there', async () => {
		await pair.target.client.query(
			`INSERT INTO people SELECT g, 'person ' || g, CASE WHEN g > 1 THEN g - 1 END FROM generate_series(1, 190) g`,
		);
		const {writes, result} = await previewPlanApply('upsert', ['people']);
		const write = writes.get('public.people')!;
		expect(write.path).toBe('key-lists');
		expect(kinds(write)).toEqual(['create-stage', 'copy insert-keys into stage', 'insert']);
		expect(result.tables[0]).toMatchObject({inserted: 10, updated: 0});
		await expectTargetEqualsSource(['public.people']);
	});

	test('a mirror: the deletes are planned after the writes, by key list, and run children first', async () => {
		await pair.target.client.query(
			`INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1010) g;
			 INSERT INTO people SELECT g, 'person ' || g, CASE WHEN g > 1 THEN g - 1 END FROM generate_series(1, 200) g`,
		);
		const {writes, result} = await previewPlanApply('mirror', ['items']);
		const write = writes.get('public.items')!;
		expect(write.path).toBe('nothing');
		expect(write.deletes).toEqual([{kind: 'delete', by: 'keys', rows: 10}]);
		expect(result.tables[0]).toMatchObject({inserted: 0, updated: 0, deleted: 10});
		await expectTargetEqualsSource(['public.items']);
	});
});
