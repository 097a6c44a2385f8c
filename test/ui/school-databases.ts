/**
 * The wizard on real databases: a fresh source and target holding the school fixture (the target
 * diverged from the source), and a scratch directory, for each test of the file that calls this.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {schoolSchemaSql} from '../../source/sample/school-schema.js';
import {seedSchool} from '../../source/sample/school-data.js';
import {divergeTarget} from '../../source/sample/school-divergence.js';
import {freshPair} from '../support/databases.js';
import {keys, press, waitFor} from './helpers.js';

export interface SchoolDatabases {
	readonly pair: Awaited<ReturnType<typeof freshPair>>;
	/** Not named after pgconvoy: the test cluster's password is that word, and reports name journal paths. */
	readonly workDir: string;
}

export function schoolDatabasesPerTest(workDirPrefix: string): SchoolDatabases {
	const current = {} as {pair: SchoolDatabases['pair']; workDir: string};
	beforeEach(async () => {
		current.pair = await freshPair();
		current.workDir = mkdtempSync(join(tmpdir(), workDirPrefix));
		for (const db of [current.pair.source, current.pair.target]) {
			await db.client.query(schoolSchemaSql);
			await seedSchool(db.client, {seed: 11});
		}
		await divergeTarget(current.pair.target.client, {seed: 3});
		for (const db of [current.pair.source, current.pair.target]) await db.client.query('ANALYZE');
	});
	afterEach(async () => {
		cleanup();
		await current.pair.drop();
		rmSync(current.workDir, {recursive: true, force: true});
	});
	return current;
}

/** From the first screen to a connected target, both endpoints taken from DATABASE_URL_LOCAL / _PROD. */
export async function connectDefaultEndpoints(app: Parameters<typeof waitFor>[0]): Promise<void> {
	await waitFor(app, 'Where do the rows come from?');
	await press(app, keys.enter);
	await waitFor(app, '✓ Connected to the source', 15_000);
	await press(app, keys.enter);
	await waitFor(app, 'Where should they go?');
	await press(app, keys.enter);
	await waitFor(app, '✓ Connected to the target', 15_000);
}
