import {Text} from 'ink';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import type {Finding} from '../../source/core/plan/types.js';
import type {PreviewResult, SyncResult} from '../../source/core/events.js';
import {
	allFrames,
	counts,
	endpoint,
	fakeServices,
	fakeSession,
	frameText,
	keys,
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

const tables = ['public.customers', 'public.orders'];
const choices = tables.map((id) => ({id, estimatedRows: 100, parents: []}));
const previewResult: PreviewResult = {
	mode: 'mirror',
	tables: [
		counts('public.customers', {insert: 3, delete: 5, skip: 90}),
		counts('public.orders', {update: 7, skip: 40}),
	],
	findings: [],
};
const rehearsed: SyncResult = {
	mode: 'mirror',
	committed: false,
	rehearsed: true,
	tables: [
		tableResult('public.customers', {inserted: 3, deleted: 5, skipped: 90}),
		tableResult('public.orders', {updated: 7, skipped: 40}),
	],
	cascaded: [
		{
			from: 'public.customers',
			table: 'public.notes',
			constraint: 'notes_customer_id_fkey',
			action: 'cascade',
			rows: 10,
		},
	],
	ms: 80,
};
const cascadeFinding = (severity: Finding['severity']): Finding => ({
	table: 'public.customers',
	severity,
	code: 'mirror-cascade',
	message:
		'5 deletes in public.customers → 10 in public.notes, 5 in audit.customer_log: rows of tables that are not selected, changed by ON DELETE actions.',
	hint:
		severity === 'blocking'
			? 'Check those rows; confirm the cascade to go ahead, or add those tables to the selection.'
			: 'They are written in the same transaction and reported with the result.',
	flagHint: 'Check those rows; rerun with --allow-cascade to go ahead, or add those tables to the selection.',
});

const one = (text: string) => text.replace(/\s+/g, ' ');

/** The preview step of a mirror over customers and orders, its first count answered with `result`. */
async function previewWith(result = previewResult) {
	const session = fakeSession(choices);
	const app = await renderApp({
		services: fakeServices(),
		initial: stateAt({name: 'preview', run: 0}, {session, tables: choices, selected: tables, mode: 'mirror'}),
	});
	const run = await session.nextPreview();
	run.resolve(result);
	return {session, app};
}

describe('rehearsal from the preview', () => {
	test('r runs the real apply with rehearse, shows its progress, then the confirm step shows the rehearsed counts; the apply uses the same plan and preview', async () => {
		const {session, app} = await previewWith();
		expect(await waitFor(app, 'Counted 2 tables')).toContain('r rehearse');
		await press(app, 'r');
		const rehearsal = await session.nextApply();
		expect(rehearsal.listeners.rehearse).toBe(true);
		expect(rehearsal.listeners.expected).toEqual(previewResult);
		expect(await waitFor(app, 'Rehearsing')).toContain('Opening the transaction and locking the target tables…');
		rehearsal.emit({type: 'apply-started', tables});
		rehearsal.emit({type: 'apply-table-started', table: 'public.customers', rowsToWrite: 3});
		rehearsal.emit({type: 'apply-table-activity', table: 'public.customers', phase: 'copying', done: 2, total: 3});
		expect(await waitFor(app, 'copying 2 / 3 rows')).toContain('public.customers');
		rehearsal.emit({type: 'apply-table-finished', result: rehearsed.tables[0]!});
		rehearsal.emit({type: 'apply-phase', phase: 'deleting'});
		expect(await waitFor(app, 'Deleting the rows the source does not have…')).toContain('1 of 2 tables done');
		rehearsal.resolve(rehearsed);
		const confirm = await waitFor(app, 'Step 6/8 · Confirm');
		expect(one(confirm)).toContain(
			'Rehearsed: inserted 3, updated 7, deleted 5 rows in 2 tables of prod_db on prod_db.example.com, then rolled back.',
		);
		expect(confirm).toMatch(/public\.customers\s+3\s+0\s+90\s+5/);
		expect(confirm).toMatch(/public\.orders\s+0\s+7\s+40\s+0/);
		expect(confirm).toMatch(/total \(2 tables\)\s+3\s+7\s+130\s+5/);
		expect(one(confirm)).toContain(
			'also deleted: 10 rows of public.notes (notes_customer_id_fkey, from deletes in public.customers)',
		);
		expect(one(confirm)).toContain('Write the rehearsed changes now? (y/N)');
		// Not a commit: nothing says it was.
		expect(allFrames(app)).not.toContain('Committed');
		await press(app, 'y');
		const apply = await session.nextApply();
		expect(apply.listeners.rehearse).toBeFalsy();
		expect(apply.listeners.expected).toEqual(previewResult);
		expect(session.applies).toHaveLength(2);
		apply.resolve({...rehearsed, committed: true, rehearsed: undefined, ms: 90});
		expect(await waitFor(app, 'Step 8/8 · Summary')).toContain('✓ Committed in 90 ms');
		app.unmount();
	});

	test('a failed rehearsal shows the cause and its hint; esc goes back to the counts, and it can be rehearsed again', async () => {
		const {session, app} = await previewWith();
		await waitFor(app, 'Counted 2 tables');
		await press(app, 'r');
		const rehearsal = await session.nextApply();
		rehearsal.reject(
			new UserError(
				'apply-failed',
				'public.orders: the trigger function audit.refuse_orders() raised: orders are frozen.',
				'Fix or disable the trigger on the target, then rehearse again.',
			),
		);
		const failed = await waitFor(app, 'The rehearsal failed');
		expect(one(failed)).toContain('It was rolled back: nothing was written.');
		expect(one(failed)).toContain(
			'✗ public.orders: the trigger function audit.refuse_orders() raised: orders are frozen.',
		);
		expect(one(failed)).toContain('→ Fix or disable the trigger on the target, then rehearse again.');
		expect(one(failed)).toContain('esc back to the preview');
		// Neither enter nor y writes anything from here.
		await press(app, keys.enter, 'y');
		expect(frameText(app)).toContain('The rehearsal failed');
		expect(session.applies).toHaveLength(1);
		await press(app, keys.escape);
		const back = await waitFor(app, 'Counted 2 tables');
		expect(back).toContain('Step 5/8 · Preview');
		await press(app, 'r');
		expect((await session.nextApply()).listeners.rehearse).toBe(true);
		app.unmount();
	});

	test('esc while rehearsing aborts it and stays on the counts; a drift during the rehearsal counts again', async () => {
		const {session, app} = await previewWith();
		await waitFor(app, 'Counted 2 tables');
		await press(app, 'r');
		const first = await session.nextApply();
		await waitFor(app, 'Rehearsing');
		expect(first.signal?.aborted).toBe(false);
		await press(app, keys.escape);
		expect(await waitFor(app, 'Counted 2 tables')).toContain('Step 5/8 · Preview');
		expect(first.signal?.aborted).toBe(true);
		await press(app, 'r');
		const second = await session.nextApply();
		second.reject(new UserError('drift', 'The data changed since the preview.'));
		expect(one(await waitFor(app, (frame) => one(frame).includes('so the rehearsal stopped')))).toContain(
			'These are fresh counts',
		);
		await session.nextPreview();
		app.unmount();
	});

	test('no rehearsal while the preview is blocked or has nothing to write', async () => {
		const blocked = await previewWith({
			...previewResult,
			findings: [
				{
					table: 'public.orders',
					severity: 'blocking',
					code: 'unique-conflict',
					message: 'orders_ref_key: 2 rows conflict.',
					hint: 'Fix the rows.',
				},
			],
		});
		await waitFor(blocked.app, 'Blocked');
		await press(blocked.app, 'r');
		expect(blocked.session.applies).toHaveLength(0);
		expect(frameText(blocked.app)).not.toContain('rehearse');
		blocked.app.unmount();
		const nothing = await previewWith({
			...previewResult,
			tables: [counts('public.customers', {skip: 90}), counts('public.orders', {skip: 40})],
		});
		await waitFor(nothing.app, 'Nothing to change');
		await press(nothing.app, 'r');
		expect(nothing.session.applies).toHaveLength(0);
		nothing.app.unmount();
	});
});

describe('cascaded changes of mirror deletes', () => {
	test('a preview blocked only by a cascade asks; yes plans and counts again with allowCascade, and the finding becomes a warning', async () => {
		const {session, app} = await previewWith({...previewResult, findings: [cascadeFinding('blocking')]});
		const asking = await waitFor(app, 'Allow these cascaded changes? (y/N)');
		expect(one(asking)).toContain('5 deletes in public.customers → 10 in public.notes, 5 in audit.customer_log');
		expect(one(asking)).toContain('confirm the cascade to go ahead');
		expect(asking).not.toContain('Blocked');
		expect(session.planned.at(-1)?.allowCascade).toBe(false);
		await press(app, 'y');
		const again = await session.nextPreview();
		expect(session.planned.at(-1)?.allowCascade).toBe(true);
		again.resolve({...previewResult, findings: [cascadeFinding('warning')]});
		const counted = await waitFor(app, 'Counted 2 tables');
		expect(one(counted)).toContain('Cascaded changes allowed for these tables; counting again.');
		expect(one(counted)).toContain('enter confirm');
		await press(app, keys.enter);
		expect(await waitFor(app, 'Step 6/8 · Confirm')).toContain('1 warning in the preview');
		// The wizard never tells the user to type a flag.
		expect(allFrames(app)).not.toContain('--allow-cascade');
		app.unmount();
	});

	test('no keeps it blocked (y still allows it); a changed selection asks again', async () => {
		const {session, app} = await previewWith({...previewResult, findings: [cascadeFinding('blocking')]});
		await waitFor(app, 'Allow these cascaded changes?');
		await press(app, 'n');
		const declined = await waitFor(app, 'Blocked');
		expect(declined).not.toContain('Allow these cascaded changes?');
		expect(declined).toContain('y allow the cascaded changes');
		await press(app, keys.enter);
		expect(frameText(app)).toContain('Step 5/8');
		await press(app, 'y');
		(await session.nextPreview()).resolve(previewResult);
		await waitFor(app, 'Counted 2 tables');
		// Back to the tables and a different selection: the permission was for the old one.
		await press(app, keys.escape, keys.escape, keys.space, keys.enter, keys.enter);
		await session.nextPreview();
		expect(session.planned.at(-1)?.allowCascade).toBe(false);
		app.unmount();
	});

	test('a delete the FK refuses stays blocking, with no question, even beside a cascade', async () => {
		const restricted: Finding = {
			table: 'public.customers',
			severity: 'blocking',
			code: 'mirror-delete-restricted',
			message:
				'Deleting 5 rows of public.customers would fail: 2 rows of public.invoices, which is not selected, still reference them (invoices_customer_id_fkey).',
			hint: 'Add public.invoices to the tables.',
		};
		const {session, app} = await previewWith({...previewResult, findings: [cascadeFinding('blocking'), restricted]});
		const blocked = await waitFor(app, 'Blocked');
		expect(blocked).not.toContain('Allow these cascaded changes?');
		expect(blocked).not.toContain('allow the cascaded changes');
		await press(app, 'y');
		expect(session.previews).toHaveLength(1);
		app.unmount();
	});
});

describe('apply and summary', () => {
	test('ctrl-c while COMMIT is on its way says it cannot be cancelled and the outcome is being checked, never "rolled back"', async () => {
		const session = fakeSession(choices);
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt(
				{name: 'apply', abort: 'no'},
				{
					session,
					tables: choices,
					selected: tables,
					mode: 'mirror',
					preview: {plan: plan(tables, 'mirror'), result: previewResult},
				},
			),
		});
		const run = await session.nextApply();
		run.emit({type: 'apply-phase', phase: 'committing'});
		const committing = await waitFor(app, 'Committing…');
		expect(committing).not.toContain('abort (rolls back)');
		const before = app.frames.length;
		await press(app, keys.ctrlC);
		const told = await waitFor(app, (frame) => one(frame).includes('COMMIT was already sent and cannot be cancelled'));
		expect(one(told)).toContain('checking with the target whether it committed');
		// The engine is told at once, so it settles the outcome rather than waiting.
		expect(run.signal?.aborted).toBe(true);
		await press(app, 'y');
		const later = app.frames.slice(before).join('\n');
		expect(later).not.toContain('rolled back');
		expect(later).not.toContain('Abort the sync?');
		run.reject(
			new UserError(
				'outcome-unknown',
				'Interrupted during COMMIT, and the target could not be asked: whether transaction 812 committed is unknown.',
				'Check on the target: SELECT txid_status(812);',
			),
		);
		expect(await waitFor(app, 'Outcome unknown')).toContain('txid_status(812)');
		app.unmount();
	});

	test('the summary lists the rows cascaded outside the selection; a rehearsal result is never shown as committed', async () => {
		const committed = {
			...rehearsed,
			committed: true,
			rehearsed: undefined,
			cascaded: [
				...rehearsed.cascaded!,
				{
					from: 'public.notes',
					table: 'public.note_tags',
					constraint: 'note_tags_note_id_fkey',
					action: 'set null' as const,
					rows: 4,
				},
			],
		};
		const app = await renderApp({
			services: fakeServices(),
			initial: stateAt(
				{name: 'summary', outcome: {kind: 'committed', result: committed}},
				{tables: choices, selected: tables, mode: 'mirror'},
			),
		});
		const frame = await waitFor(app, 'Committed');
		expect(frame).toContain(
			'also deleted: 10 rows of public.notes (notes_customer_id_fkey, from deletes in public.customers)',
		);
		expect(frame).toContain(
			'also set to null: 4 rows of public.note_tags (note_tags_note_id_fkey, from deletes in public.notes)',
		);
		expect(frame.indexOf('total (2 tables)')).toBeLessThan(frame.indexOf('also deleted'));
		app.unmount();
		const rehearsal = await renderApp({
			services: fakeServices(),
			initial: stateAt(
				{name: 'summary', outcome: {kind: 'committed', result: rehearsed}},
				{tables: choices, selected: tables, mode: 'mirror'},
			),
		});
		expect(await waitFor(rehearsal, 'Rehearsed')).toContain('rolled back; nothing was written to prod_db');
		expect(allFrames(rehearsal)).not.toContain('Committed');
		rehearsal.unmount();
	});
});

