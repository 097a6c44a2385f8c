import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import {DriftError} from '../../source/core/apply/apply-sync.js';
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

const tables = ['public.niveaux', 'public.users'];
const preview = {
	plan: plan(tables),
	result: {
		mode: 'upsert' as const,
		tables: [counts('public.niveaux', {insert: 10}), counts('public.users', {insert: 900, update: 100, skip: 5})],
		findings: [],
	},
};
const applying = (session = fakeSession()) => ({
	session,
	initial: stateAt({name: 'apply', abort: 'no'}, {session, selected: tables, preview}),
});

describe('apply step', () => {
	test('a bar for the table being written and an overall bar with rows/s and elapsed time; finished tables stay above', async () => {
		const {session, initial} = applying();
		const app = await renderApp({services: fakeServices(), initial});
		const run = await session.nextApply();
		const locking = await waitFor(app, 'locking the target tables');
		expect(locking).toContain('Step 7/8 · Apply · upsert mode');
		expect(locking).toContain('Writing 2 tables in one transaction · 0 of 2 done');
		expect(locking).toMatch(/Overall 0 \/ 1,010 rows/);
		expect(locking).toContain('ctrl-c abort (rolls back)');
		run.emit({type: 'apply-started', tables});
		expect(await waitFor(app, 'comparing')).toMatch(/\* public\.niveaux comparing both sides inside the transaction…/);
		run.emit({type: 'apply-table-started', table: 'public.niveaux', rowsToWrite: 10});
		run.emit({type: 'apply-table-progress', table: 'public.niveaux', rowsWritten: 10, rowsToWrite: 10});
		run.emit({type: 'apply-table-finished', result: tableResult('public.niveaux', {inserted: 10, ms: 12})});
		run.emit({type: 'apply-table-started', table: 'public.users', rowsToWrite: 1000});
		run.emit({type: 'apply-table-progress', table: 'public.users', rowsWritten: 500, rowsToWrite: 1000});
		const midway = await waitFor(app, '500 / 1,000 rows');
		expect(midway).toMatch(/^✓ public\.niveaux {2}inserted 10 · updated 0 · skipped 0 · deleted 0 {2}12 ms$/m);
		expect(midway).toMatch(/\* public\.users\s+500 \/ 1,000 rows/);
		expect(midway).toMatch(/█{36}░{36} 50%/);
		expect(midway).toMatch(/Overall 510 \/ 1,010 rows · (– |[\d,]+ )rows\/s · [\d.]+ m?s/);
		expect(midway).toContain('1 of 2 done');
		// The header stays below the lines that are finished for good.
		expect(midway.indexOf('✓ public.niveaux')).toBeLessThan(midway.indexOf('pgconvoy'));
		run.emit({type: 'apply-table-progress', table: 'public.users', rowsWritten: 1000, rowsToWrite: 1000});
		expect(await waitFor(app, 'merging')).toMatch(/1,000 \/ 1,000 rows · merging/);
		run.emit({
			type: 'apply-table-finished',
			result: tableResult('public.users', {inserted: 900, updated: 100, skipped: 5, ms: 300}),
		});
		run.emit({type: 'apply-phase', phase: 'committing'});
		expect(await waitFor(app, 'Committing…')).toMatch(/Overall 1,010 \/ 1,010 rows/);
		run.resolve({
			mode: 'upsert',
			committed: true,
			tables: [
				tableResult('public.niveaux', {inserted: 10, ms: 12}),
				tableResult('public.users', {inserted: 900, updated: 100, skipped: 5, ms: 300}),
			],
			ms: 420,
		});
		expect(await waitFor(app, 'Step 8/8 · Summary')).toContain('✓ Committed in 420 ms');
		app.unmount();
	});

	test('tables that finish in the last batch still get their line before the summary', async () => {
		const {session, initial} = applying();
		const app = await renderApp({services: fakeServices(), initial});
		const run = await session.nextApply();
		const results = [
			tableResult('public.niveaux', {inserted: 10}),
			tableResult('public.users', {inserted: 900, updated: 100}),
		];
		for (const result of results) run.emit({type: 'apply-table-finished', result});
		run.resolve({mode: 'upsert', committed: true, tables: results, ms: 20});
		const summary = await waitFor(app, '✓ Committed');
		expect(summary).toMatch(/^✓ public\.niveaux\s+inserted 10/m);
		expect(summary).toMatch(/^✓ public\.users\s+inserted 900 · updated 100/m);
		app.unmount();
	});

	test('Ctrl-C asks first; n keeps going; y cancels, rolls back and says so; exit code 130', async () => {
		const {session, initial} = applying();
		const app = await renderApp({services: fakeServices(), initial});
		const run = await session.nextApply();
		run.emit({type: 'apply-table-started', table: 'public.users', rowsToWrite: 1000});
		await waitFor(app, 'public.users');
		await press(app, keys.ctrlC);
		const asking = await waitFor(app, 'Abort the sync?');
		expect(asking).toMatch(
			/Abort the sync\? Everything written so far is rolled back; the target stays\s+unchanged\. \(y\/N\)/,
		);
		expect(asking).toMatch(/y abort and roll back\s+n keep going/);
		await press(app, 'n');
		await waitFor(app, (frame) => !frame.includes('Abort the sync?'));
		expect(run.signal?.aborted).toBe(false);
		// q does not leave a running transaction.
		await press(app, 'q');
		expect(app.exits).toEqual([]);
		await press(app, keys.ctrlC, 'y');
		expect(await waitFor(app, 'rolling back')).toContain('* Cancelling and rolling back…');
		expect(run.signal?.aborted).toBe(true);
		run.reject(
			new UserError('interrupted', 'Interrupted: the sync was cancelled and rolled back; the target is unchanged.'),
		);
		const summary = await waitFor(app, 'Rolled back');
		expect(summary).toContain('↺ Rolled back: nothing was written to prod_db on prod_db.example.com.');
		expect(summary).toContain('✗ Interrupted: the sync was cancelled and rolled back; the target is unchanged.');
		await press(app, 'q');
		expect(app.exits).toEqual([130]);
		app.unmount();
	});

	test('a second Ctrl-C while asking means yes', async () => {
		const {session, initial} = applying();
		const app = await renderApp({services: fakeServices(), initial});
		const run = await session.nextApply();
		await press(app, keys.ctrlC);
		await waitFor(app, 'Abort the sync?');
		await press(app, keys.ctrlC);
		await waitFor(app, 'rolling back');
		expect(run.signal?.aborted).toBe(true);
		app.unmount();
	});

	test('drift goes back to the preview, which counts again and says why', async () => {
		const {session, initial} = applying();
		const app = await renderApp({services: fakeServices(), initial});
		const run = await session.nextApply();
		run.reject(new DriftError([counts('public.users', {insert: 950})]));
		const again = await session.nextPreview();
		const frame = await waitFor(app, 'changed since the preview');
		expect(frame).toContain('Step 5/8 · Preview');
		expect(frame).toMatch(
			/↺ The data changed since the preview, so nothing was written \(rolled back\)\. These are fresh counts:\s+check them and confirm again\./,
		);
		again.resolve({
			mode: 'upsert',
			tables: [counts('public.niveaux', {insert: 10}), counts('public.users', {insert: 950, update: 100})],
			findings: [],
		});
		expect(await waitFor(app, '✓ Counted')).toMatch(/total\s+960\s+100/);
		await press(app, keys.enter);
		expect(await waitFor(app, 'Confirm')).toContain('Insert 960, update 100');
		app.unmount();
	});

	test('a failure rolls back and lists what had been written before it', async () => {
		const {session, initial} = applying();
		const app = await renderApp({services: fakeServices(), initial});
		const run = await session.nextApply();
		run.emit({type: 'apply-table-finished', result: tableResult('public.niveaux', {inserted: 10})});
		run.reject(
			new UserError(
				'apply-failed',
				'public.users: duplicate key value violates unique constraint "users_email_key" (email)=(a@b.c).',
				'Fix the duplicate on the target, then run again.',
			),
		);
		const frame = await waitFor(app, 'Rolled back');
		expect(frame).toContain('✗ public.users: duplicate key value violates unique constraint');
		expect(frame).toContain('→ Fix the duplicate on the target, then run again.');
		expect(frame).toContain('Written before it stopped, then rolled back:');
		expect(frame).toMatch(/public\.niveaux\s+10\s+0\s+0\s+0/);
		await press(app, keys.enter);
		expect(app.exits).toEqual([5]);
		expect(frameText(app)).not.toContain('q/enter quit');
		app.unmount();
	});
});
