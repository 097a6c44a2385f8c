import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import type {Endpoint} from '../../source/core/connection/endpoint.js';
import type {JournalEntry, JournalRun} from '../../source/core/journal/journal-format.js';
import type {UndoPreview, UndoResult} from '../../source/core/journal/undo-run.js';
import type {SyncResult} from '../../source/core/events.js';
import {
	allFrames,
	endpoint,
	fakeServices,
	frameText,
	keys,
	press,
	renderApp,
	stateAt,
	summary,
	tableResult,
	type,
	waitFor,
} from './helpers.js';

vi.mock('ink-spinner', () => ({default: () => <Text>*</Text>}));
afterEach(() => cleanup());

function journalRun(id: string, fields: Partial<JournalRun> = {}): JournalRun {
	return {
		id,
		startedAt: '2026-11-30T16:15:02.000Z',
		kind: 'sync',
		mode: 'upsert',
		source: 'app@localhost:5432/local_db',
		target: 'app@prod_db.example.com:5432/prod_db',
		targetIdentity: '7301/prod_db',
		transactionId: '812',
		tables: [],
		rowsDigest: 'x',
		fingerprint: 'send-hash',
		...fields,
	};
}

const journaled: SyncResult = {
	mode: 'upsert',
	committed: true,
	tables: [tableResult('public.users', {inserted: 3, updated: 5})],
	ms: 120,
	journal: {id: '20261130-161502-3f9a', file: '/config/journal/20261130-161502-3f9a.journal'},
};

function undoPreview(fields: Partial<UndoPreview> = {}): UndoPreview {
	return {
		run: journalRun('20261130-161502-3f9a'),
		tables: [
			{table: 'public.niveaux', delete: 0, restore: 2, reinsert: 0, conflicts: 0},
			{table: 'public.users', delete: 3, restore: 5, reinsert: 1, conflicts: 0},
		],
		conflicts: [],
		...fields,
	};
}

/** Services whose undo the test resolves; every call is recorded. */
function undoServices(preview: UndoPreview, undo: (target: Endpoint, id: string) => Promise<UndoResult>) {
	const calls = {
		previews: [] as Array<{target: Endpoint; id: string}>,
		undos: [] as Array<{target: Endpoint; id: string}>,
	};
	const services = fakeServices({
		previewUndo: async (target, id) => {
			calls.previews.push({target, id});
			return preview;
		},
		undo: async (target, id) => {
			calls.undos.push({target, id});
			return undo(target, id);
		},
	});
	return {services, calls};
}

const summaryOf = (result: SyncResult) => ({name: 'summary' as const, outcome: {kind: 'committed' as const, result}});

