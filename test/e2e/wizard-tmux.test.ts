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
import {
	history,
	joinedScreen,
	killTerminals,
	overwideLines,
	screen,
	send,
	sendTogether,
	startCli,
	waitForScreen,
} from '../support/terminal.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const screensDir = join(root, 'test/e2e/screens');

function saveScreen(name: string, text: string): void {
	if (!process.env.PGCONVOY_SAVE_SCREENS) return;
	mkdirSync(screensDir, {recursive: true});
	writeFileSync(join(screensDir, `${name}.txt`), text);
}

type Size = {columns: number; rows: number};
const startWizard = (name: string, env: Record<string, string>, cwd: string, size?: Size) =>
	startCli(name, [], env, cwd, size);

/** Tests wait on states (screens, locks), so a slow machine only makes them slower: this is a safety net for a hang. */
const hang = 600_000;

/**
 * A gate on a target table: its INSERTs and UPDATEs wait for an advisory lock the test holds, so an
 * apply stops inside that table for as long as the test wants, on any machine's speed.
 */
const gateId = 4242;
async function gate(client: pg.Client, table: string): Promise<void> {
	await client.query(
		`CREATE OR REPLACE FUNCTION public.e2e_gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.pg_advisory_xact_lock_shared(${gateId}); RETURN NULL; END $$`,
	);
	await client.query(
		`CREATE TRIGGER e2e_gate BEFORE INSERT OR UPDATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION public.e2e_gate()`,
	);
	await client.query(`SELECT pg_catalog.pg_advisory_lock(${gateId})`);
}

