import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import type {TableChoice} from '../../source/core/session/sync-session.js';
import {fakeServices, fakeSession, frameText, keys, press, renderApp, stateAt, type, waitFor} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const ready = (selected: string[] = []) =>
	stateAt({name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false}, {selected});

describe('tables step', () => {
	test('opening the session shows a spinner, then every table with estimated rows, all available ones selected', async () => {
		let open!: () => void;
		const session = fakeSession();
		const services = fakeServices({openSession: () => new Promise((resolve) => (open = () => resolve(session)))});
		const app = await renderApp({
			services,
			initial: stateAt(
				{name: 'tables', status: {kind: 'opening'}, filter: '', filtering: false},
				{session: undefined, tables: undefined, selected: []},
			),
		});
		expect(await waitFor(app, 'Reading the tables')).toContain('* Reading the tables of both databases…');
		open();
		const frame = await waitFor(app, 'tables selected');
		expect(frame).toContain('Step 3/8 · Tables');
		expect(frame).toContain('4 of 4 tables selected · about 2,552 rows in the source');
		expect(frame).toMatch(/› \[x\] public\.niveaux\s+~12/);
		expect(frame).toMatch(/\[x\] public\.users\s+~2,200/);
		expect(frame).toMatch(/\[-\] public\.legacy_notes — missing on the target: run your migrations/);
		expect(frame).toMatch(/↑↓ move\s+space toggle\s+a all\s+\/ filter\s+enter next\s+esc back\s+q quit/);
		app.unmount();
	});

	test('a failed session says why; r retries', async () => {
		let attempts = 0;
		const services = fakeServices({
			openSession: async () => {
				attempts++;
				if (attempts === 1)
					throw new UserError(
						'config',
						'The source and the target are the same database (x), reached by two names.',
						'Pick two different databases.',
					);
				return fakeSession();
			},
		});
		const app = await renderApp({
			services,
			initial: stateAt(
				{name: 'tables', status: {kind: 'opening'}, filter: '', filtering: false},
				{session: undefined, tables: undefined},
			),
		});
		expect(await waitFor(app, 'reached by two names')).toContain('→ Pick two different databases.');
		await press(app, 'r');
		await waitFor(app, 'tables selected');
		app.unmount();
	});

	test('space toggles, a toggles all, unavailable tables cannot be selected, enter moves to the mode', async () => {
		const app = await renderApp({services: fakeServices(), initial: ready()});
		await waitFor(app, '0 of 4 tables selected');
		await press(app, keys.down, keys.space);
		expect(await waitFor(app, '1 of 4')).toMatch(/› \[x\] public\.users/);
		await press(app, keys.down, keys.down, keys.down, keys.space);
		const unavailable = await waitFor(app, /› \[-\] public\.legacy_notes/);
		expect(unavailable).toContain('1 of 4 tables selected');
		// The highlighted unavailable table says why in full.
		expect(unavailable).toContain('public.legacy_notes: missing on the target: run your migrations on both databases');
		await press(app, 'a');
		await waitFor(app, '4 of 4 tables selected');
		await press(app, 'a');
		await waitFor(app, '0 of 4 tables selected');
		await press(app, keys.enter);
		await waitFor(app, 'Select at least one table');
		await press(app, keys.up, keys.up, keys.up, keys.space, keys.enter);
		expect(await waitFor(app, 'How should rows be written?')).toContain('Step 4/8 · Mode');
		app.unmount();
	});

	test('choosing a table whose parents are not selected offers to add them', async () => {
		const app = await renderApp({services: fakeServices(), initial: ready()});
		await waitFor(app, '0 of 4');
		await press(app, keys.down, keys.down, keys.space);
		const offer = await waitFor(app, 'Add them too?');
		expect(offer).toContain('public.classes references public.niveaux, public.users, which are not selected.');
		expect(offer).toMatch(/y\/enter add them too\s+n only this table\s+esc cancel/);
		await press(app, 'y');
		const added = await waitFor(app, '3 of 4');
		expect(added).toMatch(/\[x\] public\.niveaux/);
		expect(added).toMatch(/\[x\] public\.users/);
		expect(added).toMatch(/\[x\] public\.classes/);
		// "n" takes only the table; esc changes nothing.
		await press(app, 'a', 'a');
		await waitFor(app, '0 of 4');
		await press(app, keys.space, 'n');
		await waitFor(app, '1 of 4');
		expect(frameText(app)).toMatch(/› \[x\] public\.classes/);
		await press(app, 'a', 'a', keys.space, keys.escape);
		await waitFor(app, (frame) => frame.includes('0 of 4') && !frame.includes('Add them'));
		app.unmount();
	});

	test('/ filters as you type (q is typed, not quit); a then toggles only the matches; esc clears the filter', async () => {
		const app = await renderApp({services: fakeServices(), initial: ready()});
		await waitFor(app, '0 of 4');
		await press(app, '/');
		await type(app, 'q');
		const filtered = await waitFor(app, '1 of 5 match');
		expect(filtered).toContain('public.qcms');
		expect(filtered).not.toContain('public.users');
		expect(app.exits).toEqual([]);
		await press(app, keys.enter, 'a');
		expect(await waitFor(app, '1 of 4 tables selected')).toMatch(/\/ q\s+1 of 5 match/);
		await press(app, '/', keys.escape);
		const cleared = await waitFor(app, (frame) => frame.includes('public.users') && !frame.includes('match'));
		expect(cleared).toMatch(/\[x\] public\.qcms/);
		await press(app, '/');
		await type(app, 'zzz');
		// Keys reach the field one render at a time: wait for the last one, not for the first match.
		expect(await waitFor(app, 'No table matches “zzz”')).toContain('No table matches “zzz”.');
		app.unmount();
	});

	test('a long list scrolls in a window that fits the terminal', async () => {
		const tables: TableChoice[] = Array.from({length: 40}, (_, index) => ({
			id: `public.t${String(index).padStart(2, '0')}`,
			estimatedRows: index,
			parents: [],
		}));
		const app = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt(
					{name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false},
					{tables, selected: []},
				),
			},
			{columns: 80, rows: 24},
		);
		const top = await waitFor(app, 'public.t00');
		expect(top).toContain('↓');
		expect(top).not.toContain('public.t39');
		expect(top.split('\n').length).toBeLessThan(24);
		await press(app, ...Array.from({length: 39}, () => keys.down));
		const bottom = await waitFor(app, /› \[ \] public\.t39/);
		expect(bottom).toContain('↑');
		expect(bottom).not.toContain('public.t00');
		app.unmount();
	});

	test('one table reads "1 of 1 table selected", not "1 tables"', async () => {
		const tables = [{id: 'public.events', estimatedRows: 10, parents: []}];
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt(
				{name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false},
				{tables, selected: ['public.events']},
			),
		});
		expect(await waitFor(app, 'selected')).toContain('1 of 1 table selected');
		app.unmount();
	});
});
