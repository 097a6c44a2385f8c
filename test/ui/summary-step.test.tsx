import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import {
	counts,
	fakeSession,
	fakeServices,
	keys,
	frameText,
	plan,
	press,
	renderApp,
	stateAt,
	tableResult,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const result = {
	mode: 'upsert' as const,
	committed: true,
	tables: [
		tableResult('public.niveaux', {skipped: 12, ms: 3}),
		tableResult('public.users', {inserted: 1200, updated: 37, skipped: 900, ms: 1500}),
	],
	ms: 1620,
};
const preview = {
	plan: plan(['public.niveaux', 'public.users']),
	result: {mode: 'upsert' as const, tables: [counts('public.niveaux'), counts('public.users')], findings: []},
};

describe('summary step', () => {
	test('per-table counts, totals, duration and the commit', async () => {
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt({name: 'summary', outcome: {kind: 'committed', result}}, {preview}),
		});
		const frame = await waitFor(app, 'Committed');
		expect(frame).toContain('Step 8/8 · Summary');
		expect(frame).toContain('✓ Committed in 1.6 s: prod_db on prod_db.example.com now has these changes.');
		expect(frame).toMatch(/table\s+inserted\s+updated\s+skipped\s+deleted\s+time/);
		expect(frame).toMatch(/public\.niveaux\s+0\s+0\s+12\s+0\s+3 ms/);
		expect(frame).toMatch(/public\.users\s+1,200\s+37\s+900\s+0\s+1\.5 s/);
		expect(frame).toMatch(/total \(2 tables\)\s+1,200\s+37\s+912\s+0\s+1\.6 s/);
		expect(frame).toMatch(/s save JSON report\s+q\/enter quit/);
		app.unmount();
	});

	test('s saves the JSON report (without the password) and says where; q quits with 0', async () => {
		const services = fakeServices();
		const app = await renderApp({
			services,
			initial: stateAt({name: 'summary', outcome: {kind: 'committed', result}}, {preview}),
		});
		await waitFor(app, 'Committed');
		await press(app, 's');
		expect(await waitFor(app, 'Report saved')).toContain('✓ Report saved to pgconvoy-report-test.json');
		expect(services.saved).toHaveLength(1);
		expect(services.saved[0]).toMatchObject({
			mode: 'upsert',
			dryRun: false,
			committed: true,
			totals: {tables: 2, inserted: 1200, updated: 37, skipped: 912, deleted: 0, errors: 0},
		});
		expect(JSON.stringify(services.saved[0])).not.toContain('hunter2-secret');
		await press(app, 'q');
		expect(app.exits).toEqual([0]);
		// The summary stays as the last screen, without key hints.
		expect(frameText(app)).toContain('✓ Committed');
		expect(frameText(app)).not.toContain('s save JSON report');
		app.unmount();
	});

	test('a report that cannot be written says why', async () => {
		const services = fakeServices({
			saveReport: async () => {
				throw new UserError('config', 'Cannot write pgconvoy-report.json: permission denied.');
			},
		});
		const app = await renderApp({services, initial: stateAt({name: 'summary', outcome: {kind: 'committed', result}})});
		await waitFor(app, 'Committed');
		await press(app, 's');
		expect(await waitFor(app, 'permission denied')).toContain(
			'✗ Cannot write pgconvoy-report.json: permission denied.',
		);
		app.unmount();
	});

	test('a rolled-back run saves an error report', async () => {
		const services = fakeServices();
		const error = new UserError(
			'lock-timeout',
			'Timed out waiting for a lock on public.users (held by pid 4242).',
			'Retry when that session is done.',
		);
		const app = await renderApp({
			services,
			initial: stateAt({name: 'summary', outcome: {kind: 'rolled-back', error, written: []}}),
		});
		const frame = await waitFor(app, 'Rolled back');
		expect(frame).toContain('✗ Timed out waiting for a lock on public.users (held by pid 4242).');
		expect(frame).not.toContain('total');
		await press(app, 's');
		await waitFor(app, 'Report saved');
		expect(services.saved[0]).toMatchObject({committed: false, error: {code: 'lock-timeout'}, tablesRolledBack: []});
		await press(app, 'q');
		expect(app.exits).toEqual([5]);
		app.unmount();
	});

	test('a failed apply offers retry (writes the confirmed preview again) and back to the preview (counts again)', async () => {
		const session = fakeSession();
		const error = new UserError(
			'lock-timeout',
			'Timed out waiting for a lock on public.users (held by pid 4242).',
			'Retry when that session is done.',
		);
		const initial = stateAt({name: 'summary', outcome: {kind: 'rolled-back', error, written: []}}, {session, preview});
		const app = await renderApp({services: fakeServices(), initial});
		expect(await waitFor(app, 'Rolled back')).toMatch(
			/r retry\s+esc back to the preview\s+s save JSON report\s+q\/enter quit/,
		);
		await press(app, 'r');
		await waitFor(app, 'Step 7/8 · Apply');
		const run = await session.nextApply();
		run.reject(error);
		await waitFor(app, 'Rolled back');
		await press(app, keys.escape);
		await waitFor(app, 'Step 5/8 · Preview');
		// Fresh counts: the preview runs again.
		await session.nextPreview();
		app.unmount();
	});

	test('the saved report names its full path', async () => {
		const services = fakeServices({saveReport: async () => '/home/me/work/pgconvoy-report-20261130-120000.json'});
		const app = await renderApp(
			{services, initial: stateAt({name: 'summary', outcome: {kind: 'committed', result}}, {preview})},
			{columns: 60, rows: 20},
		);
		await waitFor(app, 'Committed');
		await press(app, 's');
		const frame = await waitFor(app, 'Report saved');
		expect(frame.replace(/\n/g, '')).toContain('/home/me/work/pgconvoy-report-20261130-120000.json');
		app.unmount();
	});
});
