import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import type {TableChoice} from '../../source/core/session/sync-session.js';
import {schoolTables} from '../../source/sample/school-schema.js';
import {initialState, type WizardContext} from '../../source/ui/state.js';
import {
	counts,
	endpoint,
	fakeServices,
	fakeSession,
	frameText,
	keys,
	options,
	plan,
	press,
	renderApp,
	stateAt,
	summary,
	tableResult,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const sizes = [
	{columns: 60, rows: 20},
	{columns: 80, rows: 24},
] as const;

const ids = schoolTables.map((name) => `public.${name}`);
const choices: TableChoice[] = ids.map((id, index) => ({id, estimatedRows: 1000 * (index + 1), parents: []}));
const big = (id: string, index: number) =>
	tableResult(id, {inserted: 1_200_000 + index, updated: 37_000, skipped: 900_000, deleted: 0, ms: 47 + index * 1000});
const production = endpoint('systeme_intelligent', {
	host: 'db.prod.example.com',
	production: true,
	profileName: 'prod',
});
const findings = [
	{
		table: 'public.classes',
		severity: 'warning' as const,
		code: 'target-triggers',
		message: 'Triggers on the target table public.classes will fire for every written row: audit_classes.',
		hint: 'Disable them on the target first if they must not fire.',
	},
];

/** Nothing wider than the terminal, and no more lines than it has (the live region must fit). */
function expectFits(frame: string, size: {columns: number; rows: number}, label: string): void {
	for (const line of frame.split('\n')) expect(line.length, `${label}: "${line}"`).toBeLessThanOrEqual(size.columns);
	expect(frame.split('\n').length, `${label}:\n${frame}`).toBeLessThanOrEqual(size.rows);
}

function context(fields: Partial<WizardContext> = {}): Partial<WizardContext> {
	return {
		tables: choices,
		selected: ids,
		target: {endpoint: production, summary: summary('systeme_intelligent')},
		...fields,
	};
}

describe.each(sizes)('every screen is usable at $columns×$rows', (size) => {
	test('source list, URL field, connected, failed', async () => {
		const services = fakeServices({
			candidates: [
				{key: 'profile:prod', label: 'profile prod', endpoint: production},
				{
					key: 'env:DATABASE_URL_LOCAL',
					label: 'DATABASE_URL_LOCAL',
					sourceDefault: true,
					endpoint: endpoint('systeme_intelligent', {host: 'localhost'}),
				},
			],
		});
		const app = await renderApp({services, initial: initialState({options})}, size);
		expectFits(await waitFor(app, 'Where do the rows come from?'), size, 'source list');
		await press(app, keys.down, keys.down, keys.enter);
		expectFits(await waitFor(app, 'Connection URL'), size, 'URL field');
		await press(app, keys.escape);
		await press(app, keys.down, keys.enter);
		const connected = await waitFor(app, '✓ Connected');
		expectFits(connected, size, 'connected');
		expect(connected).toContain('enter continue');
		app.unmount();
		const failed = await renderApp(
			{
				services,
				initial: {
					...initialState({options}),
					step: {
						name: 'source',
						phase: {
							kind: 'failed',
							error: new UserError(
								'connection',
								'Cannot reach localhost:5432 (connection refused).',
								'Is the server running? Start it, or check host and port.',
							),
							endpoint: endpoint('x'),
						},
					},
				},
			},
			size,
		);
		expectFits(await waitFor(failed, 'connection refused'), size, 'failed');
		failed.unmount();
	});

	test('tables, mode, confirm', async () => {
		const tables = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt({name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false}, context()),
			},
			size,
		);
		const list = await waitFor(tables, 'tables selected');
		expectFits(list, size, 'tables');
		await press(tables, ...ids.map(() => keys.down));
		expectFits(await waitFor(tables, /› \[x\] public\.qcm_niveaux/), size, 'tables scrolled');
		tables.unmount();
		const mode = await renderApp({services: fakeServices(), initial: stateAt({name: 'mode'}, context())}, size);
		const modes = await waitFor(mode, 'How should rows be written?');
		expectFits(modes, size, 'mode');
		expect(modes).toContain('mirror');
		mode.unmount();
		const preview = {
			plan: plan(ids, 'upsert', findings),
			result: {
				mode: 'upsert' as const,
				tables: ids.map((id) => counts(id, {insert: 1_200_000, update: 37, skip: 900_000})),
				findings,
			},
		};
		const confirm = await renderApp(
			{services: fakeServices(), initial: stateAt({name: 'confirm', typed: '', mismatch: false}, context({preview}))},
			size,
		);
		const asking = await waitFor(confirm, (frame) => frame.replace(/\s+/g, ' ').includes('Type its database name'));
		expectFits(asking, size, 'confirm');
		confirm.unmount();
	});

	test('preview: every table reachable by scrolling, numbers whole', async () => {
		const session = fakeSession(choices, (selected, mode) => plan(selected, mode, findings));
		const app = await renderApp(
			{services: fakeServices(), initial: stateAt({name: 'preview', run: 0}, context({session}))},
			size,
		);
		const run = await session.nextPreview();
		run.resolve({
			mode: 'upsert',
			tables: ids.map((id) => counts(id, {insert: 1_200_000, update: 37, skip: 900_000})),
			findings,
		});
		const first = await waitFor(app, 'Counted 14 tables');
		expectFits(first, size, 'preview');
		expect(first).toContain('1,200,000');
		expect(first).toContain('public.niveaux');
		await press(app, ...ids.map(() => keys.down));
		const last = await waitFor(app, 'public.qcm_niveaux');
		expectFits(last, size, 'preview scrolled');
		app.unmount();
	});

	test('apply: finished lines never break inside a value; the live part fits', async () => {
		const session = fakeSession(choices);
		const expected = {
			mode: 'upsert' as const,
			tables: ids.map((id) => counts(id, {insert: 1_200_000, update: 37_000})),
			findings: [],
		};
		const app = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt(
					{name: 'apply', abort: 'no'},
					context({session, preview: {plan: plan(ids), result: expected}}),
				),
			},
			size,
		);
		const run = await session.nextApply();
		run.emit({type: 'apply-started', tables: ids});
		ids.slice(0, 6).forEach((id, index) => run.emit({type: 'apply-table-finished', result: big(id, index)}));
		run.emit({type: 'apply-table-started', table: 'public.professeur_matieres', rowsToWrite: 1_237_000});
		run.emit({
			type: 'apply-table-activity',
			table: 'public.professeur_matieres',
			phase: 'copying',
			done: 600_000,
			total: 1_237_000,
		});
		const frame = await waitFor(app, 'copying 600,000 / 1,237,000 rows');
		const live = frame.slice(frame.indexOf('pgconvoy'));
		expectFits(live, size, 'apply live');
		for (const line of frame.split('\n')) expect(line.length, line).toBeLessThanOrEqual(size.columns);
		// Each finished table: its name, then whole values, never a value cut by the edge.
		for (const [index, id] of ids.slice(0, 6).entries()) {
			const block = frame
				.slice(frame.indexOf(`✓ ${id}`))
				.split('\n')
				.slice(0, 3)
				.join('\n');
			expect(block).toMatch(new RegExp(`ins(erted)? ${(1_200_000 + index).toLocaleString('en-US')}\\b`));
			expect(block).toMatch(/upd(ated)? 37,000\b/);
			expect(block).toMatch(/skip(ped)? 900,000\b/);
		}
		run.reject(new UserError('interrupted', 'stop'));
		app.unmount();
	});

	test('summary: every table reachable by scrolling, names whole, the time column kept', async () => {
		const result = {mode: 'upsert' as const, committed: true, tables: ids.map(big), ms: 98_000};
		const app = await renderApp(
			{services: fakeServices(), initial: stateAt({name: 'summary', outcome: {kind: 'committed', result}}, context())},
			size,
		);
		const top = await waitFor(app, 'Committed');
		expectFits(top, size, 'summary');
		expect(top).toContain('public.niveaux');
		expect(top).toMatch(/time/);
		expect(top).toContain('47 ms');
		expect(top).toContain('↓');
		expect(top).toMatch(/↑↓ scroll/);
		const seen = new Set<string>();
		for (let step = 0; step < ids.length; step++) {
			const frame = frameText(app);
			expectFits(frame, size, `summary scrolled ${step}`);
			for (const id of ids) if (new RegExp(`${id.replace('.', '\\.')}(\\s|$)`, 'm').test(frame)) seen.add(id);
			await press(app, keys.down);
		}
		expect([...seen].sort()).toEqual([...ids].sort());
		expect(frameText(app)).toMatch(/total \(14 tables\)/);
		app.unmount();
	});
});
