import type {TestDatabase} from './databases.js';
import {expectedCounts, tableChecksum, tableColumns, type ExpectedCounts} from './oracle.js';
import {schoolKeys, schoolSchemaSql, schoolTables, targetTriggerSql} from '../../source/sample/school-schema.js';
import {seedSchool} from '../../source/sample/school-data.js';
import {divergeTarget} from '../../source/sample/school-divergence.js';
import type {SyncMode} from '../../source/core/plan/types.js';

export const qualified = (table: string) => `public.${table}`;

/** The school fixture: the same seed on both sides, the target drifted and carrying its audit trigger. */
export async function loadSchool(source: TestDatabase, target: TestDatabase): Promise<void> {
	await source.client.query(schoolSchemaSql);
	await target.client.query(schoolSchemaSql);
	await seedSchool(source.client, {seed: 7});
	await seedSchool(target.client, {seed: 7});
	await divergeTarget(target.client, {seed: 42});
	await target.client.query(targetTriggerSql);
}

/** What the oracle says each table's preview must be, computed without the engine (over the admin clients). */
export async function oracleCounts(
	source: TestDatabase,
	target: TestDatabase,
	mode: SyncMode,
): Promise<Record<string, ExpectedCounts>> {
	const counts: Record<string, ExpectedCounts> = {};
	for (const table of schoolTables) {
		const columns = await tableColumns(target.client, qualified(table));
		counts[qualified(table)] = await expectedCounts(
			source.client,
			target.client,
			qualified(table),
			schoolKeys[table],
			columns,
			mode,
		);
	}
	return counts;
}

/** Every school table's checksum; with `includeGenerated`, generated columns too (byte-identical contents). */
export async function schoolChecksums(
	db: TestDatabase,
	options: {includeGenerated?: boolean} = {},
): Promise<Record<string, string>> {
	const sums: Record<string, string> = {};
	for (const table of schoolTables)
		sums[table] = await tableChecksum(
			db.client,
			qualified(table),
			schoolKeys[table],
			await tableColumns(db.client, qualified(table), options.includeGenerated ? {includeGenerated: true} : undefined),
		);
	return sums;
}
