import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import {initialState} from '../../source/ui/state.js';
import {
	allFrames,
	endpoint,
	fakeServices,
	frameText,
	keys,
	options,
	press,
	renderApp,
	stateAt,
	summary,
	type,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const prodProfile = endpoint('school', {
	host: 'db.example.com',
	production: true,
	origin: 'profile "prod"',
	profileName: 'prod',
});

describe('source and target steps', () => {
	test('lists profiles first with the PRODUCTION badge, then the env URLs; enter connects and shows the database', async () => {
		let release!: () => void;
		const services = fakeServices({
			candidates: [
				{key: 'profile:prod', label: 'profile prod', endpoint: prodProfile},
				{
					key: 'env:DATABASE_URL_LOCAL',
					label: 'DATABASE_URL_LOCAL',
					sourceDefault: true,
					endpoint: endpoint('local_db', {host: 'localhost'}),
				},
				{
					key: 'env:DATABASE_URL_PROD',
					label: 'DATABASE_URL_PROD',
					error: new UserError('config', 'DATABASE_URL_PROD: not a PostgreSQL URL.'),
				},
			],
			inspect: async (value) => {
				await new Promise<void>((resolve) => (release = resolve));
				return summary(value.database);
			},
		});
		const app = await renderApp({services, initial: initialState({options})});
		const list = await waitFor(app, 'Where do the rows come from?');
		expect(list).toContain('Step 1/8 · Source');
		expect(list).toMatch(/profile prod\s+app@db\.example\.com:5432\/school\s+PRODUCTION/);
		expect(list.indexOf('profile prod')).toBeLessThan(list.indexOf('DATABASE_URL_LOCAL'));
		expect(list).toContain('✗ DATABASE_URL_PROD: not a PostgreSQL URL.');
		expect(list).toContain('Enter a connection URL or profile name…');
		expect(list).toMatch(/↑↓ move\s+enter connect\s+q quit/);

		await press(app, keys.down, keys.enter);
		expect(await waitFor(app, 'Connecting to')).toMatch(
			/\* Connecting to app@localhost:5432\/local_db \(test local_db\)…/,
		);
		release();
		const connected = await waitFor(app, 'Connected');
		expect(connected).toContain('✓ Connected to the source app@localhost:5432/local_db');
		expect(connected).toContain('PostgreSQL 18.1 · database local_db · 12.0 MB · 4 tables');
		expect(connected).toMatch(/pgconvoy app@localhost:5432\/local_db → target\?/);

		await press(app, keys.enter);
		const target = await waitFor(app, 'Where should they go?');
		expect(target).toContain('Step 2/8 · Target');
		// DATABASE_URL_LOCAL is where rows come from by default (and here the source): not a target.
		expect(target).not.toContain('DATABASE_URL_LOCAL');
		expect(target).toMatch(/profile prod[^\n]*\n[^\n]*DATABASE_URL_PROD/);
		// A candidate whose URL does not parse shows its error when chosen; retrying it cannot help.
		await press(app, keys.down, keys.enter);
		const invalid = await waitFor(app, 'choose another');
		expect(invalid).toContain('✗ DATABASE_URL_PROD: not a PostgreSQL URL.');
		expect(invalid).not.toContain('retry');
		await press(app, keys.enter);
		await waitFor(app, 'Where should they go?');
		app.unmount();
	});

	test('a typed URL shows its password masked; a URL without one asks for it masked; the password never shows', async () => {
		const secret = 'S3cr3t-pw';
		const services = fakeServices({
			parseEndpoint: (value) => {
				const withPassword = value.includes(':' + secret + '@');
				return endpoint('typed_db', {
					host: 'db.internal',
					passwordSource: withPassword ? {kind: 'url'} : {kind: 'prompt'},
					password: withPassword ? secret : undefined,
				});
			},
		});
		const app = await renderApp({services, initial: initialState({options})});
		await waitFor(app, 'Enter a connection URL');
		await press(app, keys.down, keys.down, keys.enter);
		await waitFor(app, 'Connection URL (or a saved profile name) for the source:');
		await type(app, `postgres://app:${secret}@db.internal/typed_db`);
		const typed = await waitFor(app, 'typed_db');
		expect(typed).toContain(`postgres://app:${'•'.repeat(secret.length)}@db.internal/typed_db`);
		// Esc leaves the field for the list; q is a character there, not quit.
		await press(app, keys.escape);
		await waitFor(app, 'Where do the rows come from?');
		await press(app, keys.down, keys.down, keys.enter);
		await waitFor(app, 'Connection URL');
		await press(app, 'q');
		expect(app.exits).toEqual([]);
		await press(app, keys.backspace);
		await type(app, 'postgres://app@db.internal/typed_db');
		await waitFor(app, 'typed_db');
		await press(app, keys.enter);
		await waitFor(app, 'Password for app@db.internal:5432/typed_db:');
		await type(app, secret);
		await waitFor(app, '•'.repeat(secret.length));
		await press(app, keys.enter);
		await waitFor(app, '✓ Connected to the source');
		expect(services.inspected.at(-1)?.password).toBe(secret);
		expect(allFrames(app)).not.toContain(secret);
		expect(allFrames(app)).not.toContain(secret.slice(0, 4));
		app.unmount();
	});

	test('a URL that does not parse says why and stays in the field', async () => {
		const app = await renderApp({services: fakeServices(), initial: initialState({options})});
		await waitFor(app, 'Enter a connection URL');
		await press(app, keys.down, keys.down, keys.enter);
		await waitFor(app, 'Connection URL');
		await type(app, 'mysql://x');
		await press(app, keys.enter);
		const frame = await waitFor(app, '✗ not a PostgreSQL URL.');
		expect(frame).toContain('mysql://x');
		app.unmount();
	});

	test('a failed connection shows the error with its hint; r retries, esc goes back to the list', async () => {
		let attempts = 0;
		const services = fakeServices({
			inspect: async (value) => {
				attempts++;
				if (attempts === 1)
					throw new UserError(
						'connection',
						'Cannot reach localhost:5432 (connection refused).',
						'Is the server running?',
					);
				return summary(value.database);
			},
		});
		const app = await renderApp({services, initial: initialState({options})});
		await waitFor(app, 'Where do the rows come from?');
		await press(app, keys.enter);
		const failed = await waitFor(app, 'connection refused');
		expect(failed).toContain('✗ Cannot reach localhost:5432 (connection refused).');
		expect(failed).toContain('→ Is the server running?');
		expect(failed).toMatch(/r\/enter retry\s+esc choose another/);
		await press(app, 'r');
		await waitFor(app, '✓ Connected to the source');
		await press(app, keys.escape);
		await waitFor(app, 'Where do the rows come from?');
		app.unmount();
	});

	test('the source is not offered as a target; typed anyway, it is refused with "choose another", never "retry"', async () => {
		const source = endpoint('local_db', {host: 'localhost'});
		const services = fakeServices({
			candidates: [
				{key: 'profile:local', label: 'profile local', endpoint: source},
				{key: 'env:DATABASE_URL_PROD', label: 'DATABASE_URL_PROD', endpoint: endpoint('prod_db')},
			],
			parseEndpoint: () => source,
		});
		const app = await renderApp({
			services,
			initial: stateAt({name: 'target', phase: {kind: 'choose'}}, {target: undefined}),
		});
		const list = await waitFor(app, 'Where should they go?');
		expect(list).not.toContain('profile local');
		await press(app, keys.down, keys.enter);
		await waitFor(app, 'Connection URL');
		await type(app, 'local');
		await press(app, keys.enter);
		const refused = await waitFor(app, 'target is the source');
		expect(refused).toContain('✗ The target is the source database (app@localhost:5432/local_db).');
		expect(refused).toMatch(/enter\/esc choose another\s+q quit/);
		expect(refused).not.toContain('retry');
		// r does nothing here; enter goes back to the list.
		await press(app, 'r');
		expect(frameText(app)).toContain('target is the source');
		await press(app, keys.enter);
		await waitFor(app, 'Where should they go?');
		app.unmount();
	});

	test('a URL that does not parse shows what was typed, its password redacted', async () => {
		const app = await renderApp({services: fakeServices(), initial: initialState({options})});
		await waitFor(app, 'Enter a connection URL');
		await press(app, keys.down, keys.down, keys.enter);
		await waitFor(app, 'Connection URL');
		await type(app, 'postgres://app:hunter2@db:5432/x?sslmode=bogus');
		await press(app, keys.enter);
		const frame = await waitFor(app, '✗ not a PostgreSQL URL.');
		expect(frame).toContain('You typed: postgres://app:***@db:5432/x?sslmode=bogus');
		expect(allFrames(app)).not.toContain('hunter2');
		app.unmount();
	});

	test('a production target shows the red badge in the header on every later step', async () => {
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'mode'}, {target: {endpoint: prodProfile, summary: summary('school')}}),
		});
		expect(frameText(app)).toMatch(
			/pgconvoy app@localhost:5432\/local_db → prod \(db\.example\.com:5432\/school\)\s+PRODUCTION/,
		);
		app.unmount();
	});

	test('q quits with 0, Ctrl-C with 130', async () => {
		const quit = await renderApp({services: fakeServices(), initial: initialState({options})});
		await press(quit, 'q');
		expect(quit.exits).toEqual([0]);
		expect(frameText(quit)).toContain('Quit: nothing was written.');
		const interrupted = await renderApp({services: fakeServices(), initial: initialState({options})});
		await press(interrupted, keys.ctrlC);
		expect(interrupted.exits).toEqual([130]);
	});
});
