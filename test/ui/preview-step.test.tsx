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
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const selected = ['public.niveaux', 'public.users', 'public.classes'];

describe('preview step', () => {
	test('counts fill in live per table, with a spinner on the one being counted; totals and findings follow', async () => {
		const session = fakeSession(undefined, (tables, mode) =>
			plan(tables, mode, [
				{
					table: 'public.classes',
					severity: 'warning',
					code: 'target-triggers',
					message: 'Triggers on the target table public.classes will fire for every written row: audit.',
				},
			]),
		);
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected}),
		});
		const preview = await session.nextPreview();
		const queued = await waitFor(app, 'queued');
		expect(queued).toContain('Step 5/8 · Preview · upsert mode');
		expect(queued).toContain('Counting what would change… 0 of 3 tables (read-only on both sides)');
		expect(queued).toMatch(/table\s+insert\s+update\s+skip\s+delete/);
		preview.emit({type: 'preview-table-started', table: 'public.niveaux'});
		expect(await waitFor(app, 'counting…')).toMatch(/public\.niveaux\s+\* counting…/);
		preview.emit({
			type: 'preview-table-finished',
			counts: counts('public.niveaux', {insert: 2, update: 1, skip: 9, differing: 1}),
		});
		preview.emit({type: 'preview-table-started', table: 'public.users'});
		const partial = await waitFor(app, '1 of 3 tables');
		expect(partial).toMatch(/public\.niveaux\s+2\s+1\s+9\s+0/);
		expect(partial).toMatch(/public\.users\s+\* counting…/);
		expect(partial).toMatch(/public\.classes\s+queued/);
		expect(partial).toMatch(/so far\s+2\s+1\s+9\s+0/);
		// Enter does nothing until the counts are in.
		await press(app, keys.enter);
		expect(frameText(app)).toContain('Step 5/8');
		preview.emit({
			type: 'preview-table-finished',
			counts: counts('public.users', {insert: 1200, update: 36, skip: 900, differing: 36}),
		});
		preview.emit({type: 'preview-table-finished', counts: counts('public.classes', {skip: 40})});
		preview.resolve({
			mode: 'upsert',
			tables: [
				counts('public.niveaux', {insert: 2, update: 1, skip: 9}),
				counts('public.users', {insert: 1200, update: 36, skip: 900}),
				counts('public.classes', {skip: 40}),
			],
			findings: session.plan({tables: selected, exclude: []}, {mode: 'upsert'} as never).findings,
		});
		const done = await waitFor(app, '✓ Counted 3 tables');
		expect(done).toMatch(/total\s+1,202\s+37\s+949\s+0/);
		expect(done).toContain('! Triggers on the target table public.classes will fire for every written row: audit.');
		expect(done).toMatch(/enter confirm\s+r rehearse \(write, then roll back\)\s+f all findings\s+esc back\s+q quit/);
		await press(app, keys.enter);
		expect(await waitFor(app, 'Step 6/8 · Confirm')).toContain(
			'Insert 1,202, update 37, delete 0 rows in 3 tables of prod_db on prod_db.example.com.',
		);
		// Back from the confirmation shows the same counts without counting again.
		await press(app, keys.escape);
		await waitFor(app, '✓ Counted 3 tables');
		expect(session.previews).toHaveLength(1);
		app.unmount();
	});

	test('leaving the preview while it counts aborts the run', async () => {
		const session = fakeSession();
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected}),
		});
		const preview = await session.nextPreview();
		await waitFor(app, 'Counting');
		await press(app, keys.escape);
		await waitFor(app, 'How should rows be written?');
		expect(preview.signal?.aborted).toBe(true);
		app.unmount();
	});

	test('insert mode says how many differing rows it leaves as they are', async () => {
		const result = {
			mode: 'insert' as const,
			tables: [counts('public.users', {insert: 5, skip: 20, differing: 7})],
			findings: [],
		};
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt(
				{name: 'preview', run: 0},
				{mode: 'insert', preview: {plan: plan(['public.users'], 'insert'), result}},
			),
		});
		expect(await waitFor(app, 'differ')).toContain(
			'7 rows differ but insert mode leaves them as they are (upsert would update them).',
		);
		app.unmount();
	});

	test('blocking findings stop the flow and say what to do', async () => {
		const findings = [
			{
				table: 'public.users',
				severity: 'warning' as const,
				code: 'parent-not-selected',
				parent: 'public.roles',
				message: 'public.users references public.roles, which is not selected.',
			},
			{
				table: 'public.notes',
				severity: 'blocking' as const,
				code: 'no-key',
				message:
					'Table public.notes has no primary key or unique index on NOT NULL columns, so its rows cannot be matched.',
				hint: 'Name the columns that identify a row: --key public.notes=col1,col2',
			},
		];
		const session = fakeSession(undefined, (tables, mode) => plan(tables, mode, findings));
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected: ['public.users']}),
		});
		const frame = await waitFor(app, 'Blocked');
		expect(frame).toContain('✗ Blocked: nothing can be written until the findings below are fixed.');
		// Blocking first, with its hint.
		expect(frame.indexOf('✗ Table public.notes has no primary key')).toBeLessThan(
			frame.indexOf('! public.users references'),
		);
		expect(frame).toContain('→ Name the columns that identify a row: --key public.notes=col1,col2');
		expect(frame).not.toContain('enter confirm');
		expect(session.previews).toHaveLength(0);
		await press(app, keys.enter);
		expect(frameText(app)).toContain('Step 5/8');
		app.unmount();
	});

	test('rows whose parents are missing on the target: p adds the parent tables and counts again', async () => {
		const finding = {
			table: 'public.classes',
			severity: 'blocking' as const,
			code: 'missing-parent',
			parent: 'public.niveaux',
			message:
				'public.classes: 2 parent values referenced by rows to write are missing in public.niveaux on the target (classes_niveau_id_fkey), e.g. (niveau_id)=(7).',
			hint: 'Add public.niveaux to the tables so its rows go first, or fix those rows in the source.',
		};
		const session = fakeSession();
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected: ['public.users', 'public.classes']}),
		});
		const first = await session.nextPreview();
		first.resolve({
			mode: 'upsert',
			tables: [counts('public.users'), counts('public.classes', {insert: 2})],
			findings: [finding],
		});
		const blocked = await waitFor(app, 'Blocked');
		expect(blocked).toContain('p adds public.niveaux to the tables and counts again.');
		expect(blocked).toMatch(/p add parent tables/);
		await press(app, 'p');
		const second = await session.nextPreview();
		expect(await waitFor(app, 'counting again')).toContain('↺ Added public.niveaux to the tables; counting again.');
		second.resolve({
			mode: 'upsert',
			tables: [counts('public.niveaux', {insert: 1}), counts('public.users'), counts('public.classes', {insert: 2})],
			findings: [],
		});
		const counted = await waitFor(app, '✓ Counted');
		expect(counted).toMatch(/total\s+3\s/);
		app.unmount();
	});

	test('f shows every finding with its hint; a failed preview can be retried', async () => {
		const findings = Array.from({length: 6}, (_, index) => ({
			table: `public.t${index}`,
			severity: 'warning' as const,
			code: 'type-mismatch',
			message: `Finding number ${index}.`,
			hint: `Hint ${index}.`,
		}));
		const session = fakeSession(undefined, (tables, mode) => plan(tables, mode, findings));
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected: ['public.users']}),
		});
		const first = await session.nextPreview();
		first.reject(new UserError('connection', 'The connection to the target was lost.', 'Check the network and retry.'));
		const failed = await waitFor(app, 'connection to the target was lost');
		expect(failed).toContain('✗ The preview failed; nothing was written.');
		expect(failed).toContain('r retry');
		await press(app, 'r');
		const second = await session.nextPreview();
		second.resolve({mode: 'upsert', tables: [counts('public.users', {skip: 3})], findings});
		const collapsed = await waitFor(app, '✓ Nothing to change');
		expect(collapsed).toContain('… 3 more findings (f shows all)');
		expect(collapsed).not.toContain('Hint 0.');
		await press(app, 'f');
		const expanded = await waitFor(app, 'Hint 0.');
		expect(expanded).toContain('! Finding number 0.');
		expect(expanded).toMatch(/f counts/);
		app.unmount();
	});

	test('nothing to change: no confirm (not even a production name to type); esc goes back, q quits', async () => {
		const session = fakeSession();
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected}),
		});
		const preview = await session.nextPreview();
		preview.resolve({mode: 'upsert', tables: selected.map((table) => counts(table, {skip: 5})), findings: []});
		const frame = await waitFor(app, 'Nothing to change');
		expect(frame).toMatch(/esc back\s+q quit/);
		expect(frame).not.toContain('confirm');
		await press(app, keys.enter);
		expect(frameText(app)).toContain('Step 5/8 · Preview');
		await press(app, keys.escape);
		await waitFor(app, 'Step 4/8 · Mode');
		app.unmount();
	});

	test('"Counted 1 table", not "1 tables"', async () => {
		const session = fakeSession();
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected: ['public.users']}),
		});
		const preview = await session.nextPreview();
		expect(await waitFor(app, 'Counting')).toContain('0 of 1 table ');
		preview.resolve({mode: 'upsert', tables: [counts('public.users', {insert: 1})], findings: []});
		expect(await waitFor(app, 'Counted')).toContain('✓ Counted 1 table. Nothing has been written yet.');
		app.unmount();
	});
});
