import {Text} from 'ink';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test, vi} from 'vitest';
import {initialState} from '../../source/ui/state.js';
import {createEngineServices} from '../../source/ui/engine-services.js';
import {schoolKeys, schoolTables} from '../../source/sample/school-schema.js';
import {databaseChecksums, expectedCounts, tableColumns, tableRows} from '../support/oracle.js';
import {allFrames, keys, options, press, renderApp, type, waitFor} from './helpers.js';
import {connectDefaultEndpoints, schoolDatabasesPerTest} from './school-databases.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));

const school = schoolDatabasesPerTest('wizard-db-');

const chosen = ['matieres', 'users', 'qcms'] as const;

describe('the wizard on real databases', () => {
	test('env source, typed target URL with a masked password, tables with their parents, upsert, confirm: the target gets exactly the rows', async () => {
		const targetUrlWithoutPassword = school.pair.target.url.replace(`:${school.pair.target.endpoint.password}@`, '@');
		const env = {DATABASE_URL_LOCAL: school.pair.source.url, PGCONVOY_CONFIG_DIR: join(school.workDir, 'config')};
		const services = createEngineServices({
			env,
			cwd: school.workDir,
			schemas: {schemas: ['public'], allSchemas: false},
		});
		const app = await renderApp({services, initial: initialState({options})}, {columns: 100, rows: 40});

		await waitFor(app, 'Where do the rows come from?');
		await press(app, keys.enter);
		expect(await waitFor(app, '✓ Connected to the source', 15_000)).toMatch(
			/PostgreSQL 18\.\d+ · database source_\w+ · [\d.]+ MB · 14 tables/,
		);
		await press(app, keys.enter);
		await waitFor(app, 'Where should they go?');
		await press(app, keys.down, keys.enter);
		await waitFor(app, 'Connection URL');
		await type(app, targetUrlWithoutPassword);
		await press(app, keys.enter);
		await waitFor(app, 'Password for');
		await type(app, school.pair.target.endpoint.password!);
		await press(app, keys.enter);
		await waitFor(app, '✓ Connected to the target', 15_000);
		await press(app, keys.enter);
		const tables = await waitFor(app, 'tables selected', 15_000);
		expect(tables).toContain('14 of 14 tables selected');

		const counts: Record<string, Awaited<ReturnType<typeof expectedCounts>>> = {};
		for (const table of chosen) {
			counts[table] = await expectedCounts(
				school.pair.source.client,
				school.pair.target.client,
				`public.${table}`,
				schoolKeys[table],
				await tableColumns(school.pair.target.client, `public.${table}`),
				'upsert',
			);
		}
		const before = {
			counts,
			others: await databaseChecksums(
				school.pair.target.client,
				schoolTables
					.filter((table) => !(chosen as readonly string[]).includes(table))
					.map((table) => `public.${table}`),
			),
		};

		// None, then qcms through the filter: it offers its parents (matieres, users).
		await press(app, 'a', '/');
		await type(app, 'qcms');
		await press(app, keys.enter, keys.space);
		expect(await waitFor(app, 'Add them too?')).toContain(
			'public.qcms references public.matieres, public.users, which are not selected.',
		);
		await press(app, 'y');
		await waitFor(app, '3 of 14 tables selected');
		await press(app, keys.enter);
		await waitFor(app, 'How should rows be written?');
		await press(app, keys.down, keys.enter);
		const preview = await waitFor(app, '✓ Counted 3 tables', 20_000);
		for (const table of chosen) {
			const {insert, update, skip} = before.counts[table]!;
			expect(preview).toMatch(
				new RegExp(
					`public\\.${table}\\s+${insert.toLocaleString('en-US')}\\s+${update.toLocaleString('en-US')}\\s+${skip.toLocaleString('en-US')}\\s+0`,
				),
			);
		}
		// Parents come first in the plan.
		expect(preview.indexOf('public.users')).toBeLessThan(preview.indexOf('public.qcms'));
		await press(app, keys.enter);
		await waitFor(app, 'Write these changes now?');
		await press(app, 'y');
		const summary = await waitFor(app, '✓ Committed', 30_000);
		const total = (field: 'insert' | 'update') => chosen.reduce((sum, table) => sum + before.counts[table]![field], 0);
		expect(summary).toMatch(
			new RegExp(
				`total \\(3 tables\\)\\s+${total('insert').toLocaleString('en-US')}\\s+${total('update').toLocaleString('en-US')}\\s+`,
			),
		);

		// The target now holds every source row of the chosen tables; the other tables are untouched.
		for (const table of chosen) {
			const columns = await tableColumns(school.pair.target.client, `public.${table}`);
			const source = await tableRows(school.pair.source.client, `public.${table}`, schoolKeys[table], columns);
			const target = await tableRows(school.pair.target.client, `public.${table}`, schoolKeys[table], columns);
			for (const [key, row] of source) expect(target.get(key), `${table} ${key}`).toBe(row);
		}
		expect(await databaseChecksums(school.pair.target.client, Object.keys(before.others))).toEqual(before.others);

		await press(app, 's');
		// The full path, so the user knows where it went; in the working directory.
		const saved = (await waitFor(app, 'Report saved to')).replace(/\n/g, '').match(/Report saved to (\S+\.json)/)![1]!;
		expect(saved).toBe(join(school.workDir, saved.slice(saved.lastIndexOf('/') + 1)));
		const report = JSON.parse(readFileSync(saved, 'utf8'));
		expect(report).toMatchObject({
			mode: 'upsert',
			committed: true,
			totals: {tables: 3, inserted: total('insert'), updated: total('update')},
		});
		expect(JSON.stringify(report)).not.toContain(school.pair.target.endpoint.password!);

		// The test cluster's password is "pgconvoy", the app's name: look where a password would show.
		const frames = allFrames(app);
		expect(frames).not.toContain(`:${school.pair.source.endpoint.password}@`);
		expect(frames).toContain('›' + ' ' + '•'.repeat(school.pair.target.endpoint.password!.length));
		expect(
			frames.split('\n').filter((line) => line.startsWith('›') && line.includes(school.pair.target.endpoint.password!)),
		).toEqual([]);
		await press(app, 'q');
		expect(app.exits).toEqual([0]);
		app.unmount();
		await services.dispose();
	});

	test('rehearse on the preview, then confirm on the rehearsed counts: the rehearsal keeps nothing, the apply writes them', async () => {
		const env = {
			DATABASE_URL_LOCAL: school.pair.source.url,
			DATABASE_URL_PROD: school.pair.target.url,
			PGCONVOY_CONFIG_DIR: join(school.workDir, 'config'),
		};
		const services = createEngineServices({
			env,
			cwd: school.workDir,
			schemas: {schemas: ['public'], allSchemas: false},
		});
		const app = await renderApp({services, initial: initialState({options})}, {columns: 100, rows: 40});
		const all = schoolTables.map((table) => `public.${table}`);
		const before = await databaseChecksums(school.pair.target.client, all);

		await connectDefaultEndpoints(app);
		await press(app, keys.enter);
		await waitFor(app, '14 of 14 tables selected', 15_000);
		await press(app, keys.enter);
		await waitFor(app, 'How should rows be written?');
		await press(app, keys.down, keys.enter);
		await waitFor(app, '✓ Counted 14 tables', 30_000);
		await press(app, 'r');
		const rehearsed = await waitFor(app, 'Rehearsed', 60_000);
		expect(rehearsed).toMatch(/rolled back/);
		// The rehearsal ran every statement, then rolled back: nothing of it stayed.
		expect(await databaseChecksums(school.pair.target.client, all)).toEqual(before);
		await press(app, 'y');
		await waitFor(app, '✓ Committed', 60_000);
		const after = await databaseChecksums(school.pair.target.client, all);
		expect(after).not.toEqual(before);
		// Now the target holds the source's rows: an upsert of the same data has nothing left to write.
		for (const table of ['users', 'qcms'] as const) {
			const columns = await tableColumns(school.pair.target.client, `public.${table}`);
			const source = await tableRows(school.pair.source.client, `public.${table}`, schoolKeys[table], columns);
			const target = await tableRows(school.pair.target.client, `public.${table}`, schoolKeys[table], columns);
			for (const [key, row] of source) expect(target.get(key), `${table} ${key}`).toBe(row);
		}
		await press(app, 'q');
		app.unmount();
		await services.dispose();
	});
});
