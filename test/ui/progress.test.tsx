import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {reduceApplyEvent} from '../../source/ui/hooks/use-apply.js';
import {reducePreviewEvent} from '../../source/ui/hooks/use-preview.js';
import {
	counts,
	fakeServices,
	fakeSession,
	frameText,
	plan,
	renderApp,
	stateAt,
	tableResult,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const tables = ['public.users'];

function applying() {
	const session = fakeSession();
	const expected = {mode: 'insert' as const, tables: [counts('public.users', {insert: 2_000_000})], findings: []};
	return {
		session,
		initial: stateAt(
			{name: 'apply', abort: 'no'},
			{session, mode: 'insert', selected: tables, preview: {plan: plan(tables, 'insert'), result: expected}},
		),
	};
}

describe('long work looks alive', () => {
	test('reducer: a new table or phase starts a new activity (and its rate); the same phase keeps its start', () => {
		const start = {started: true, written: {}, toWrite: {}, finished: []};
		const comparing = reduceApplyEvent(
			start,
			{type: 'apply-table-activity', table: 'public.users', phase: 'comparing', done: 100, total: 4000},
			1000,
		);
		expect(comparing.activity).toEqual({
			table: 'public.users',
			phase: 'comparing',
			done: 100,
			total: 4000,
			since: 1000,
			from: 100,
			at: 1000,
		});
		const further = reduceApplyEvent(
			comparing,
			{type: 'apply-table-activity', table: 'public.users', phase: 'comparing', done: 3000, total: 4000},
			2000,
		);
		expect(further.activity).toMatchObject({done: 3000, since: 1000, from: 100, at: 2000});
		const copying = reduceApplyEvent(
			further,
			{type: 'apply-table-activity', table: 'public.users', phase: 'copying', done: 0, total: 2000},
			2500,
		);
		expect(copying.activity).toMatchObject({phase: 'copying', since: 2500, from: 0});
		const done = reduceApplyEvent(copying, {
			type: 'apply-table-finished',
			result: tableResult('public.users', {inserted: 2000}),
		});
		expect(done.activity).toBeUndefined();

		const live = reducePreviewEvent(
			{counts: {}},
			{type: 'preview-table-progress', table: 'public.users', keysRead: 10, keysEstimated: 100},
			50,
		);
		expect(live).toMatchObject({running: 'public.users', reading: {keysRead: 10, since: 50, from: 10}});
		const later = reducePreviewEvent(
			live,
			{type: 'preview-table-progress', table: 'public.users', keysRead: 60, keysEstimated: 100},
			90,
		);
		expect(later.reading).toMatchObject({keysRead: 60, since: 50, from: 10});
		expect(
			reducePreviewEvent(later, {type: 'preview-table-finished', counts: counts('public.users')}).reading,
		).toBeUndefined();
	});

	test('apply: the bar names the phase and its own progress; the rate is the phase\'s, never "0 rows/s"', async () => {
		const {session, initial} = applying();
		const app = await renderApp({services: fakeServices(), initial});
		const run = await session.nextApply();
		run.emit({type: 'apply-started', tables});
		run.emit({type: 'apply-table-started', table: 'public.users', rowsToWrite: 2_000_000});
		run.emit({type: 'apply-table-activity', table: 'public.users', phase: 'comparing', done: 0, total: 4_000_000});
		const first = await waitFor(app, 'comparing 0 / 4,000,000 keys');
		expect(first).not.toMatch(/\b0 rows\/s/);
		run.emit({
			type: 'apply-table-activity',
			table: 'public.users',
			phase: 'comparing',
			done: 1_000_000,
			total: 4_000_000,
		});
		const comparing = await waitFor(
			app,
			(frame) => frame.includes('comparing 1,000,000 / 4,000,000 keys') && /comparing [\d,]+ keys\/s/.test(frame),
		);
		expect(comparing).toMatch(/░ 25%/);
		expect(comparing).toMatch(/Overall 0 \/ 2,000,000 rows · comparing [\d,]+ keys\/s/);
		expect(comparing).not.toMatch(/\b0 rows\/s/);
		run.emit({type: 'apply-table-activity', table: 'public.users', phase: 'copying', done: 500_000, total: 2_000_000});
		const copying = await waitFor(app, 'copying 500,000 / 2,000,000 rows');
		expect(copying).toMatch(/Overall 0 \/ 2,000,000 rows · copying (– |[\d,]+ )rows\/s/);
		run.emit({type: 'apply-table-activity', table: 'public.users', phase: 'merging', done: 1, total: 3});
		const merging = await waitFor(app, 'merging 1 / 3 statements');
		expect(merging).toMatch(/░ 33%/);
		expect(merging).not.toMatch(/\b0 rows\/s/);
		expect(frameText(app)).toContain('Step 7/8 · Apply');
		app.unmount();
	});

	test('preview: the table being compared shows keys read against the estimate, and their rate', async () => {
		const session = fakeSession();
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'preview', run: 0}, {session, selected: tables}),
		});
		const preview = await session.nextPreview();
		preview.emit({type: 'preview-table-started', table: 'public.users'});
		await waitFor(app, 'counting…');
		preview.emit({type: 'preview-table-progress', table: 'public.users', keysRead: 0, keysEstimated: 4_000_000});
		preview.emit({
			type: 'preview-table-progress',
			table: 'public.users',
			keysRead: 1_000_000,
			keysEstimated: 4_000_000,
		});
		expect(await waitFor(app, /public\.users\s+\* 25% · (– |[\d,]+ )keys\/s/)).not.toContain('counting…');
		app.unmount();
	});
});
