import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import {
	counts,
	fakeServices,
	fakeSession,
	frameText,
	keys,
	plan,
	press,
	renderApp,
	stateAt,
	tableResult,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const fourteen = Array.from({length: 14}, (_, index) =>
	index === 9 ? 'public.professeur_matieres' : `public.t${index}`,
);

describe('the preview screen', () => {
	test('a failed preview shows no table as still counting, and stops animating', async () => {
		const session = fakeSession();
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected: ['public.niveaux', 'public.users']}),
		});
		const preview = await session.nextPreview();
		preview.emit({type: 'preview-table-started', table: 'public.niveaux'});
		await waitFor(app, 'counting…');
		preview.reject(
			new UserError('connection', 'The connection to the target was lost.', 'Check the network and retry.'),
		);
		const failed = await waitFor(app, 'The preview failed');
		expect(failed).not.toContain('counting…');
		expect(failed).not.toContain('*');
		expect(failed).toMatch(/public\.niveaux\s+—/);
		app.unmount();
	});

	test('at 60×20 the table takes every line the screen leaves, and its columns stay put while it scrolls', async () => {
		const result = {
			mode: 'upsert' as const,
			tables: fourteen.map((id, index) => counts(id, {insert: index})),
			findings: [],
		};
		const app = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt({name: 'preview', run: 0}, {preview: {plan: plan(fourteen), result}}),
			},
			{columns: 60, rows: 20},
		);
		const top = await waitFor(app, 'Counted 14 tables');
		// Ink keeps the last line for the cursor: 19 lines are the screen's.
		expect(top.split('\n')).toHaveLength(19);
		const shown = (frame: string) => fourteen.filter((id) => new RegExp(`${id.replace('.', '\\.')}\\s`).test(frame));
		expect(shown(top)).toHaveLength(7);
		const column = (frame: string) =>
			frame
				.split('\n')
				.find((line) => line.includes('public.t0') || line.includes('public.t5'))!
				.search(/\d+\s+\d+\s+\d+\s+\d+$/);
		const insertColumn = (frame: string) =>
			frame
				.split('\n')
				.find((line) => line.trimStart().startsWith('table'))!
				.indexOf('insert');
		const before = insertColumn(top);
		await press(app, keys.down, keys.down, keys.down, keys.down, keys.down);
		const scrolled = frameText(app);
		expect(scrolled).toContain('↑ 5 more');
		expect(scrolled.split('\n').length).toBeLessThanOrEqual(19);
		expect(scrolled).toContain('public.professeur_matieres');
		expect(insertColumn(scrolled)).toBe(before);
		expect(column(scrolled)).toBeGreaterThan(0);
		app.unmount();
	});

	test('the summary table keeps its columns while it scrolls', async () => {
		const result = {
			mode: 'insert' as const,
			committed: true,
			ms: 924,
			tables: fourteen.map((id) => tableResult(id, {inserted: 1})),
			findings: [],
		};
		const app = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt({name: 'summary', outcome: {kind: 'committed', result}} as never, {selected: fourteen}),
			},
			{columns: 80, rows: 20},
		);
		const insertColumn = (frame: string) =>
			frame
				.split('\n')
				.find((line) => line.trimStart().startsWith('table'))!
				.indexOf('ins');
		const top = await waitFor(app, 'Committed in');
		await press(app, ...Array.from({length: 9}, () => keys.down));
		expect(frameText(app)).toContain('public.professeur_matieres');
		expect(insertColumn(frameText(app))).toBe(insertColumn(top));
		app.unmount();
	});
});

describe('the tables step with a kept filter', () => {
	test('esc is named for what it does: clear the filter, then back', async () => {
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false}, {selected: []}),
		});
		await press(app, '/');
		await press(app, 'q', 'c', keys.enter);
		const kept = await waitFor(app, 'esc clear filter');
		expect(kept).not.toContain('esc back');
		await press(app, keys.escape);
		expect(await waitFor(app, 'esc back')).not.toContain('clear filter');
		app.unmount();
	});
});
