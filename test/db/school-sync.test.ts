import {beforeEach, describe, expect, test} from 'vitest';
import {freshPair, freshDatabase, clusterInfo, type TestDatabase, pairPerTest} from '../support/databases.js';
import {expectedCounts, databaseChecksums} from '../support/oracle.js';
import {schoolSchemaSql, schoolTables, schoolKeys} from '../../source/sample/school-schema.js';
import {seedSchool} from '../../source/sample/school-data.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncMode} from '../../source/core/plan/types.js';
import type {ClusterInfo} from '../support/global-setup.js';
import {loadSchool, oracleCounts, qualified, schoolChecksums} from '../support/school.js';

const checksums = (db: TestDatabase) => schoolChecksums(db);

async function sync(source: TestDatabase, target: TestDatabase, mode: SyncMode) {
	const session = await SyncSession.open(source.endpoint, target.endpoint, {schemas: ['public'], allSchemas: false});
	const plan = session.plan({tables: [], exclude: []}, {...defaultSyncOptions, mode, maxDeleteRatio: 1});
	const preview = await session.preview(plan);
	const result = await session.apply(plan, {expected: preview});
	await session.close();
	return {plan, preview, result};
}

async function checkMode(source: TestDatabase, target: TestDatabase, mode: SyncMode) {
	const expected = await oracleCounts(source, target, mode);
	const sourceBefore = await checksums(source);
	const targetBefore = await checksums(target);
	const auditBefore = Number((await target.client.query('SELECT count(*) FROM public.audit_sync')).rows[0].count);

	const {plan, preview, result} = await sync(source, target, mode);
	expect(plan.findings.filter((finding) => finding.severity === 'blocking')).toEqual([]);
	// Parents before children: every table's FK parents come earlier in the plan.
	const order = plan.tables.map((table) => table.id);
	for (const table of plan.tables)
		for (const fk of table.target.foreignKeys)
			if (fk.references !== table.id) expect(order.indexOf(fk.references)).toBeLessThan(order.indexOf(table.id));

	for (const counts of preview.tables) {
		const oracle = expected[counts.table]!;
		expect({
			table: counts.table,
			insert: counts.insert,
			update: counts.update,
			skip: counts.skip,
			delete: counts.delete,
			differing: counts.differing,
		}).toEqual({table: counts.table, ...oracle});
	}
	for (const applied of result.tables) {
		const counts = preview.tables.find((table) => table.table === applied.table)!;
		expect({
			table: applied.table,
			inserted: applied.inserted,
			updated: applied.updated,
			skipped: applied.skipped,
			deleted: applied.deleted,
		}).toEqual({
			table: applied.table,
			inserted: counts.insert,
			updated: counts.update,
			skipped: counts.skip,
			deleted: counts.delete,
		});
	}
	expect(result.committed).toBe(true);

	// The target's contents are what the mode promises.
	const after = await oracleCounts(source, target, mode);
	for (const [table, counts] of Object.entries(after)) {
		const before = expected[table]!;
		expect(counts.insert, `${table} still missing rows`).toBe(0);
		if (mode === 'insert')
			expect(counts.differing, `${table}: insert must not touch existing rows`).toBe(before.differing);
		else expect(counts.differing, `${table} still differs`).toBe(0);
		expect(counts.delete).toBe(0);
	}
	if (mode !== 'mirror') {
		const untouched = await oracleCounts(source, target, 'mirror').then(() =>
			expectedCounts(source.client, target.client, 'public.users', schoolKeys.users, [], undefined),
		);
		expect(untouched.delete, 'target-only rows are kept outside mirror').toBeGreaterThan(0);
	}
	if (mode === 'mirror') expect(await checksums(target)).toEqual(sourceBefore);
	expect(await checksums(source)).toEqual(sourceBefore);
	expect(await checksums(target)).not.toEqual(targetBefore);
	// The trigger on the target fired for the written resultats rows.
	const written = result.tables.find((table) => table.table === 'public.resultats')!;
	const auditAfter = Number((await target.client.query('SELECT count(*) FROM public.audit_sync')).rows[0].count);
	expect(auditAfter - auditBefore).toBe(written.inserted + written.updated);

	// A second identical run writes nothing.
	const targetSynced = await checksums(target);
	const again = await sync(source, target, mode);
	for (const table of again.result.tables)
		expect([table.table, table.inserted, table.updated, table.deleted]).toEqual([table.table, 0, 0, 0]);
	expect(await checksums(target)).toEqual(targetSynced);
	return {preview, result};
}

