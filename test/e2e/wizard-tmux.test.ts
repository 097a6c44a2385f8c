/**
 * The real wizard, as a user runs it: the built CLI (dist/cli.js, built by the test harness's global
 * setup) in a real terminal (tmux, 100×40), keys sent with send-keys, screens read with capture-pane,
 * against two PostgreSQL servers. Set PGCONVOY_SAVE_SCREENS=1 to refresh test/e2e/screens/*.txt.
 */
import {afterAll, beforeAll, beforeEach, afterEach, describe, expect, test} from 'vitest';
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import pg from 'pg';
import {startCluster, type EmbeddedCluster} from '../../source/support/embedded-cluster.js';
import {schoolKeys, schoolSchemaSql, schoolTables} from '../../source/sample/school-schema.js';
import {seedSchool} from '../../source/sample/school-data.js';
import {divergeTarget} from '../../source/sample/school-divergence.js';
import {freshDatabase, type TestDatabase} from '../support/databases.js';
import {databaseChecksums, expectedCounts, tableColumns, tableRows} from '../support/oracle.js';
import {killTerminals, screen, send, startCli, waitForScreen} from '../support/terminal.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screensDir = join(root, 'test/e2e/screens');

function saveScreen(name: string, text: string): void {
	if (!process.env.PGCONVOY_SAVE_SCREENS) return;
	mkdirSync(screensDir, {recursive: true});
	writeFileSync(join(screensDir, `${name}.txt`), text);
}

const startWizard = (name: string, env: Record<string, string>, cwd: string) => startCli(name, [], env, cwd);

let targetCluster: EmbeddedCluster;
let source: TestDatabase;
let target: pg.Client;
let targetUrl: string;
let workDir: string;

beforeAll(async () => {
	execFileSync('tmux', ['-V']);
	// The target on a server of its own, as production would be.
	targetCluster = await startCluster();
}, 120_000);

afterAll(async () => {
	killTerminals();
	await targetCluster?.stop();
});

beforeEach(async (context) => {
	const name = `target_${context.task.id.replace(/\W/g, '').slice(-8).toLowerCase()}`;
	source = await freshDatabase('source');
	await targetCluster.createDatabase(name);
	targetUrl = targetCluster.url(name);
	target = new pg.Client({connectionString: targetUrl});
	await target.connect();
	workDir = mkdtempSync(join(tmpdir(), 'pgconvoy-e2e-'));
});

afterEach(async () => {
	await target.end();
	await source.drop();
	await targetCluster.dropDatabase(target.database!);
	rmSync(workDir, {recursive: true, force: true});
});

const env = () => ({DATABASE_URL_LOCAL: source.url, DATABASE_URL_PROD: targetUrl, PGCONVOY_CONFIG_DIR: join(workDir, 'config')});

/** Starts the wizard and takes the env-detected source and target: DATABASE_URL_PROD is highlighted as the first candidate that is not the source. */
async function startAtTables(name: string, tablesLine: string): Promise<string> {
	const session = startWizard(name, env(), workDir);
	await waitForScreen(session, 'Where do the rows come from?');
	await send(session, 'Enter');
	await waitForScreen(session, '✓ Connected to the source');
	await send(session, 'Enter');
	await waitForScreen(session, 'Where should they go?');
	await send(session, 'Enter');
	await waitForScreen(session, '✓ Connected to the target');
	await send(session, 'Enter');
	await waitForScreen(session, tablesLine);
	return session;
}
const chosen = ['matieres', 'users', 'qcms'] as const;

