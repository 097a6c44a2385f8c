import {Text} from 'ink';
import {afterEach, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import {counts, fakeServices, plan, press, renderApp, stateAt, tableResult, waitFor} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

test('COMMIT sent, outcome unknown: the summary never says "rolled back", offers no retry, and exits 6', async () => {
	const services = fakeServices();
	const error = new UserError(
		'outcome-unknown',
		'COMMIT was sent but its reply was lost, and the target could not be asked: whether transaction 1234 committed is unknown, so the data may or may not be written.',
		'Check on the target: SELECT txid_status(1234).',
	);
	const preview = {
		plan: plan(['public.users']),
		result: {mode: 'upsert' as const, tables: [counts('public.users')], findings: []},
	};
	const written = [tableResult('public.users', {inserted: 5, ms: 10})];
	const app = await renderApp({
		services,
		initial: stateAt({name: 'summary', outcome: {kind: 'rolled-back', error, written}}, {preview}),
	});
	const frame = await waitFor(app, 'Outcome unknown');
	expect(frame).toContain('? Outcome unknown: COMMIT was sent to prod_db on prod_db.example.com');
	expect(frame).toContain('txid_status(1234)');
	expect(frame).toContain('Written before COMMIT, committed or not:');
	expect(frame).not.toMatch(/rolled back|Rolled back/);
	expect(frame).not.toContain('r retry');
	await press(app, 'r');
	expect(await waitFor(app, 'Outcome unknown')).toContain('Step 8/8 · Summary');
	await press(app, 's');
	await waitFor(app, 'Report saved');
	expect(services.saved[0]).toMatchObject({
		committed: null,
		error: {code: 'outcome-unknown'},
		tablesBeforeCommit: written,
	});
	expect(services.saved[0]).not.toHaveProperty('tablesRolledBack');
	await press(app, 'q');
	expect(app.exits).toEqual([6]);
	app.unmount();
});
