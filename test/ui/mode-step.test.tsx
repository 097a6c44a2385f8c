import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {fakeServices, keys, press, renderApp, stateAt, waitFor} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

describe('mode step', () => {
	test('lists the three modes with a one-line explanation, starting on the current one', async () => {
		const app = await renderApp({services: fakeServices(), initial: stateAt({name: 'mode'}, {mode: 'upsert'})});
		const frame = await waitFor(app, 'How should rows be written?');
		expect(frame).toContain('Step 4/8 · Mode');
		expect(frame).toMatch(/ {2}insert\s+add the rows missing on the target; rows already there are left as they are/);
		expect(frame).toMatch(/❯ upsert\s+add missing rows and update the rows whose content differs; never deletes/);
		expect(frame).toMatch(
			/ {2}mirror\s+make the target match: add, update, and delete rows the source does not have \(guarded\)/,
		);
		expect(frame).toMatch(/↑↓ move\s+enter preview\s+esc back\s+q quit/);
		app.unmount();
	});

	test('enter on a mode goes to the preview in that mode; esc goes back to the tables', async () => {
		const app = await renderApp({services: fakeServices(), initial: stateAt({name: 'mode'}, {mode: undefined})});
		await waitFor(app, '❯ insert');
		await press(app, keys.down, keys.down, keys.enter);
		expect(await waitFor(app, 'Step 5/8 · Preview')).toContain('mirror mode');
		await press(app, keys.escape);
		await waitFor(app, '❯ mirror');
		await press(app, keys.escape);
		await waitFor(app, 'Step 3/8 · Tables');
		app.unmount();
	});
});