/** Until the apply waits at the gate: a state of the server, not a guess at how long the work before it takes. */
async function waitAtGate(client: pg.Client): Promise<void> {
	for (;;) {
		const waiting = await client.query(
			`SELECT count(*)::int AS n FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND objid = ${gateId} AND NOT granted`,
		);
		if (waiting.rows[0].n > 0) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

async function openGate(client: pg.Client): Promise<void> {
	await client.query(`SELECT pg_catalog.pg_advisory_unlock(${gateId})`);
}

/** Every line of the screen (wrapped ones joined) fits the terminal. */
function expectFits(session: string, size: Size, label: string): void {
	expect(overwideLines(session, size.columns), `${label}:\n${screen(session)}`).toEqual([]);
}

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

const env = () => ({
	DATABASE_URL_LOCAL: source.url,
	DATABASE_URL_PROD: targetUrl,
	PGCONVOY_CONFIG_DIR: join(workDir, 'config'),
});

/** Starts the wizard and takes the env-detected source and target (DATABASE_URL_LOCAL is not offered as a target, so DATABASE_URL_PROD comes first). */
async function startAtTables(name: string, tablesLine: string, size?: Size): Promise<string> {
	const session = startWizard(name, env(), workDir, size);
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
	test(
		'pick tables (with their parents), upsert, confirm: the summary and the target agree with the source',
		async () => {
			for (const client of [source.client, target]) {
				await client.query(schoolSchemaSql);
				await seedSchool(client, {seed: 5});
				await client.query('ANALYZE');
			}
			await divergeTarget(target, {seed: 9});
			const expected: Record<string, {insert: number; update: number}> = {};
			for (const table of chosen)
				expected[table] = await expectedCounts(
					source.client,
					target,
					`public.${table}`,
					schoolKeys[table],
					await tableColumns(target, `public.${table}`),
					'upsert',
				);
			const others = schoolTables
				.filter((table) => !(chosen as readonly string[]).includes(table))
				.map((table) => `public.${table}`);
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
			expect(preview).toMatch(
				new RegExp(`total\\s+${sum('insert').toLocaleString('en-US')}\\s+${sum('update').toLocaleString('en-US')}\\s`),
			);
			await send(session, 'Enter');
			const confirm = await waitForScreen(session, 'Write these changes now?');
			saveScreen('confirm', confirm);
			expect(confirm).toContain(
				`Insert ${sum('insert').toLocaleString('en-US')}, update ${sum('update').toLocaleString('en-US')}, delete 0 rows in 3 tables of ${target.database} on 127.0.0.1.`,
			);
			await send(session, 'y');
			const summary = await waitForScreen(session, '✓ Committed');
			saveScreen('summary', summary);
			for (const table of chosen) {
				const {insert, update} = expected[table]!;
				expect(summary).toMatch(
					new RegExp(
						`public\\.${table}\\s+${insert.toLocaleString('en-US')}\\s+${update.toLocaleString('en-US')}\\s+[\\d,]+\\s+0\\s`,
					),
				);
			}
			expect(summary).toMatch(
				new RegExp(
					`total \\(3 tables\\)\\s+${sum('insert').toLocaleString('en-US')}\\s+${sum('update').toLocaleString('en-US')}\\s`,
				),
			);
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
		},
		hang,
	);

	test(
		'Ctrl-C during the apply asks, then cancels and rolls back: the target is unchanged and the exit code is 130',
		async () => {
			const schema = `CREATE TABLE public.events (id bigint PRIMARY KEY, kind text NOT NULL, payload jsonb, at timestamptz NOT NULL);`;
			const rows = (count: number) =>
				`INSERT INTO public.events SELECT g, 'kind ' || (g % 7), jsonb_build_object('n', g, 'pad', repeat('p', 80)), '2024-01-01' FROM generate_series(1, ${count}) g;`;
			await source.client.query(schema + rows(20_000) + 'ANALYZE public.events;');
			await target.query(schema + rows(16_000) + 'ANALYZE public.events;');
			const before = await databaseChecksums(target, ['public.events']);
			// The apply stops at the gate while writing public.events: Ctrl-C lands inside the write, however fast or slow the machine.
			await gate(target, 'public.events');

			const session = await startAtTables('interrupt', '1 of 1 table selected');
			await send(session, 'Enter');
			await waitForScreen(session, 'How should rows be written?');
			await send(session, 'Enter');
			expect(await waitForScreen(session, '✓ Counted 1 table.')).toMatch(/public\.events\s+4,000\s+0\s+16,000\s+0/);
			await send(session, 'Enter');
			await waitForScreen(session, 'Write these changes now?');
			await send(session, 'y');
			await waitForScreen(session, 'Step 7/8 · Apply');
			await waitAtGate(target);
			const apply = await waitForScreen(session, 'public.events');
			saveScreen('apply', apply);
			await send(session, 'C-c');
			const asking = await waitForScreen(session, 'Abort the sync?');
			saveScreen('apply-abort', asking);
			await send(session, 'y');
			const rolledBack = await waitForScreen(session, '↺ Rolled back');
			saveScreen('rolled-back', rolledBack);
			expect(rolledBack).toContain(`↺ Rolled back: nothing was written to ${target.database} on 127.0.0.1.`);
			expect(rolledBack).toContain('✗ Interrupted: the sync was cancelled and rolled back; the target is unchanged.');
			await openGate(target);
			await send(session, 'q');
			await waitForScreen(session, 'EXIT:130');

			expect(await databaseChecksums(target, ['public.events'])).toEqual(before);
			const leftovers = await target.query(
				`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgconvoy' AND datname = $1`,
				[target.database],
			);
			expect(leftovers.rows[0].n).toBe(0);
		},
		hang,
	);

	test(
		"at 80×24: the apply's finished lines and the summary fit; the summary scrolls to every table; the target matches",
		async () => {
			const size = {columns: 80, rows: 24};
			for (const client of [source.client, target]) {
				await client.query(schoolSchemaSql);
				await seedSchool(client, {seed: 5});
				await client.query('ANALYZE');
			}
			await divergeTarget(target, {seed: 9});
			// resultats has rows to write, and the apply waits inside it until the screen is captured.
			await target.query(`DELETE FROM public.resultats WHERE ctid IN (SELECT ctid FROM public.resultats LIMIT 20)`);
			await gate(target, 'public.resultats');

			const session = await startAtTables('narrow80', '14 of 14 tables selected', size);
			expectFits(session, size, 'tables');
			await send(session, 'Enter');
			await waitForScreen(session, 'How should rows be written?');
			await send(session, 'Down', 'Enter');
			await waitForScreen(session, '✓ Counted 14 tables');
			expectFits(session, size, 'preview');
			await send(session, 'Enter');
			await waitForScreen(session, 'Write these changes now?');
			expectFits(session, size, 'confirm');
			await send(session, 'y');
			await waitAtGate(target);
			const apply = await waitForScreen(session, /public\.resultats/);
			saveScreen('apply-80x24', apply);
			expectFits(session, size, 'apply');
			expect(apply).toMatch(/^✓ public\.\w+ {2}ins \d+ · upd \d+ · skip \d+ · del \d+ {2}\d+ ms$/m);
			await openGate(target);
			const summary = await waitForScreen(session, '✓ Committed');
			saveScreen('summary-80x24', summary);
			expectFits(session, size, 'summary');
			expect(summary).toMatch(/↑↓ scroll/);
			// Every table is on the summary: scroll with keys sent together.
			const seen = new Set<string>();
			for (let page = 0; page < 14; page++) {
				for (const table of schoolTables) if (new RegExp(`public\\.${table}\\s`).test(screen(session))) seen.add(table);
				sendTogether(session, 'Down', 'Down');
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
			await waitForScreen(session, 'public.qcm_niveaux');
			for (const table of schoolTables) if (new RegExp(`public\\.${table}\\s`).test(screen(session))) seen.add(table);
			expect([...seen].sort()).toEqual([...schoolTables].sort());
			// The finished lines stay whole in the scrollback too.
			const scrollback = history(session);
			for (const line of scrollback.split('\n').filter((text) => text.startsWith('✓ public.')))
				expect([...line.trimEnd()].length, line).toBeLessThanOrEqual(size.columns);
			await send(session, 'q');
			await waitForScreen(session, 'EXIT:0');
			for (const table of schoolTables) {
				const columns = await tableColumns(target, `public.${table}`);
				const sourceRows = await tableRows(source.client, `public.${table}`, schoolKeys[table], columns);
				const targetRows = await tableRows(target, `public.${table}`, schoolKeys[table], columns);
				for (const [key, row] of sourceRows) expect(targetRows.get(key), `${table} ${key}`).toBe(row);
			}
		},
		hang,
	);

	test(
		'at 60×20 with keys sent together: Down Down Enter picks the third entry, jj moves twice, every screen fits',
		async () => {
			const size = {columns: 60, rows: 20};
			for (const client of [source.client, target]) {
				await client.query(schoolSchemaSql);
				await seedSchool(client, {seed: 3});
				await client.query('ANALYZE');
			}
			await divergeTarget(target, {seed: 4});
			const session = startWizard('narrow60', env(), workDir, size);
			await waitForScreen(session, 'Where do the rows come from?');
			expectFits(session, size, 'source list');
			// One chunk: the third entry (type a URL), not the first.
			sendTogether(session, 'Down', 'Down', 'Enter');
			await waitForScreen(session, 'Connection URL');
			expectFits(session, size, 'URL field');
			await send(session, 'Escape');
			await waitForScreen(session, 'Where do the rows come from?');
			sendTogether(session, 'Down', 'Up', 'Enter');
			await waitForScreen(session, '✓ Connected to the source');
			expectFits(session, size, 'connected');
			await send(session, 'Enter');
			const targets = await waitForScreen(session, 'Where should they go?');
			expect(targets).not.toContain('DATABASE_URL_LOCAL');
			await send(session, 'Enter');
			await waitForScreen(session, '✓ Connected to the target');
			await send(session, 'Enter');
			await waitForScreen(session, '14 of 14 tables selected');
			expectFits(session, size, 'tables');
			// jj in one chunk: the cursor moves two lines down, to the third table listed.
			sendTogether(session, '-l', 'jj');
			const cursorAt = (text: string) =>
				[...text.matchAll(/^(›| ) \[x\] public\.\w+/gm)].findIndex((line) => line[1] === '›');
			// Reaching the third line is the state; if a key were lost it would stop on the second (the safety net then fails it).
			await waitForScreen(session, (text) => cursorAt(text) === 2, 30_000);
			sendTogether(session, 'Enter');
			await waitForScreen(session, 'How should rows be written?');
			expectFits(session, size, 'mode');
			sendTogether(session, 'Down', 'Down', 'Up', 'Enter');
			await waitForScreen(session, 'upsert mode');
			await waitForScreen(session, '✓ Counted 14 tables');
			expectFits(session, size, 'preview');
			sendTogether(session, 'Enter');
			await waitForScreen(session, 'Write these changes now?');
			expectFits(session, size, 'confirm');
			sendTogether(session, 'y');
			await waitForScreen(session, '✓ Committed');
			saveScreen('summary-60x20', screen(session));
			expectFits(session, size, 'summary');
			await send(session, 'q');
			await waitForScreen(session, 'EXIT:0');
			for (const table of schoolTables) {
				const columns = await tableColumns(target, `public.${table}`);
				const sourceRows = await tableRows(source.client, `public.${table}`, schoolKeys[table], columns);
				const targetRows = await tableRows(target, `public.${table}`, schoolKeys[table], columns);
				for (const [key, row] of sourceRows) expect(targetRows.get(key), `${table} ${key}`).toBe(row);
			}
		},
		hang,
	);

	test(
		'headless on a terminal: a progress line on stderr while a table is written, erased before the result; none with --json',
		async () => {
			const schema = `CREATE TABLE public.events (id bigint PRIMARY KEY, kind text NOT NULL);`;
			await source.client.query(
				schema + `INSERT INTO public.events SELECT g, 'k' || g FROM generate_series(1, 4000) g; ANALYZE public.events;`,
			);
			await target.query(
				schema + `INSERT INTO public.events SELECT g, 'k' || g FROM generate_series(1, 3000) g; ANALYZE public.events;`,
			);
			await gate(target, 'public.events');
			const session = startCli('headless', ['sync', '--yes', '--mode', 'upsert'], env(), workDir, {
				columns: 80,
				rows: 24,
			});
			await waitAtGate(target);
			// The line names the table and its phase while the write waits; the plain lines are above it.
			const working = await waitForScreen(session, /public\.events · (comparing|copying|merging|writing)/);
			expect(working).toContain('Writing 1 table in one transaction…');
			const status = joinedScreen(session)
				.split('\n')
				.find((line) => /^public\.events · /.test(line))!;
			expect([...status.trimEnd()].length, status).toBeLessThanOrEqual(79);
			await openGate(target);
			const done = await waitForScreen(session, 'EXIT:0');
			expect(done).toContain('Committed.');
			expect(done).not.toMatch(/public\.events · (comparing|copying|merging|writing)/);

			await target.query('DELETE FROM public.events WHERE id > 3000');
			await target.query(`SELECT pg_catalog.pg_advisory_lock(${gateId})`);
			const json = startCli('headless-json', ['sync', '--yes', '--mode', 'upsert', '--json'], env(), workDir, {
				columns: 80,
				rows: 24,
			});
			await waitAtGate(target);
			// An absence: held at the gate for a few of the line's one-second intervals, nothing may show.
			// (A slower machine can only make this check stricter, never fail it wrongly.)
			await new Promise((resolve) => setTimeout(resolve, 3000));
			expect(screen(json)).not.toMatch(/ · (comparing|copying|merging|writing)/);
			await openGate(target);
			await waitForScreen(json, 'EXIT:0');
			const document = history(json);
			expect(document).toContain('"committed": true');
			expect(document).not.toMatch(/ · (comparing|copying|merging|writing)/);
		},
		hang,
	);
});
