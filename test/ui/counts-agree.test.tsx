import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {formatDuration, formatRate, liveRate} from '../../source/present/numbers.js';
import {tableRatio} from '../../source/present/progress.js';
import {changeSentence, resultSentence} from '../../source/ui/format.js';
import {counts, fakeServices, fakeSession, plan, renderApp, stateAt, tableResult, waitFor} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

describe('numbers read right', () => {
	test('durations are rounded before they are split into units', () => {
		expect(formatDuration(119_500)).toBe('2 min 0 s');
		expect(formatDuration(119_400)).toBe('1 min 59 s');
		expect(formatDuration(999.6)).toBe('1.0 s');
		expect(formatDuration(999.4)).toBe('999 ms');
		expect(formatDuration(59_960)).toBe('1 min 0 s');
		expect(formatDuration(123_000)).toBe('2 min 3 s');
	});

	test('rates: none below one a second, the unit agreeing with the number', () => {
		expect(formatRate(1, 10_000, 'statements')).toBe('– statements/s');
		expect(liveRate(1, 10_000, 'statements')).toBe('– statements/s');
		expect(formatRate(1, 1000, 'statements')).toBe('1 statement/s');
		expect(formatRate(2, 1000, 'rows')).toBe('2 rows/s');
	});

	test('sentences: the noun agrees with its count', () => {
		const preview = {mode: 'mirror' as const, tables: [counts('public.users', {insert: 3, delete: 1})], findings: []};
		expect(changeSentence(preview, {database: 'db', host: 'h'})).toBe(
			'insert 3, update 0, delete 1 row in 1 table of db on h',
		);
		expect(
			resultSentence({
				mode: 'insert',
				tables: [tableResult('public.users', {inserted: 2})],
				findings: [],
				ms: 5,
			} as never),
		).toContain('deleted 0 rows in 1 table');
	});

	test('insert mode: "1 row differs", "2 rows differ"', async () => {
		for (const [differing, text] of [
			[1, '1 row differs but insert mode'],
			[2, '2 rows differ but insert mode'],
		] as const) {
			const result = {
				mode: 'insert' as const,
				tables: [counts('public.users', {insert: 5, skip: 20, differing})],
				findings: [],
			};
			const app = await renderApp({
				services: fakeServices(),
				initial: stateAt(
					{name: 'preview', run: 0},
					{mode: 'insert', preview: {plan: plan(['public.users'], 'insert'), result}},
				),
			});
			expect(await waitFor(app, 'differ')).toContain(text);
			app.unmount();
		}
	});
});

describe('a big table being staged and merged', () => {
	test('the table ratio follows staging, then merging, before rows count as written', () => {
		expect(tableRatio(0, 600_000, {phase: 'comparing', done: 10, total: 20})).toBe(0);
		expect(tableRatio(0, 600_000, {phase: 'copying', done: 300_000, total: 600_000})).toBe(0.25);
		expect(tableRatio(0, 600_000, {phase: 'merging', done: 1, total: 2})).toBe(0.75);
		expect(tableRatio(600_000, 600_000, {phase: 'merging', done: 1, total: 2})).toBe(1);
	});

	test('the overall bar moves while rows are staged; merging shows no per-second rate', async () => {
		const tables = ['public.niveaux'];
		const session = fakeSession();
		const expected = {mode: 'upsert' as const, tables: [counts('public.niveaux', {update: 600_000})], findings: []};
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt(
				{name: 'apply', abort: 'no'},
				{session, mode: 'upsert', selected: tables, preview: {plan: plan(tables, 'upsert'), result: expected}},
			),
		});
		const run = await session.nextApply();
		run.emit({type: 'apply-started', tables});
		run.emit({type: 'apply-table-started', table: 'public.niveaux', rowsToWrite: 600_000});
		run.emit({type: 'apply-table-activity', table: 'public.niveaux', phase: 'copying', done: 600_000, total: 600_000});
		expect(await waitFor(app, 'copying 600,000 / 600,000 rows')).toMatch(
			/Overall 0 \/ 600,000 rows · [^\n]*\n\s+█+░+ 50%/,
		);
		run.emit({type: 'apply-table-activity', table: 'public.niveaux', phase: 'merging', done: 1, total: 3});
		const merging = await waitFor(app, 'merging 1 / 3 statements');
		expect(merging).not.toMatch(/statements?\/s/);
		expect(merging).toMatch(/Overall 0 \/ 600,000 rows · merging · /);
		expect(merging).toMatch(/Overall[^\n]*\n\s+█+░+ 66%/);
		app.unmount();
	});

	test('once finished, the apply shows the duration the summary shows', async () => {
		const tables = ['public.users'];
		const session = fakeSession();
		const expected = {mode: 'insert' as const, tables: [counts('public.users', {insert: 2})], findings: []};
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt(
				{name: 'apply', abort: 'no'},
				{session, mode: 'insert', selected: tables, preview: {plan: plan(tables, 'insert'), result: expected}},
			),
		});
		const run = await session.nextApply();
		run.emit({type: 'apply-started', tables});
		run.emit({type: 'apply-table-finished', result: tableResult('public.users', {inserted: 2})});
		run.resolve({mode: 'insert', tables: [tableResult('public.users', {inserted: 2})], committed: true, ms: 924});
		const summary = await waitFor(app, 'Committed in');
		expect(summary).toContain('Committed in 924 ms');
		expect(
			app.frames
				.map(String)
				.filter((frame) => frame.includes('Overall'))
				.at(-1),
		).toContain('924 ms');
		app.unmount();
	});
});
