import {describe, expect, test} from 'vitest';
import {UserError} from '../../source/core/errors.js';
import {DriftError} from '../../source/core/apply/apply-sync.js';
import {
	acceptsText,
	initialState,
	missingParents,
	resolveTableReferences,
	wizardReducer,
	type Action,
	type WizardState,
} from '../../source/ui/state.js';
import {counts, endpoint, fakeSession, options, plan, schoolTables, stateAt, summary, tableResult} from './helpers.js';

const run = (state: WizardState, ...actions: Action[]) => actions.reduce(wizardReducer, state);
const local = endpoint('local_db', {host: 'localhost'});
const prod = endpoint('prod_db');
const connected = (value = local) => ({endpoint: value, summary: summary(value.database)});

describe('endpoint steps', () => {
	test('choose → connecting → connected → next moves to the target, then the tables', () => {
		let state = initialState({options});
		expect(state.step).toEqual({name: 'source', phase: {kind: 'choose'}});
		state = run(state, {type: 'endpoint-chosen', endpoint: local});
		expect(state.step).toEqual({name: 'source', phase: {kind: 'connecting', endpoint: local, advance: false}});
		state = run(state, {type: 'connected', connected: connected()}, {type: 'next'});
		expect(state.step).toEqual({name: 'target', phase: {kind: 'choose'}});
		expect(state.context.source?.endpoint).toBe(local);
		state = run(
			state,
			{type: 'endpoint-chosen', endpoint: prod},
			{type: 'connected', connected: connected(prod)},
			{type: 'next'},
		);
		expect(state.step).toMatchObject({name: 'tables', status: {kind: 'opening'}});
		expect(state.context.target?.endpoint).toBe(prod);
	});

	test('an endpoint whose password is prompted asks for it, and asks again after a failure', () => {
		const prompted = endpoint('prod_db', {passwordSource: {kind: 'prompt'}, password: undefined});
		let state = run(initialState({options}), {type: 'endpoint-chosen', endpoint: prompted});
		expect(state.step).toEqual({name: 'source', phase: {kind: 'password', endpoint: prompted}});
		state = run(state, {type: 'password-entered', password: ''});
		expect(state.step).toMatchObject({phase: {kind: 'password'}});
		state = run(state, {type: 'password-entered', password: 'typed'});
		expect(state.step).toMatchObject({phase: {kind: 'connecting', endpoint: {password: 'typed'}}});
		state = run(
			state,
			{type: 'connect-failed', error: new UserError('auth', 'rejected the password')},
			{type: 'retry'},
		);
		expect(state.step).toEqual({name: 'source', phase: {kind: 'password', endpoint: prompted}});
	});

	test('a failed connection retries the same endpoint; esc goes back to the list', () => {
		const failed = run(
			initialState({options}),
			{type: 'endpoint-chosen', endpoint: local},
			{type: 'connect-failed', error: new UserError('connection', 'refused')},
		);
		expect(failed.step).toMatchObject({phase: {kind: 'failed', endpoint: local}});
		expect(run(failed, {type: 'retry'}).step).toMatchObject({phase: {kind: 'connecting', endpoint: local}});
		expect(run(failed, {type: 'back'}).step).toEqual({name: 'source', phase: {kind: 'choose'}});
	});

	test('the target may not be the source', () => {
		const state = run(
			initialState({options}),
			{type: 'endpoint-chosen', endpoint: local},
			{type: 'connected', connected: connected()},
			{type: 'next'},
			{type: 'endpoint-chosen', endpoint: {...local, host: '127.0.0.1'}},
		);
		expect(state.step).toMatchObject({name: 'target', phase: {kind: 'failed'}});
		if (state.step.name === 'target' && state.step.phase.kind === 'failed')
			expect(state.step.phase.error.message).toMatch(/target is the source database/);
	});

	test('a stale connection result for a step already left is ignored', () => {
		const state = run(initialState({options}), {type: 'endpoint-chosen', endpoint: local}, {type: 'back'});
		expect(run(state, {type: 'connected', connected: connected()})).toBe(state);
	});

	test('back from the target list returns to the connected source; esc on the source list stays', () => {
		const atTarget = run(
			initialState({options}),
			{type: 'endpoint-chosen', endpoint: local},
			{type: 'connected', connected: connected()},
			{type: 'next'},
		);
		expect(run(atTarget, {type: 'back'}).step).toEqual({
			name: 'source',
			phase: {kind: 'connected', connected: connected()},
		});
		const start = initialState({options});
		expect(run(start, {type: 'back'})).toBe(start);
	});
});

