import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {initialState} from '../../source/ui/state.js';
import {plainKey, splitKeys} from '../../source/ui/keys/split-keys.js';
import {
	endpoint,
	fakeServices,
	fakeSession,
	frameText,
	keys,
	options,
	press,
	renderApp,
	settle,
	stateAt,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

/** Several keys in one read, as fast typing, a paste, tmux or SSH deliver them. */
async function chunk(app: Awaited<ReturnType<typeof renderApp>>, ...pressed: string[]): Promise<void> {
	await settle();
	app.stdin.write(pressed.join(''));
	await settle();
}

describe('keys that arrive together are each handled, in order', () => {
	test('splitKeys: a run of characters becomes its keys; Enter, backspace and Ctrl keys inside it keep their meaning', () => {
		expect(splitKeys('jj', plainKey).map((press) => press.input)).toEqual(['j', 'j']);
		expect(splitKeys('  ', plainKey).map((press) => press.input)).toEqual([' ', ' ']);
		const mixed = splitKeys('a\r\n\u007F\u0003é', plainKey);
		expect(mixed.map((press) => [press.input, press.key.return, press.key.backspace, press.key.ctrl])).toEqual([
			['a', false, false, false],
			['', true, false, false],
			['', false, true, false],
			['c', false, false, true],
			['é', false, false, false],
		]);
		expect(splitKeys('j', plainKey)).toEqual([{input: 'j', key: plainKey}]);
	});

	test('Step 1: Down Down Enter in one chunk connects the third entry, not the first', async () => {
		const services = fakeServices({
			candidates: [
				{key: 'a', label: 'profile a', endpoint: endpoint('a_db')},
				{key: 'b', label: 'profile b', endpoint: endpoint('b_db')},
				{key: 'c', label: 'profile c', endpoint: endpoint('c_db')},
			],
		});
		const app = await renderApp({services, initial: initialState({options})});
		await waitFor(app, 'Where do the rows come from?');
		await chunk(app, keys.down, keys.down, keys.enter);
		expect(await waitFor(app, '✓ Connected')).toContain('c_db');
		expect(services.inspected.map((value) => value.database)).toEqual(['c_db']);
		app.unmount();
	});

	test('Step 1: Down Down Down as one chunk moves three times (and jj twice)', async () => {
		const services = fakeServices({
			candidates: ['a', 'b', 'c', 'd', 'e'].map((name) => ({
				key: name,
				label: `profile ${name}`,
				endpoint: endpoint(`${name}_db`),
			})),
		});
		const app = await renderApp({services, initial: initialState({options})});
		await waitFor(app, 'Where do the rows come from?');
		await chunk(app, '\u001B[B\u001B[B\u001B[B');
		await waitFor(app, /❯ profile d/);
		await chunk(app, 'kk');
		await waitFor(app, /❯ profile b/);
		await press(app, keys.enter);
		expect(await waitFor(app, '✓ Connected')).toContain('b_db');
		app.unmount();
	});

	test('tables: jj moves twice, two spaces toggle twice, aa toggles all twice', async () => {
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false}, {selected: []}),
		});
		await waitFor(app, '0 of 4 tables selected');
		await chunk(app, 'jj');
		await waitFor(app, /› \[ \] public\.classes/);
		await chunk(app, 'k', ' ', ' ');
		// users selected by the first space, unselected by the second.
		await waitFor(app, /› \[ \] public\.users/);
		expect(frameText(app)).toContain('0 of 4 tables selected');
		await chunk(app, 'a');
		await waitFor(app, '4 of 4 tables selected');
		// Twice: off, then on again (ignored, nothing would pass through 0; once, it would stay at 0).
		const before = app.frames.length;
		await chunk(app, 'aa');
		await waitFor(
			app,
			(frame) =>
				frame.includes('4 of 4 tables selected') &&
				app.frames.slice(before).some((seen) => seen.includes('0 of 4 tables selected')),
		);
		app.unmount();
	});

	test('mode: Down Down Enter in one chunk picks mirror', async () => {
		const session = fakeSession();
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'mode'}, {session, mode: undefined}),
		});
		await waitFor(app, 'How should rows be written?');
		await chunk(app, keys.down, keys.down, keys.enter);
		await waitFor(app, 'mirror mode');
		app.unmount();
	});

	test('a pasted URL with Enter in the same read is typed whole, then submitted', async () => {
		const typed: string[] = [];
		const services = fakeServices({
			parseEndpoint: (value) => {
				typed.push(value);
				return endpoint('pasted_db');
			},
		});
		const app = await renderApp({services, initial: initialState({options})});
		await waitFor(app, 'Enter a connection URL');
		await chunk(app, keys.down, keys.down, keys.enter);
		await waitFor(app, 'Connection URL');
		await chunk(app, 'postgres://app:pw@db/pasted_db\r');
		await waitFor(app, '✓ Connected');
		expect(typed).toEqual(['postgres://app:pw@db/pasted_db']);
		app.unmount();
	});

	test('Esc with a filter clears the filter first, typing or kept; a second Esc leaves the step', async () => {
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false}),
		});
		await waitFor(app, 'tables selected');
		await chunk(app, '/', 'u', 's', keys.enter);
		await waitFor(app, /1 of 5 match/);
		await press(app, keys.escape);
		const cleared = await waitFor(app, (frame) => !frame.includes('match'));
		expect(cleared).toContain('Step 3/8 · Tables');
		expect(cleared).toContain('public.niveaux');
		await chunk(app, '/', 'z', 'z');
		await waitFor(app, /0 of 5 match/);
		await press(app, keys.escape);
		await waitFor(app, (frame) => !frame.includes('match') && frame.includes('Step 3/8'));
		await press(app, keys.escape);
		await waitFor(app, 'Step 2/8 · Target');
		app.unmount();
	});
});