const sizes = [
	{columns: 60, rows: 20},
	{columns: 80, rows: 24},
] as const;

function expectFits(frame: string, size: {columns: number; rows: number}, label: string): void {
	for (const line of frame.split('\n')) expect(line.length, `${label}: "${line}"`).toBeLessThanOrEqual(size.columns);
	expect(frame.split('\n').length, `${label}:\n${frame}`).toBeLessThanOrEqual(size.rows);
}

describe.each(sizes)('rehearsal, cascade and commit screens fit $columns×$rows', (size) => {
	const many = Array.from({length: 12}, (_, index) => `public.table_with_a_long_name_${index}`);
	const manyChoices = many.map((id) => ({id, estimatedRows: 1000, parents: []}));
	const manyPreview = {
		mode: 'mirror' as const,
		tables: many.map((id) => counts(id, {insert: 1_200_000, update: 37_000, skip: 900_000, delete: 5})),
		findings: [],
	};
	const production = {
		endpoint: endpoint('systeme_intelligent', {host: 'db.prod.example.com', production: true}),
		summary: summary('systeme_intelligent'),
	};
	const base = {tables: manyChoices, selected: many, mode: 'mirror' as const, target: production};

	test('rehearsing, its failure, the cascade question', async () => {
		const session = fakeSession(manyChoices);
		const app = await renderApp(
			{services: fakeServices(), initial: stateAt({name: 'preview', run: 0}, {...base, session})},
			size,
		);
		(await session.nextPreview()).resolve(manyPreview);
		await waitFor(app, 'Counted 12 tables');
		await press(app, 'r');
		const rehearsal = await session.nextApply();
		rehearsal.emit({type: 'apply-started', tables: many});
		rehearsal.emit({type: 'apply-table-started', table: many[3]!, rowsToWrite: 1_237_000});
		rehearsal.emit({type: 'apply-table-activity', table: many[3]!, phase: 'copying', done: 600_000, total: 1_237_000});
		expectFits(await waitFor(app, 'copying 600,000 / 1,237,000 rows'), size, 'rehearsing');
		rehearsal.reject(
			new UserError(
				'apply-failed',
				'public.table_with_a_long_name_3: new row violates check constraint "amount_positive" (SQLSTATE 23514) while writing 1,237,000 rows.',
				'Fix the rows on the source, or the constraint on the target, then rehearse again.',
			),
		);
		expectFits(await waitFor(app, 'The rehearsal failed'), size, 'rehearsal failed');
		app.unmount();
		const cascade = fakeSession(manyChoices);
		const asking = await renderApp(
			{services: fakeServices(), initial: stateAt({name: 'preview', run: 0}, {...base, session: cascade})},
			size,
		);
		(await cascade.nextPreview()).resolve({
			...manyPreview,
			findings: [cascadeFinding('blocking'), cascadeFinding('blocking')],
		});
		expectFits(await waitFor(asking, 'Allow these cascaded changes?'), size, 'cascade question');
		asking.unmount();
	});

	test('confirm on rehearsed counts (production), committing ctrl-c, summary with cascades', async () => {
		const result: SyncResult = {
			mode: 'mirror',
			committed: false,
			rehearsed: true,
			tables: many.map((id) => tableResult(id, {inserted: 1_200_000, updated: 37_000, skipped: 900_000, deleted: 5})),
			cascaded: many.slice(0, 5).map((id, index) => ({
				from: id,
				table: `audit.log_${index}`,
				constraint: `log_${index}_ref_fkey`,
				action: 'cascade' as const,
				rows: 10_000,
			})),
			ms: 800,
		};
		const confirm = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt(
					{name: 'confirm', typed: '', mismatch: false},
					{...base, preview: {plan: plan(many, 'mirror'), result: manyPreview, rehearsed: result}},
				),
			},
			size,
		);
		const asking = await waitFor(confirm, (frame) => frame.replace(/\s+/g, ' ').includes('Type its database name'));
		expectFits(asking, size, 'confirm rehearsed');
		expect(one(asking)).toContain('total (12 tables)');
		expect(one(asking)).toMatch(/also deleted|5 cascades into tables not selected/);
		confirm.unmount();

		const session = fakeSession(manyChoices);
		const apply = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt(
					{name: 'apply', abort: 'no'},
					{...base, session, preview: {plan: plan(many, 'mirror'), result: manyPreview}},
				),
			},
			size,
		);
		const run = await session.nextApply();
		run.emit({type: 'apply-phase', phase: 'committing'});
		await waitFor(apply, 'Committing…');
		await press(apply, keys.ctrlC);
		const frame = await waitFor(apply, (text) => text.replace(/\s+/g, ' ').includes('cannot be cancelled'));
		expectFits(frame.slice(frame.indexOf('pgconvoy')), size, 'committing ctrl-c');
		run.reject(new UserError('interrupted', 'stop'));
		apply.unmount();

		const committed = {...result, committed: true, rehearsed: undefined};
		const done = await renderApp(
			{
				services: fakeServices(),
				initial: stateAt({name: 'summary', outcome: {kind: 'committed', result: committed}}, base),
			},
			size,
		);
		const top = await waitFor(done, 'Committed');
		expectFits(top, size, 'summary cascades');
		expect(one(top)).toMatch(
			/also deleted: 10,000 rows of audit\.log_0|… 5 cascades \(s saves them in the JSON report\)/,
		);
		done.unmount();
	});
});