describe('flags prefill and skip steps', () => {
	test('--from and --to connect and move on by themselves; --tables and --mode skip to the preview', () => {
		let state = initialState({
			source: local,
			target: prod,
			tables: ['users', 'public.niveaux'],
			mode: 'upsert',
			options,
		});
		expect(state.step).toEqual({name: 'source', phase: {kind: 'connecting', endpoint: local, advance: true}});
		state = run(state, {type: 'connected', connected: connected()});
		expect(state.step).toEqual({name: 'target', phase: {kind: 'connecting', endpoint: prod, advance: true}});
		state = run(state, {type: 'connected', connected: connected(prod)});
		expect(state.step.name).toBe('tables');
		state = run(state, {type: 'session-opened', session: fakeSession(), tables: schoolTables});
		expect(state.step).toEqual({name: 'preview', run: 0});
		expect(state.context.selected).toEqual(['public.niveaux', 'public.users']);
		expect(state.context.mode).toBe('upsert');
		// Each flag is used once: going back shows the steps with their values.
		state = run(state, {type: 'back'});
		expect(state.step).toEqual({name: 'mode'});
		state = run(state, {type: 'back'});
		expect(state.step).toMatchObject({name: 'tables', status: {kind: 'ready'}});
		state = run(state, {type: 'next'});
		expect(state.step).toEqual({name: 'mode'});
	});

	test('an unknown table in --tables stops at the tables step and says which', () => {
		let state = initialState({source: local, target: prod, tables: ['users', 'nope'], options});
		state = run(
			state,
			{type: 'connected', connected: connected()},
			{type: 'connected', connected: connected(prod)},
			{type: 'session-opened', session: fakeSession(), tables: schoolTables},
		);
		expect(state.step).toMatchObject({name: 'tables', notice: '--tables: not in the source: nope.'});
		expect(state.context.selected).toEqual(['public.users']);
	});

	test('a --from that cannot be parsed opens on its error; --exclude leaves tables out of the default selection', () => {
		const error = new UserError('config', '--from: not a PostgreSQL URL.');
		expect(initialState({source: error, options}).step).toEqual({name: 'source', phase: {kind: 'failed', error}});
		const state = run(
			initialState({source: local, target: prod, exclude: ['qcms'], options}),
			{type: 'connected', connected: connected()},
			{type: 'connected', connected: connected(prod)},
			{type: 'session-opened', session: fakeSession(), tables: schoolTables},
		);
		expect(state.step).toMatchObject({name: 'tables', status: {kind: 'ready'}});
		expect(state.context.selected).toEqual(['public.niveaux', 'public.users', 'public.classes']);
	});

	test('a prefilled target equal to the source is refused', () => {
		const state = run(initialState({source: local, target: {...local}, options}), {
			type: 'connected',
			connected: connected(),
		});
		expect(state.step).toMatchObject({name: 'target', phase: {kind: 'failed'}});
	});
});

describe('tables', () => {
	const ready = () => stateAt({name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false}, {selected: []});

	test('space toggles; unavailable tables cannot be chosen', () => {
		let state = run(ready(), {type: 'toggle-table', table: 'public.users'});
		expect(state.context.selected).toEqual(['public.users']);
		state = run(state, {type: 'toggle-table', table: 'public.legacy_notes'});
		expect(state.context.selected).toEqual(['public.users']);
		state = run(state, {type: 'toggle-table', table: 'public.users'});
		expect(state.context.selected).toEqual([]);
	});

	test('choosing a table with unselected parents offers them; yes adds them, no adds only the table, esc cancels', () => {
		const offered = run(ready(), {type: 'toggle-table', table: 'public.classes'});
		expect(offered.step).toMatchObject({offer: {table: 'public.classes', parents: ['public.niveaux', 'public.users']}});
		expect(offered.context.selected).toEqual([]);
		expect(run(offered, {type: 'answer-offer', addParents: true}).context.selected).toEqual([
			'public.niveaux',
			'public.users',
			'public.classes',
		]);
		expect(run(offered, {type: 'answer-offer', addParents: false}).context.selected).toEqual(['public.classes']);
		const cancelled = run(offered, {type: 'back'});
		expect(cancelled.step).toMatchObject({name: 'tables'});
		expect(cancelled.context.selected).toEqual([]);
		// With its parents selected, no question.
		expect(
			run(
				ready(),
				{type: 'toggle-all', tables: ['public.niveaux', 'public.users']},
				{type: 'toggle-table', table: 'public.classes'},
			).context.selected,
		).toEqual(['public.niveaux', 'public.users', 'public.classes']);
	});

	test('a toggles all shown tables, then none', () => {
		const all = schoolTables.map((table) => table.id);
		let state = run(ready(), {type: 'toggle-all', tables: all});
		expect(state.context.selected).toEqual(['public.niveaux', 'public.users', 'public.classes', 'public.qcms']);
		state = run(state, {type: 'toggle-all', tables: all});
		expect(state.context.selected).toEqual([]);
	});

	test('filtering: / starts, esc clears, and esc again goes back to the target', () => {
		let state = run(ready(), {type: 'start-filter'}, {type: 'filter-changed', filter: 'us'});
		expect(state.step).toMatchObject({filtering: true, filter: 'us'});
		expect(acceptsText(state)).toBe(true);
		state = run(state, {type: 'back'});
		expect(state.step).toMatchObject({name: 'tables', filtering: false, filter: ''});
		state = run(state, {type: 'back'});
		expect(state.step).toMatchObject({name: 'target', phase: {kind: 'connected'}});
		expect(state.context.session).toBeUndefined();
	});

	test('enter needs at least one table', () => {
		const state = run(ready(), {type: 'next'});
		expect(state.step).toMatchObject({name: 'tables', notice: expect.stringMatching(/at least one table/)});
		expect(run(ready(), {type: 'toggle-table', table: 'public.users'}, {type: 'next'}).step).toEqual({name: 'mode'});
	});

	test('missingParents follows parents of parents and skips unavailable ones', () => {
		const tables = [
			{id: 'a', estimatedRows: 1, parents: ['b']},
			{id: 'b', estimatedRows: 1, parents: ['c', 'x']},
			{id: 'c', estimatedRows: 1, parents: []},
			{id: 'x', estimatedRows: 1, parents: [], unavailable: 'missing'},
		];
		expect(missingParents(tables, [], 'a')).toEqual(['b', 'c']);
		expect(missingParents(tables, ['c'], 'a')).toEqual(['b']);
	});

	test('resolveTableReferences matches bare and qualified names, and quoted ones', () => {
		const tables = [...schoolTables, {id: 'ventes."Élèves"', estimatedRows: 1, parents: []}];
		expect(resolveTableReferences(tables, ['users', 'public.qcms', 'ventes."Élèves"', 'Élèves', 'nope'])).toEqual({
			ids: ['public.users', 'public.qcms', 'ventes."Élèves"', 'ventes."Élèves"'],
			unknown: ['nope'],
		});
	});
});

