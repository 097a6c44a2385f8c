import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {initialState} from '../../source/ui/state.js';
import {
	allFrames,
	counts,
	endpoint,
	fakeServices,
	fakeSession,
	frameText,
	keys,
	options,
	press,
	renderApp,
	tableResult,
	type,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const secret = 'pr0d-Pa55word';

/** Every screen from Source to Summary, driven by keys, against a scripted engine. */
async function walkThrough(size: {columns?: number; rows?: number} = {}) {
	const session = fakeSession();
	const screens: Record<string, string> = {};
	const services = fakeServices({
		session,
		candidates: [
			{
				key: 'profile:prod',
				label: 'profile prod',
				endpoint: endpoint('school', {
					host: 'db.example.com',
					production: true,
					passwordSource: {kind: 'prompt'},
					password: undefined,
					origin: 'profile "prod"',
					profileName: 'prod',
				}),
			},
			{
				key: 'env:DATABASE_URL_LOCAL',
				label: 'DATABASE_URL_LOCAL',
				endpoint: endpoint('school', {host: 'localhost', password: 'l0cal-Pa55word', origin: 'DATABASE_URL_LOCAL'}),
			},
		],
	});
	const app = await renderApp({services, initial: initialState({options})}, size);
	screens.source = await waitFor(app, 'Where do the rows come from?');
	await press(app, keys.down, keys.enter);
	screens.connected = await waitFor(app, '✓ Connected');
	await press(app, keys.enter);
	screens.target = await waitFor(app, 'Where should they go?');
	await press(app, keys.enter);
	screens.password = await waitFor(app, 'Password for');
	await type(app, secret);
	await press(app, keys.enter);
	await waitFor(app, '✓ Connected to the target');
	await press(app, keys.enter);
	screens.tables = await waitFor(app, 'tables selected');
	await press(app, 'a', keys.down, keys.space, keys.up, keys.space, keys.enter);
	screens.mode = await waitFor(app, 'How should rows be written?');
	await press(app, keys.down, keys.enter);
	const preview = await session.nextPreview();
	preview.emit({type: 'preview-table-started', table: 'public.niveaux'});
	preview.emit({type: 'preview-table-finished', counts: counts('public.niveaux', {insert: 2, skip: 10})});
	preview.emit({type: 'preview-table-started', table: 'public.users'});
	screens.previewLive = await waitFor(app, 'counting…');
	preview.resolve({
		mode: 'upsert',
		tables: [
			counts('public.niveaux', {insert: 2, skip: 10}),
			counts('public.users', {insert: 1202, update: 37, skip: 800}),
		],
		findings: [],
	});
	screens.preview = await waitFor(app, '✓ Counted');
	await press(app, keys.enter);
	screens.confirm = await waitFor(app, 'tagged production');
	await type(app, 'school');
	await press(app, keys.enter);
	const apply = await session.nextApply();
	apply.emit({type: 'apply-table-started', table: 'public.niveaux', rowsToWrite: 2});
	apply.emit({type: 'apply-table-finished', result: tableResult('public.niveaux', {inserted: 2, skipped: 10})});
	apply.emit({type: 'apply-table-started', table: 'public.users', rowsToWrite: 1239});
	apply.emit({type: 'apply-table-progress', table: 'public.users', rowsWritten: 600, rowsToWrite: 1239});
	screens.apply = await waitFor(app, '600 / 1,239 rows');
	apply.resolve({
		mode: 'upsert',
		committed: true,
		tables: [
			tableResult('public.niveaux', {inserted: 2, skipped: 10}),
			tableResult('public.users', {inserted: 1202, updated: 37, skipped: 800, ms: 900}),
		],
		ms: 1000,
	});
	screens.summary = await waitFor(app, '✓ Committed');
	return {app, services, session, screens};
}

describe('the whole wizard', () => {
	test('from source to summary with keys only; the target password is asked masked and never shown', async () => {
		const {app, services, screens} = await walkThrough();
		expect(screens.confirm).toContain(
			'Insert 1,204, update 37, delete 0 rows in 2 tables of school on db.example.com.',
		);
		expect(screens.summary).toMatch(/total \(2 tables\)\s+1,204\s+37\s+810\s+0/);
		expect(screens.password).toContain('Password for app@db.example.com:5432/school:');
		// The header shows source → target with the badge on every screen after the target step.
		for (const name of ['tables', 'mode', 'preview', 'confirm', 'apply', 'summary']) {
			expect(screens[name], name).toMatch(
				/pgconvoy app@localhost:5432\/school → prod \(db\.example\.com:5432\/school\)\s+PRODUCTION/,
			);
		}
		const target = services.inspected.find((value) => value.host === 'db.example.com');
		expect(target?.password).toBe(secret);
		const everything = allFrames(app);
		for (const password of [secret, 'l0cal-Pa55word']) {
			expect(everything).not.toContain(password);
			expect(everything).not.toContain(password.slice(0, 5));
		}
		await press(app, 'q');
		expect(app.exits).toEqual([0]);
		app.unmount();
	});

	test('stays legible in a 60-column terminal: nothing wider, every screen says what it must', async () => {
		const {app, screens} = await walkThrough({columns: 60, rows: 30});
		for (const [name, screen] of Object.entries(screens)) {
			for (const line of screen.split('\n')) expect(line.length, `${name}: ${line}`).toBeLessThanOrEqual(60);
			expect(screen.split('\n').length, name).toBeLessThan(30);
		}
		expect(screens.source).toContain('DATABASE_URL_LOCAL');
		expect(screens.tables).toContain('public.niveaux');
		expect(screens.mode).toMatch(/upsert\s+add missing rows/);
		expect(screens.preview).toMatch(/public\.users\s+1,202\s+37\s+800\s+0/);
		expect(screens.confirm).toMatch(
			/Insert 1,204, update 37, delete 0 rows in 2 tables of\s+school\s+on db\.example\.com\./,
		);
		expect(screens.apply).toMatch(/Overall 602 \/ 1,241 rows/);
		expect(screens.summary).toMatch(/public\.users\s+1,202\s+37\s+800\s+0/);
		expect(screens.summary).toMatch(/q\/enter\s+quit/);
		app.unmount();
	});

	test('flags skip the steps they answer: --from, --to, --tables and --mode open on the preview', async () => {
		const session = fakeSession();
		const services = fakeServices({session});
		const initial = initialState({
			source: endpoint('local_db', {host: 'localhost'}),
			target: endpoint('prod_db'),
			tables: ['users'],
			mode: 'insert',
			options,
		});
		const app = await renderApp({services, initial});
		await session.nextPreview();
		// The header can show before the plan's tables do: wait for both.
		const frame = await waitFor(
			app,
			(shown) => shown.includes('Step 5/8 · Preview · insert mode') && shown.includes('public.users'),
		);
		expect(frame).toContain('pgconvoy app@localhost:5432/local_db → app@prod_db.example.com:5432/prod_db');
		expect(services.inspected.map((value) => value.database)).toEqual(['local_db', 'prod_db']);
		// Esc walks back through the skipped steps, showing the flags' answers.
		await press(app, keys.escape);
		await waitFor(app, '❯ insert');
		await press(app, keys.escape);
		expect(await waitFor(app, 'tables selected')).toMatch(/\[x\] public\.users/);
		expect(frameText(app)).toMatch(/\[ \] public\.niveaux/);
		app.unmount();
	});

	test('going back past the tables releases the session; quitting releases it too', async () => {
		const first = fakeSession();
		const second = fakeSession();
		const sessions = [first, second];
		const services = fakeServices({openSession: async () => sessions.shift()!});
		const initial = initialState({
			source: endpoint('local_db', {host: 'localhost'}),
			target: endpoint('prod_db'),
			options,
		});
		const app = await renderApp({services, initial});
		await waitFor(app, 'tables selected');
		await press(app, keys.escape);
		await waitFor(app, '✓ Connected to the target');
		expect(first.closed).toBe(1);
		await press(app, keys.enter);
		await waitFor(app, 'tables selected');
		await press(app, 'q');
		expect(second.closed).toBe(1);
		app.unmount();
	});
});