describe('undo from the summary', () => {
	test('u shows the undo preview per table, y undoes in one transaction and shows the outcome', async () => {
		const preview = undoPreview();
		const {services, calls} = undoServices(preview, async () => ({
			...preview,
			committed: true,
			journal: {id: '20261130-161540-77aa', file: '/j'},
			ms: 40,
		}));
		const app = await renderApp({services, initial: stateAt(summaryOf(journaled))}, {columns: 100, rows: 30});
		const before = await waitFor(app, 'Committed');
		expect(before).toContain('Journaled as run 20261130-161502-3f9a: u takes it back.');
		expect(before).toMatch(/u undo this sync/);
		await press(app, 'u');
		const shown = await waitFor(app, 'Undo this sync now?');
		expect(shown).toContain('Undo run 20261130-161502-3f9a on prod_db on prod_db.example.com, in one transaction:');
		expect(shown).toMatch(/public\.niveaux\s+delete 0\s+restore 2\s+re-insert 0/);
		expect(shown).toMatch(/public\.users\s+delete 3\s+restore 5\s+re-insert 1/);
		expect(shown).toContain('total: delete 3 · restore 7 · re-insert 1');
		expect(calls.previews).toEqual([
			{target: expect.objectContaining({database: 'prod_db'}), id: '20261130-161502-3f9a'},
		]);
		expect(calls.undos).toEqual([]);
		await press(app, 'y');
		const done = await waitFor(app, 'undone:');
		expect(done).toContain(
			'✓ Run 20261130-161502-3f9a undone: 3 rows deleted, 7 restored, 1 re-inserted, in one transaction.',
		);
		expect(done).toContain('This undo is journaled as 20261130-161540-77aa');
		expect(calls.undos).toHaveLength(1);
		expect(calls.undos[0]!.id).toBe('20261130-161502-3f9a');
		// No way back to undo it twice: esc stays, q quits with the sync's code.
		await press(app, keys.escape);
		expect(frameText(app)).toContain('undone:');
		await press(app, 'q');
		expect(app.exits).toEqual([0]);
		app.unmount();
	});

	test('n (or enter) on the undo preview goes back to the summary without undoing', async () => {
		const {services, calls} = undoServices(undoPreview(), async () => {
			throw new Error('must not undo');
		});
		const app = await renderApp({services, initial: stateAt(summaryOf(journaled))}, {columns: 100, rows: 30});
		await waitFor(app, 'Committed');
		await press(app, 'u');
		await waitFor(app, 'Undo this sync now?');
		await press(app, 'n');
		await waitFor(app, '✓ Committed');
		await press(app, 'u');
		await waitFor(app, 'Undo this sync now?');
		await press(app, keys.enter);
		await waitFor(app, '✓ Committed');
		expect(calls.undos).toEqual([]);
		expect(calls.previews).toHaveLength(2);
		app.unmount();
	});

	test('a production target needs its database name typed, as the sync did', async () => {
		const preview = undoPreview();
		const {services, calls} = undoServices(preview, async () => ({...preview, committed: true, ms: 40}));
		const prod = {endpoint: endpoint('prod_db', {production: true}), summary: summary('prod_db')};
		const app = await renderApp(
			{services, initial: stateAt(summaryOf(journaled), {target: prod})},
			{columns: 100, rows: 30},
		);
		await waitFor(app, 'Committed');
		await press(app, 'u');
		expect(await waitFor(app, 'Type its database name')).toContain(
			'The target is tagged production. Type its database name (prod_db) to undo:',
		);
		// y and q are letters of a name here, not keys.
		await type(app, 'yq');
		await press(app, keys.enter);
		await waitFor(app, 'That is not prod_db; nothing was written.');
		expect(calls.undos).toEqual([]);
		expect(app.exits).toEqual([]);
		await press(app, keys.backspace, keys.backspace);
		await type(app, 'prod_db');
		await press(app, keys.enter);
		await waitFor(app, 'undone:');
		expect(calls.undos).toHaveLength(1);
		app.unmount();
	});

	test('rows changed since the sync are listed by key and block the undo', async () => {
		const preview = undoPreview({
			tables: [{table: 'public.users', delete: 3, restore: 5, reinsert: 0, conflicts: 2}],
			conflicts: [
				{table: 'public.users', key: '(42)', reason: 'updated-changed'},
				{table: 'public.users', key: '(7)', reason: 'inserted-missing'},
			],
		});
		const {services, calls} = undoServices(preview, async () => {
			throw new Error('must not undo');
		});
		const app = await renderApp({services, initial: stateAt(summaryOf(journaled))}, {columns: 100, rows: 30});
		await waitFor(app, 'Committed');
		await press(app, 'u');
		const blocked = await waitFor(app, 'blocked');
		expect(blocked).toContain('2 rows changed on the target since this sync, so the undo is blocked');
		expect(blocked).toContain('public.users (42): updated by the run, changed since');
		expect(blocked).toContain('public.users (7): inserted by the run, deleted since');
		expect(blocked).toContain('--force');
		expect(blocked).not.toContain('Undo this sync now?');
		await press(app, 'y');
		expect(calls.undos).toEqual([]);
		await press(app, keys.escape);
		await waitFor(app, '✓ Committed');
		app.unmount();
	});

	test('a failed undo shows the error with its hint (not the flag hint); esc goes back to the summary', async () => {
		const {services} = undoServices(undoPreview(), async () => {
			throw new UserError(
				'blocked',
				'Deleting the rows the run inserted would reach rows added since.',
				'Remove or re-point those rows first, then undo.',
				{flagHint: 'add --force'},
			);
		});
		const app = await renderApp({services, initial: stateAt(summaryOf(journaled))}, {columns: 100, rows: 30});
		await waitFor(app, 'Committed');
		await press(app, 'u');
		await waitFor(app, 'Undo this sync now?');
		await press(app, 'y');
		const failed = await waitFor(app, 'would reach rows added since');
		expect(failed).toContain('→ Remove or re-point those rows first, then undo.');
		expect(allFrames(app)).not.toContain('add --force');
		await press(app, keys.escape);
		await waitFor(app, '✓ Committed');
		app.unmount();
	});

	test('no journal (or a rehearsal): u is not offered and does nothing', async () => {
		const {services, calls} = undoServices(undoPreview(), async () => {
			throw new Error('must not undo');
		});
		const {journal: _none, ...unjournaled} = journaled;
		for (const result of [unjournaled, {...journaled, committed: false, rehearsed: true}]) {
			const app = await renderApp({services, initial: stateAt(summaryOf(result))}, {columns: 100, rows: 30});
			const frame = await waitFor(app, /Committed|Rehearsed/);
			expect(frame).not.toContain('undo this sync');
			await press(app, 'u');
			expect(frameText(app)).not.toContain('Undo run');
			app.unmount();
		}
		expect(calls.previews).toEqual([]);
	});
});