describe('mode, preview, confirm', () => {
	test('changing the mode or the selection drops the counted preview; the same mode keeps it', () => {
		const preview = {
			plan: plan(['public.users']),
			result: {mode: 'upsert' as const, tables: [counts('public.users')], findings: []},
		};
		const state = stateAt({name: 'mode'}, {preview});
		expect(run(state, {type: 'mode-chosen', mode: 'upsert'}).context.preview).toBe(preview);
		expect(run(state, {type: 'mode-chosen', mode: 'insert'}).context.preview).toBeUndefined();
		const tables = stateAt({name: 'tables', status: {kind: 'ready'}, filter: '', filtering: false}, {preview});
		expect(run(tables, {type: 'toggle-table', table: 'public.qcms'}).context.preview).toBeUndefined();
	});

	test('enter on a finished preview confirms; on a blocked one it does nothing', () => {
		const result = {mode: 'upsert' as const, tables: [counts('public.users', {insert: 3})], findings: []};
		const atPreview = stateAt({name: 'preview', run: 0}, {preview: {plan: plan(['public.users']), result}});
		expect(run(atPreview, {type: 'next'}).step).toEqual({name: 'confirm', typed: '', mismatch: false});
		const blocked = stateAt(
			{name: 'preview', run: 0},
			{
				preview: {
					plan: plan([]),
					result: {...result, findings: [{severity: 'blocking', code: 'no-key', message: 'no key'}]},
				},
			},
		);
		expect(run(blocked, {type: 'next'})).toBe(blocked);
		const counting = stateAt({name: 'preview', run: 0});
		expect(run(counting, {type: 'next'})).toBe(counting);
	});

	test('p in the preview adds the parents of tables whose rows lack them, and counts again', () => {
		const findings = [
			{
				table: 'public.classes',
				severity: 'blocking' as const,
				code: 'missing-parent',
				message: 'missing parents',
				parent: 'public.niveaux',
			},
		];
		const state = stateAt(
			{name: 'preview', run: 2},
			{
				selected: ['public.users', 'public.classes'],
				preview: {plan: plan(['public.users', 'public.classes']), result: {mode: 'upsert', tables: [], findings}},
			},
		);
		const next = run(state, {type: 'add-parents', parents: ['public.niveaux']});
		expect(next.context.selected).toEqual(['public.niveaux', 'public.users', 'public.classes']);
		expect(next.context.preview).toBeUndefined();
		expect(next.step).toEqual({name: 'preview', run: 3, notice: 'Added public.niveaux to the tables; counting again.'});
		// Nothing left to add: nothing happens.
		expect(run(next, {type: 'add-parents', parents: ['public.niveaux']})).toBe(next);
	});

	test('a failed preview can be retried', () => {
		const failed = run(stateAt({name: 'preview', run: 0}), {
			type: 'preview-failed',
			error: new UserError('connection', 'lost'),
		});
		expect(failed.step).toMatchObject({error: {message: 'lost'}});
		expect(run(failed, {type: 'retry'}).step).toEqual({name: 'preview', run: 1});
	});

	test('a production target needs its database name typed', () => {
		const production = {endpoint: endpoint('prod_db', {production: true}), summary: summary('prod_db')};
		let state = stateAt({name: 'confirm', typed: '', mismatch: false}, {target: production});
		expect(acceptsText(state)).toBe(true);
		state = run(state, {type: 'confirm-typed', typed: 'prod'}, {type: 'confirm'});
		expect(state.step).toEqual({name: 'confirm', typed: 'prod', mismatch: true});
		state = run(state, {type: 'confirm-typed', typed: 'prod_db'}, {type: 'confirm'});
		expect(state.step).toEqual({name: 'apply', abort: 'no'});
		// Not production: y is enough, and q quits.
		const plain = stateAt({name: 'confirm', typed: '', mismatch: false});
		expect(acceptsText(plain)).toBe(false);
		expect(run(plain, {type: 'confirm'}).step).toEqual({name: 'apply', abort: 'no'});
	});

	test('--confirm prefills the typed name', () => {
		const result = {mode: 'upsert' as const, tables: [counts('public.users', {insert: 1})], findings: []};
		const state = stateAt(
			{name: 'preview', run: 0},
			{preview: {plan: plan(['public.users']), result}, prefill: {confirm: 'prod_db'}},
		);
		expect(run(state, {type: 'next'}).step).toEqual({name: 'confirm', typed: 'prod_db', mismatch: false});
	});
});