describe('school fixture, every mode, exact counts and contents', () => {
	const pair = pairPerTest();
	beforeEach(async () => {
		await loadSchool(pair.source, pair.target);
	});

	test.each(['insert', 'upsert', 'mirror'] as const)('%s', async (mode) => {
		const {preview} = await checkMode(pair.source, pair.target, mode);
		const totals = preview.tables.reduce((sum, table) => sum + table.insert + table.update + table.delete, 0);
		expect(totals).toBeGreaterThan(0);
	});

	test('sequences after the sync are at least max(id) on every serial table', async () => {
		await sync(pair.source, pair.target, 'upsert');
		for (const table of ['niveaux', 'users', 'classes', 'qcms', 'questions']) {
			const {rows} = await pair.target.client.query(
				`SELECT (SELECT max(id) FROM public.${table})::bigint AS max, (SELECT last_value FROM public.${table}_id_seq)::bigint AS seq`,
			);
			expect(Number(rows[0].seq), table).toBeGreaterThanOrEqual(Number(rows[0].max));
		}
		// The next application insert works (no duplicate key from a stale sequence).
		await pair.target.client.query(
			`INSERT INTO public.niveaux (code, libelle, ordre) VALUES ('PGCONVOY-TEST', 'Niveau de test', 99)`,
		);
	});

	test('an empty target gets everything by direct COPY', async () => {
		const empty = await freshDatabase('empty');
		try {
			await empty.client.query(schoolSchemaSql);
			const {preview, result} = await sync(pair.source, empty, 'insert');
			for (const table of result.tables)
				expect(table.inserted).toBe(preview.tables.find((counts) => counts.table === table.table)!.insert);
			expect(await checksums(empty)).toEqual(await checksums(pair.source));
			// Identity ALWAYS column copied with its values (OVERRIDING SYSTEM VALUE / COPY).
			await empty.client.query(`INSERT INTO public.matieres (code, nom) VALUES ('ZZZ', 'Nouvelle matière')`);
		} finally {
			await empty.drop();
		}
	});
});

const pg15 = clusterInfo('15');
describe.runIf(pg15)('cross-version: PostgreSQL 15 → 18', () => {
	test('upsert and mirror from a 15 source into an 18 target', async () => {
		const source = await freshDatabase('source15', pg15 as ClusterInfo);
		const target = await freshDatabase('target18');
		try {
			await loadSchool(source, target);
			const session = await SyncSession.open(source.endpoint, target.endpoint, {
				schemas: ['public'],
				allSchemas: false,
			});
			expect(session.plan({tables: [], exclude: []}, defaultSyncOptions).hashMethod).toBe('text');
			await checkMode(source, target, 'upsert');
			await checkMode(source, target, 'mirror');
		} finally {
			await source.drop();
			await target.drop();
		}
	});
});

describe('unchanged data', () => {
	test('identical databases: preview is all skip (fingerprint shortcut) and apply writes nothing', async () => {
		const pair = await freshPair();
		try {
			for (const db of [pair.source, pair.target]) {
				await db.client.query(schoolSchemaSql);
				await seedSchool(db.client, {seed: 3});
			}
			const before = await databaseChecksums(pair.target.client, schoolTables.map(qualified));
			const {preview, result} = await sync(pair.source, pair.target, 'mirror');
			for (const table of preview.tables) expect([table.insert, table.update, table.delete]).toEqual([0, 0, 0]);
			for (const table of result.tables) expect([table.inserted, table.updated, table.deleted]).toEqual([0, 0, 0]);
			expect(await databaseChecksums(pair.target.client, schoolTables.map(qualified))).toEqual(before);
		} finally {
			await pair.drop();
		}
	});
});
