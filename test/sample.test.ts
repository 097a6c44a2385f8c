import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import pg from 'pg';
import {freshDatabase, type TestDatabase} from './support/databases.js';
import {schoolKeys, schoolSchemaSql, schoolTables, targetTriggerSql} from '../source/sample/school-schema.js';
import {seedSchool, type SeedSummary} from '../source/sample/school-data.js';
import {divergeTarget} from '../source/sample/school-divergence.js';
import {databaseChecksums, expectedCounts, tableColumns, type ExpectedCounts} from './support/oracle.js';

const databases: TestDatabase[] = [];

async function freshSchool(name: string, seed: number): Promise<{client: pg.Client; summary: SeedSummary}> {
	const database = await freshDatabase(name);
	databases.push(database);
	const client = database.client;
	await client.query(schoolSchemaSql);
	return {client, summary: await seedSchool(client, {seed})};
}

async function rowCount(client: pg.Client, table: string): Promise<number> {
	return Number((await client.query(`SELECT count(*) AS n FROM public."${table}"`)).rows[0].n);
}

describe('school sample', () => {
	let source: pg.Client;
	let target: pg.Client;
	let seeded: SeedSummary;
	let checksumsBeforeDivergence: Record<string, string>;

	beforeAll(async () => {
		const local = await freshSchool('ecole_locale', 42);
		const prod = await freshSchool('ecole_prod', 42);
		source = local.client;
		target = prod.client;
		seeded = local.summary;
		expect(prod.summary).toEqual(seeded);
		checksumsBeforeDivergence = await databaseChecksums(target, schoolTables);
		await divergeTarget(target, {seed: 42});
		await target.query(targetTriggerSql);
	}, 120_000);

	afterAll(async () => {
		await Promise.all(databases.map((database) => database.drop()));
	}, 60_000);

	it('creates every school table with the seeded row counts', async () => {
		for (const table of schoolTables) {
			expect(seeded[table], table).toBeGreaterThan(0);
			expect(await rowCount(source, table), table).toBe(seeded[table]);
		}
		expect(seeded.users).toBeGreaterThanOrEqual(200);
		expect(seeded.niveaux).toBe(5);
	});

	it('is deterministic: same seed, same bytes; another seed, other data', async () => {
		expect(await databaseChecksums(source, schoolTables)).toEqual(checksumsBeforeDivergence);
		const other = await freshSchool('ecole_autre_graine', 7);
		const otherChecksums = await databaseChecksums(other.client, schoolTables);
		expect(otherChecksums.users).not.toBe(checksumsBeforeDivergence.users);
		expect(otherChecksums.niveaux).toBe(checksumsBeforeDivergence.niveaux);
	}, 60_000);

	it('moves sequences to the explicit ids and fills the generated column', async () => {
		// Read without nextval(): sequence advances would survive a rollback and alter the source.
		for (const table of ['niveaux', 'matieres', 'users', 'classes', 'qcms', 'questions']) {
			const {rows} = await source.query(
				`SELECT pg_sequence_last_value(pg_get_serial_sequence($1, 'id')) AS last, (SELECT max(id) FROM public."${table}") AS max`,
				[`public.${table}`],
			);
			expect(Number(rows[0].last), table).toBe(rows[0].max);
		}
		const {rows} = await source.query(
			`SELECT count(*) FILTER (WHERE nom_complet IS DISTINCT FROM prenom || ' ' || nom) AS wrong FROM public.users`,
		);
		expect(rows[0].wrong).toBe('0');
	});

	it('diverges the target in every direction on most tables', async () => {
		const counts: Record<string, ExpectedCounts> = {};
		for (const table of schoolTables) {
			// Compared columns: both sides, never the generated ones.
			const columns = await tableColumns(source, table);
			expect(await tableColumns(target, table)).toEqual(columns);
			counts[table] = await expectedCounts(source, target, table, schoolKeys[table], columns);
		}
		console.log(
			'expected counts, school sample seed 42 (insert = source-only, update = differing, skip = keys in both, delete = target-only)',
		);
		console.table(counts);
		const everyDirection = schoolTables.filter(
			(table) => counts[table].insert > 0 && counts[table].update > 0 && counts[table].delete > 0,
		);
		expect(everyDirection.length).toBeGreaterThanOrEqual(6);
		for (const table of schoolTables) {
			const {insert, update, delete: targetOnly} = counts[table];
			expect(insert + update + targetOnly, table).toBeGreaterThan(0);
		}
		// Insert mode leaves differing rows alone; only mirror deletes.
		const users = await expectedCounts(
			source,
			target,
			'public.users',
			['id'],
			await tableColumns(source, 'users'),
			'insert',
		);
		expect(users.update).toBe(0);
		expect(users.skip).toBe(counts.users.skip);
		expect(users.delete).toBe(0);
	});

	it('installs a trigger on the target that audits writes to resultats', async () => {
		// Written as applications write it: the trigger finds its audit table through the session's search_path.
		await target.query('BEGIN');
		try {
			const updated = await target.query(
				`UPDATE public.resultats SET note = note WHERE id = (SELECT min(id::text)::uuid FROM public.resultats)`,
			);
			expect(updated.rowCount).toBe(1);
			const audit = await target.query(`SELECT nom_table, operation FROM public.audit_sync`);
			expect(audit.rows).toEqual([{nom_table: 'resultats', operation: 'UPDATE'}]);
		} finally {
			await target.query('ROLLBACK');
		}
	});
});