describe('history of the chosen target', () => {
	const entry = (run: JournalRun, state: JournalEntry['state'] = 'committed'): JournalEntry => ({
		run,
		state,
		file: `/j/${run.id}`,
		bytes: 100,
	});
	const table = {
		relation: 'public.users',
		partitioned: false,
		cascaded: false,
		columns: [],
		key: ['id'],
		keyEquality: ['='],
		identityAlways: [],
	};

	test('h on the connected target lists its runs newest first, with what each can still do; h hides them', async () => {
		const newest = entry(
			journalRun('20261130-170000-bbbb', {
				kind: 'undo',
				mode: 'undo',
				undoes: '20261130-160000-aaaa',
				startedAt: '2026-11-30T17:00:00.000Z',
				tables: [{...table, id: 'public.users', inserted: 0, updated: 4, deleted: 0}],
			}),
		);
		const older = entry(
			journalRun('20261130-160000-aaaa', {
				startedAt: '2026-11-30T16:00:00.000Z',
				tables: [{...table, id: 'public.users', inserted: 12, updated: 4, deleted: 1}],
			}),
		);
		const asked: Endpoint[] = [];
		const services = fakeServices({
			history: async (target) => {
				asked.push(target);
				return {
					entries: [newest, older],
					undone: new Map([['20261130-160000-aaaa', '20261130-170000-bbbb']]),
					settled: {committed: ['20261130-150000-cccc'], discarded: [], pending: []},
				};
			},
		});
		const connected = {endpoint: endpoint('prod_db'), summary: summary('prod_db')};
		const app = await renderApp(
			{services, initial: stateAt({name: 'target', phase: {kind: 'connected', connected}})},
			{columns: 120, rows: 30},
		);
		expect(await waitFor(app, 'Connected to the target')).toContain('h history of past syncs');
		await press(app, 'h');
		const shown = await waitFor(app, '20261130-160000-aaaa  ');
		expect(asked.map((target) => target.database)).toEqual(['prod_db']);
		expect(shown).toMatch(/run\s+when \(UTC\)\s+what\s+undo\s+\+ins ~upd -del/);
		expect(shown.indexOf('20261130-170000-bbbb')).toBeLessThan(shown.indexOf('20261130-160000-aaaa  '));
		expect(shown).toMatch(
			/20261130-170000-bbbb\s+2026-11-30 17:00:00\s+undo of 20261130-160000-aaaa\s+not undone\s+\+0 ~4 -0/,
		);
		expect(shown).toMatch(
			/20261130-160000-aaaa\s+2026-11-30 16:00:00\s+upsert\s+undone by 20261130-170000-bbbb\s+\+12/,
		);
		expect(shown).toContain(
			'Run 20261130-150000-cccc was left pending; the target says it committed: it can be undone.',
		);
		await press(app, 'h');
		await waitFor(app, (frame) => !frame.includes('20261130-160000-aaaa'));
		// Esc first hides the history, then chooses another target.
		await press(app, 'h');
		await waitFor(app, '20261130-160000-aaaa  ');
		await press(app, keys.escape);
		const hidden = await waitFor(app, (frame) => !frame.includes('20261130-160000-aaaa'));
		expect(hidden).toContain('Connected to the target');
		app.unmount();
	});

	test('a target without journals says so; a history that cannot be read shows why', async () => {
		const connected = {endpoint: endpoint('prod_db'), summary: summary('prod_db')};
		const empty = await renderApp(
			{services: fakeServices(), initial: stateAt({name: 'target', phase: {kind: 'connected', connected}})},
			{columns: 100, rows: 30},
		);
		await waitFor(empty, 'Connected to the target');
		await press(empty, 'h');
		await waitFor(empty, 'No journaled syncs of this target on this machine yet');
		empty.unmount();
		const services = fakeServices({
			history: async () => {
				throw new UserError('connection', 'Could not connect to prod_db.example.com:5432.', 'Check the host and port.');
			},
		});
		const failing = await renderApp(
			{services, initial: stateAt({name: 'target', phase: {kind: 'connected', connected}})},
			{columns: 100, rows: 30},
		);
		await waitFor(failing, 'Connected to the target');
		await press(failing, 'h');
		expect(await waitFor(failing, 'Could not connect')).toContain('→ Check the host and port.');
		failing.unmount();
	});

	test('the source step has no history key', async () => {
		const connected = {endpoint: endpoint('local_db'), summary: summary('local_db')};
		const app = await renderApp(
			{services: fakeServices(), initial: stateAt({name: 'source', phase: {kind: 'connected', connected}})},
			{columns: 100, rows: 30},
		);
		expect(await waitFor(app, 'Connected to the source')).not.toContain('history');
		app.unmount();
	});
});
