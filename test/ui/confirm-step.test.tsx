import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {
	counts,
	endpoint,
	fakeServices,
	frameText,
	keys,
	plan,
	press,
	renderApp,
	stateAt,
	summary,
	type,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

const tables = ['public.niveaux', 'public.users', 'public.classes'];
const result = {
	mode: 'upsert' as const,
	tables: [
		counts('public.niveaux', {insert: 4}),
		counts('public.users', {insert: 1200, update: 37}),
		counts('public.classes'),
	],
	findings: [{severity: 'warning' as const, code: 'target-triggers', message: 'Triggers fire.'}],
};
const confirming = (production = false, typed = '') =>
	stateAt(
		{name: 'confirm', typed, mismatch: false},
		{
			selected: tables,
			preview: {plan: plan(tables), result},
			target: {
				endpoint: endpoint('systeme_intelligent', {host: 'db.example.com', production}),
				summary: summary('systeme_intelligent'),
			},
		},
	);

describe('confirm step', () => {
	test('says what will change where; y writes, n goes back to the preview', async () => {
		const app = await renderApp({services: fakeServices(), initial: confirming()});
		const frame = await waitFor(app, 'Write these changes now?');
		expect(frame).toContain(
			'Insert 1,204, update 37, delete 0 rows in 3 tables of systeme_intelligent on db.example.com.',
		);
		expect(frame).toContain('Mode upsert · one transaction: everything or nothing · lock timeout 5.0 s');
		expect(frame).toContain('! 1 warning in the preview (esc to read it)');
		expect(frame).toMatch(/y write\s+n\/enter back to the preview\s+q quit/);
		await press(app, 'n');
		await waitFor(app, 'Step 5/8 · Preview');
		await press(app, keys.enter);
		await waitFor(app, 'Write these changes now?');
		await press(app, 'y');
		expect(await waitFor(app, 'Step 7/8 · Apply')).toContain('Writing 3 tables in one transaction');
		app.unmount();
	});

	test('a production target needs its database name typed: a wrong name is refused', async () => {
		const app = await renderApp({services: fakeServices(), initial: confirming(true)});
		const frame = await waitFor(app, 'Type its database name');
		expect(frame).toMatch(
			/PRODUCTION\s+The target is tagged production\. Type its database name \(systeme_intelligent\) to write:/,
		);
		// y and q are letters of a name here.
		await type(app, 'yq');
		await press(app, keys.enter);
		expect(await waitFor(app, 'That is not')).toContain('✗ That is not systeme_intelligent; nothing was written.');
		expect(app.exits).toEqual([]);
		await press(app, keys.backspace, keys.backspace);
		await type(app, 'systeme_intelligent');
		await press(app, keys.enter);
		await waitFor(app, 'Step 7/8 · Apply');
		app.unmount();
	});

	test('--confirm prefills the name', async () => {
		const app = await renderApp({services: fakeServices(), initial: confirming(true, 'systeme_intelligent')});
		await waitFor(app, '› systeme_intelligent');
		await press(app, keys.enter);
		await waitFor(app, 'Step 7/8 · Apply');
		expect(frameText(app)).not.toContain('That is not');
		app.unmount();
	});
});