describe('apply, summary, exit codes', () => {
	const applying = () => stateAt({name: 'apply', abort: 'no'});

	test('Ctrl-C during apply asks; n keeps going, y (or a second Ctrl-C) aborts', () => {
		const asking = run(applying(), {type: 'interrupt'});
		expect(asking.step).toEqual({name: 'apply', abort: 'asking'});
		expect(run(asking, {type: 'answer-abort', abort: false}).step).toEqual({name: 'apply', abort: 'no'});
		expect(run(asking, {type: 'back'}).step).toEqual({name: 'apply', abort: 'no'});
		expect(run(asking, {type: 'answer-abort', abort: true}).step).toEqual({name: 'apply', abort: 'requested'});
		expect(run(asking, {type: 'interrupt'}).step).toEqual({name: 'apply', abort: 'requested'});
		// q and esc cannot leave a running transaction.
		expect(run(applying(), {type: 'quit'}).exit).toBeUndefined();
		expect(run(applying(), {type: 'back'}).step).toEqual({name: 'apply', abort: 'no'});
	});

	test('an interrupted apply ends on the summary and exits 130; a failed one 5; a committed one 0', () => {
		const interrupted = run(
			applying(),
			{
				type: 'apply-failed',
				error: new UserError('interrupted', 'Interrupted'),
				written: [tableResult('public.niveaux')],
			},
			{type: 'quit'},
		);
		expect(interrupted.step).toMatchObject({
			name: 'summary',
			outcome: {kind: 'rolled-back', written: [{table: 'public.niveaux'}]},
		});
		expect(interrupted.exit).toBe(130);
		expect(
			run(
				applying(),
				{type: 'apply-failed', error: new UserError('apply-failed', 'violates'), written: []},
				{type: 'quit'},
			).exit,
		).toBe(5);
		const result = {
			mode: 'upsert' as const,
			committed: true,
			tables: [tableResult('public.users', {inserted: 3})],
			ms: 40,
		};
		expect(run(applying(), {type: 'apply-finished', result}, {type: 'quit'}).exit).toBe(0);
	});

	test('drift returns to a fresh preview with a notice', () => {
		const state = run(applying(), {
			type: 'apply-failed',
			error: new DriftError([counts('public.users', {insert: 9})]),
			written: [],
		});
		expect(state.step).toMatchObject({name: 'preview', notice: expect.stringMatching(/changed since the preview/)});
		expect(state.context.preview).toBeUndefined();
	});

	test('Ctrl-C anywhere else exits 130 at once; q exits 0; nothing happens after the exit', () => {
		expect(run(initialState({options}), {type: 'interrupt'}).exit).toBe(130);
		const quit = run(initialState({options}), {type: 'quit'});
		expect(quit.exit).toBe(0);
		expect(run(quit, {type: 'endpoint-chosen', endpoint: local})).toBe(quit);
	});

	test('the summary records where the report was saved', () => {
		const result = {mode: 'upsert' as const, committed: true, tables: [], ms: 1};
		const state = run(applying(), {type: 'apply-finished', result}, {type: 'report-saved', path: 'report.json'});
		expect(state.step).toMatchObject({name: 'summary', report: {path: 'report.json'}});
	});
});
