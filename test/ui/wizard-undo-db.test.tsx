import {Text} from 'ink';
import {join} from 'node:path';
import {describe, expect, test, vi} from 'vitest';
import {initialState} from '../../source/ui/state.js';
import {createEngineServices} from '../../source/ui/engine-services.js';
import {journalDirectory, listJournals} from '../../source/core/journal/journal-store.js';
import {schoolTables} from '../../source/sample/school-schema.js';
import {databaseChecksums} from '../support/oracle.js';
import {keys, options, press, renderApp, waitFor} from './helpers.js';
import {connectDefaultEndpoints, schoolDatabasesPerTest} from './school-databases.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));

const school = schoolDatabasesPerTest('wizard-undo-db-');

describe('undo from the wizard on real databases', () => {
	test('sync every table (upsert), then u and y on the summary: the target holds exactly its rows from before; the sync and its undo are both journaled', async () => {
		const config = join(school.workDir, 'config');
		const env = {
			DATABASE_URL_LOCAL: school.pair.source.url,
			DATABASE_URL_PROD: school.pair.target.url,
			PGCONVOY_CONFIG_DIR: config,
		};
		const services = createEngineServices({
			env,
			cwd: school.workDir,
			schemas: {schemas: ['public'], allSchemas: false},
		});
		const app = await renderApp({services, initial: initialState({options})}, {columns: 120, rows: 40});
		const all = schoolTables.map((table) => `public.${table}`);
		const before = await databaseChecksums(school.pair.target.client, all);

		await connectDefaultEndpoints(app);
		await press(app, 'h');
		await waitFor(app, 'No journaled syncs of this target on this machine yet', 15_000);
		await press(app, keys.enter);
		await waitFor(app, '14 of 14 tables selected', 15_000);
		await press(app, keys.enter);
		await waitFor(app, 'How should rows be written?');
		await press(app, keys.down, keys.enter);
		await waitFor(app, '✓ Counted 14 tables', 30_000);
		await press(app, keys.enter);
		await waitFor(app, 'Write these changes now?');
		await press(app, 'y');
		const committed = await waitFor(app, 'u takes it back.', 60_000);
		const run = committed.match(/Journaled as run (\S+):/)![1]!;
		const synced = await databaseChecksums(school.pair.target.client, all);
		expect(synced).not.toEqual(before);

		await press(app, 'u');
		const preview = await waitFor(app, 'Undo this sync now?', 60_000);
		expect(preview).toContain(`Undo run ${run} on ${school.pair.target.endpoint.database}`);
		expect(preview).toMatch(/public\.users\s+delete \d+\s+restore [1-9]/);
		// The preview wrote nothing.
		expect(await databaseChecksums(school.pair.target.client, all)).toEqual(synced);
		await press(app, 'y');
		const done = await waitFor(app, 'undone:', 60_000);
		expect(done).toContain(`✓ Run ${run} undone:`);
		// Every row of every table is back as it was before the sync.
		expect(await databaseChecksums(school.pair.target.client, all)).toEqual(before);
		const journals = listJournals(journalDirectory(config));
		expect(journals.map((entry) => [entry.run.kind, entry.state])).toEqual([
			['undo', 'committed'],
			['sync', 'committed'],
		]);
		expect(journals[0]!.run.undoes).toBe(run);
		await press(app, 'q');
		expect(app.exits).toEqual([0]);
		app.unmount();
		await services.dispose();
	});
});