describe('the wizard in a real terminal', () => {
	test('pick tables (with their parents), upsert, confirm: the summary and the target agree with the source', async () => {
		for (const client of [source.client, target]) {
			await client.query(schoolSchemaSql);
			await seedSchool(client, {seed: 5});
			await client.query('ANALYZE');
		}
		await divergeTarget(target, {seed: 9});
		const expected: Record<string, {insert: number; update: number}> = {};
		for (const table of chosen) expected[table] = await expectedCounts(source.client, target, `public.${table}`, schoolKeys[table], await tableColumns(target, `public.${table}`), 'upsert');
		const others = schoolTables.filter((table) => !(chosen as readonly string[]).includes(table)).map((table) => `public.${table}`);
		const othersBefore = await databaseChecksums(target, others);

		const session = await startAtTables('upsert', '14 of 14 tables selected');
		await send(session, 'a', '/', 'qcms', 'Enter', 'Space');
		const offer = await waitForScreen(session, 'Add them too?');
		expect(offer).toContain('public.qcms references public.matieres, public.users, which are not selected.');
		await send(session, 'y');
		await waitForScreen(session, '3 of 14 tables selected');
		// Esc in the filter clears it: the whole list again, with the three chosen.
		await send(session, '/', 'Escape');
		const tables = await waitForScreen(session, 'public.users');
		saveScreen('tables', tables);
		expect(tables).toMatch(/\[x\] public\.matieres/);
		expect(tables).toMatch(/\[ \] public\.niveaux/);
		await send(session, 'Enter');
		await waitForScreen(session, 'How should rows be written?');
		await send(session, 'Down', 'Enter');
		const preview = await waitForScreen(session, '✓ Counted 3 tables');
		saveScreen('preview', preview);
		const sum = (field: 'insert' | 'update') => chosen.reduce((total, table) => total + expected[table]![field], 0);
		expect(preview).toMatch(new RegExp(`total\\s+${sum('insert').toLocaleString('en-US')}\\s+${sum('update').toLocaleString('en-US')}\\s`));
		await send(session, 'Enter');
		const confirm = await waitForScreen(session, 'Write these changes now?');
		saveScreen('confirm', confirm);
		expect(confirm).toContain(`Insert ${sum('insert').toLocaleString('en-US')}, update ${sum('update').toLocaleString('en-US')}, delete 0 rows in 3 tables of ${target.database} on 127.0.0.1.`);
		await send(session, 'y');
		const summary = await waitForScreen(session, '✓ Committed');
		saveScreen('summary', summary);
		for (const table of chosen) {
			const {insert, update} = expected[table]!;
			expect(summary).toMatch(new RegExp(`public\\.${table}\\s+${insert.toLocaleString('en-US')}\\s+${update.toLocaleString('en-US')}\\s+[\\d,]+\\s+0\\s`));
		}
		expect(summary).toMatch(new RegExp(`total \\(3 tables\\)\\s+${sum('insert').toLocaleString('en-US')}\\s+${sum('update').toLocaleString('en-US')}\\s`));
		await send(session, 'q');
		await waitForScreen(session, 'EXIT:0');

		for (const table of chosen) {
			const columns = await tableColumns(target, `public.${table}`);
			const sourceRows = await tableRows(source.client, `public.${table}`, schoolKeys[table], columns);
			const targetRows = await tableRows(target, `public.${table}`, schoolKeys[table], columns);
			for (const [key, row] of sourceRows) expect(targetRows.get(key), `${table} ${key}`).toBe(row);
		}
		expect(await databaseChecksums(target, others)).toEqual(othersBefore);
		// Nothing in the terminal ever showed a password.
		expect(screen(session)).not.toContain(':pgconvoy@');
	});

	test('Ctrl-C during the apply asks, then cancels and rolls back: the target is unchanged and the exit code is 130', async () => {
		const schema = `CREATE TABLE public.events (id bigint PRIMARY KEY, kind text NOT NULL, payload jsonb, at timestamptz NOT NULL);`;
		const rows = (count: number) => `INSERT INTO public.events SELECT g, 'kind ' || (g % 7), jsonb_build_object('n', g, 'pad', repeat('p', 80)), '2024-01-01' FROM generate_series(1, ${count}) g;`;
		// A million rows in the source, 800,000 of them already in the target: a few seconds of apply.
		await source.client.query(schema + rows(1_000_000) + 'ANALYZE public.events;');
		await target.query(schema + rows(800_000) + 'ANALYZE public.events;');
		const before = await databaseChecksums(target, ['public.events']);

		const session = await startAtTables('interrupt', '1 of 1 tables selected');
		await send(session, 'Enter');
		await waitForScreen(session, 'How should rows be written?');
		await send(session, 'Enter');
		expect(await waitForScreen(session, '✓ Counted 1 tables', 60_000)).toMatch(/public\.events\s+200,000\s+0\s+800,000\s+0/);
		await send(session, 'Enter');
		await waitForScreen(session, 'Write these changes now?');
		await send(session, 'y');
		await waitForScreen(session, 'Step 7/8 · Apply');
		// Wait for the rows to start moving (the table is compared again first), then interrupt.
		const apply = await waitForScreen(session, /public\.events\s+[1-9][\d,]* \/ 200,000 rows/, 30_000).catch(() => screen(session));
		saveScreen('apply', apply);
		await send(session, 'C-c');
		const asking = await waitForScreen(session, 'Abort the sync?');
		saveScreen('apply-abort', asking);
		await send(session, 'y');
		const rolledBack = await waitForScreen(session, '↺ Rolled back', 30_000);
		saveScreen('rolled-back', rolledBack);
		expect(rolledBack).toContain(`↺ Rolled back: nothing was written to ${target.database} on 127.0.0.1.`);
		expect(rolledBack).toContain('✗ Interrupted: the sync was cancelled and rolled back; the target is unchanged.');
		await send(session, 'q');
		await waitForScreen(session, 'EXIT:130');

		expect(await databaseChecksums(target, ['public.events'])).toEqual(before);
		const leftovers = await target.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgconvoy' AND datname = $1`, [target.database]);
		expect(leftovers.rows[0].n).toBe(0);
	});
});
