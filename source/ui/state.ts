import {parseTableReference} from '../core/catalog/names.js';
import {confirmsTarget} from '../core/connection/production.js';
import type {Endpoint} from '../core/connection/endpoint.js';
import {describeEndpoint, sameDatabase} from '../core/connection/endpoint.js';
import {UserError} from '../core/errors.js';
import type {DatabaseSummary, TableChoice} from '../core/session/sync-session.js';
import type {PreviewResult, SyncResult, TableResult} from '../core/events.js';
import {isBlocked, type Finding, type SyncMode, type SyncOptions, type SyncPlan} from '../core/plan/types.js';
import type {UndoPreview, UndoResult} from '../core/journal/undo-run.js';
import type {TargetHistory, WizardSession} from './services.js';
import {changesNothing} from '../present/totals.js';

export type Role = 'source' | 'target';

export interface Connected {
	endpoint: Endpoint;
	summary: DatabaseSummary;
}

/** Where the source and target steps stand: pick → (type a URL) → (type the password) → connect. */
export type EndpointPhase =
	| {kind: 'choose'}
	| {kind: 'url'}
	| {kind: 'password'; endpoint: Endpoint}
	/** `advance`: prefilled by a flag, so move on by itself once connected. */
	| {kind: 'connecting'; endpoint: Endpoint; advance: boolean}
	/** `history`: the target's journaled runs, shown on request. */
	| {kind: 'connected'; connected: Connected; history?: HistoryView}
	/** `sameAsSource`: the target picked is the source database; retrying cannot help, choosing another can. */
	| {kind: 'failed'; error: UserError; endpoint?: Endpoint; sameAsSource?: true};

export type HistoryView =
	| {kind: 'loading'}
	| {kind: 'ready'; history: TargetHistory}
	| {kind: 'failed'; error: UserError};

/**
 * Taking back the sync just committed, from the summary: its own preview (nothing written), the
 * confirmation (a production target's name typed), the one undo transaction, its outcome.
 * Rows changed on the target since the sync block it: the wizard has no force.
 */
export type UndoPhase =
	| {kind: 'previewing'}
	| {kind: 'previewed'; preview: UndoPreview; typed: string; mismatch: boolean}
	/** `abort`: Ctrl-C asked to cancel; the undo rolls back. */
	| {kind: 'undoing'; abort: boolean}
	| {kind: 'undone'; result: UndoResult}
	| {kind: 'failed'; error: UserError};

export type Outcome =
	| {kind: 'committed'; result: SyncResult}
	/** `written`: tables the transaction got through before it was rolled back. */
	| {kind: 'rolled-back'; error: UserError; written: TableResult[]};

export type Step =
	| {name: 'source'; phase: EndpointPhase}
	| {name: 'target'; phase: EndpointPhase}
	| {
			name: 'tables';
			status: {kind: 'opening'} | {kind: 'ready'} | {kind: 'failed'; error: UserError};
			filter: string;
			filtering: boolean;
			/** Asking whether to add the FK parents of a table being selected. */
			offer?: {table: string; parents: string[]};
			notice?: string;
	  }
	| {name: 'mode'}
	/**
	 * `run` changes to count again (after a drift); `notice` explains why the counts are back.
	 * `rehearsal`: the real apply running in a transaction that is rolled back, or why it failed.
	 * `cascade`: the user said no to the cascaded changes a mirror's deletes would make.
	 */
	| {name: 'preview'; run: number; notice?: string; error?: UserError; rehearsal?: Rehearsal; cascade?: 'declined'}
	| {name: 'confirm'; typed: string; mismatch: boolean}
	| {name: 'apply'; abort: 'no' | 'asking' | 'requested'}
	| {name: 'summary'; outcome: Outcome; report?: {path: string} | {error: UserError}; undo?: UndoPhase};

export type Rehearsal = {kind: 'running'} | {kind: 'failed'; error: UserError};

export type StepName = Step['name'];
export const stepOrder: readonly StepName[] = [
	'source',
	'target',
	'tables',
	'mode',
	'preview',
	'confirm',
	'apply',
	'summary',
];

/** What the steps have gathered so far. */
export interface WizardContext {
	source?: Connected;
	target?: Connected;
	session?: WizardSession;
	tables?: TableChoice[];
	selected: string[];
	mode?: SyncMode;
	/** Everything but the mode, from the flags or the defaults. */
	options: Omit<SyncOptions, 'mode'>;
	/**
	 * The counts the user confirms; dropped whenever the selection, the mode or the session changes.
	 * `rehearsed`: what the real apply did in a rolled-back transaction, for the same plan.
	 */
	preview?: {plan: SyncPlan; result: PreviewResult; rehearsed?: SyncResult};
	/** The user allowed the cascaded changes of this selection's mirror deletes; asked again once the selection or mode changes. */
	cascadeAllowed?: true;
	/** Flag values not used yet: each is consumed the first time its step is reached. */
	prefill: {target?: Endpoint | UserError; tables?: string[]; exclude?: string[]; mode?: SyncMode; confirm?: string};
}

export interface WizardState {
	step: Step;
	context: WizardContext;
	/** Set once the wizard should end, with the process exit code. */
	exit?: number;
}

export type Action =
	| {type: 'endpoint-chosen'; endpoint: Endpoint}
	| {type: 'endpoint-invalid'; error: UserError}
	| {type: 'enter-url'}
	| {type: 'password-entered'; password: string}
	| {type: 'connected'; connected: Connected}
	| {type: 'connect-failed'; error: UserError}
	| {type: 'retry'}
	| {type: 'next'}
	| {type: 'back'}
	| {type: 'session-opened'; session: WizardSession; tables: TableChoice[]}
	| {type: 'session-failed'; error: UserError}
	| {type: 'toggle-table'; table: string}
	| {type: 'answer-offer'; addParents: boolean}
	| {type: 'toggle-all'; tables: string[]}
	| {type: 'start-filter'}
	| {type: 'filter-changed'; filter: string}
	| {type: 'end-filter'}
	| {type: 'mode-chosen'; mode: SyncMode}
	| {type: 'preview-finished'; plan: SyncPlan; result: PreviewResult}
	| {type: 'preview-failed'; error: UserError}
	/** From the preview: select the parents these tables reference and count again. */
	| {type: 'add-parents'; parents: string[]}
	/** From the preview: run the apply for real, then roll it back, and confirm on its counts. */
	| {type: 'rehearse'}
	| {type: 'rehearsal-finished'; result: SyncResult}
	| {type: 'rehearsal-failed'; error: UserError}
	/** The answer to "allow these cascaded changes?" on a preview blocked only by them. */
	| {type: 'answer-cascade'; allow: boolean}
	| {type: 'confirm-typed'; typed: string}
	| {type: 'confirm'}
	| {type: 'interrupt'}
	| {type: 'answer-abort'; abort: boolean}
	| {type: 'apply-finished'; result: SyncResult}
	| {type: 'apply-failed'; error: UserError; written: TableResult[]}
	| {type: 'report-saved'; path: string}
	| {type: 'report-failed'; error: UserError}
	/** On the connected target: show (or hide) its journaled runs. */
	| {type: 'toggle-history'}
	| {type: 'history-loaded'; history: TargetHistory}
	| {type: 'history-failed'; error: UserError}
	/** On the summary of a journaled commit: preview taking it back. */
	| {type: 'undo-start'}
	| {type: 'undo-previewed'; preview: UndoPreview}
	| {type: 'undo-typed'; typed: string}
	| {type: 'undo-confirm'}
	| {type: 'undo-finished'; result: UndoResult}
	| {type: 'undo-failed'; error: UserError}
	| {type: 'quit'};

export interface InitialValues {
	source?: Endpoint | UserError;
	target?: Endpoint | UserError;
	tables?: string[];
	exclude?: string[];
	mode?: SyncMode;
	confirm?: string;
	options: Omit<SyncOptions, 'mode'>;
}

export const exitCodes = {done: 0, interrupted: 130} as const;

export function needsPassword(endpoint: Endpoint): boolean {
	return endpoint.passwordSource.kind === 'prompt' && !endpoint.password;
}

/** The phase an endpoint step starts in for an endpoint picked from a list, typed, or given as a flag. */
function startEndpoint(endpoint: Endpoint, advance: boolean): EndpointPhase {
	return needsPassword(endpoint) ? {kind: 'password', endpoint} : {kind: 'connecting', endpoint, advance};
}

function prefilledPhase(value: Endpoint | UserError | undefined): EndpointPhase {
	if (value === undefined) return {kind: 'choose'};
	if (value instanceof UserError) return {kind: 'failed', error: value};
	return startEndpoint(value, true);
}

export function initialState(values: InitialValues): WizardState {
	return {
		step: {name: 'source', phase: prefilledPhase(values.source)},
		context: {
			selected: [],
			options: values.options,
			prefill: {
				target: values.target,
				tables: values.tables && values.tables.length > 0 ? values.tables : undefined,
				exclude: values.exclude && values.exclude.length > 0 ? values.exclude : undefined,
				mode: values.mode,
				confirm: values.confirm,
			},
		},
	};
}

function sameDatabaseError(target: Endpoint): UserError {
	return new UserError(
		'config',
		`The target is the source database (${describeEndpoint(target)}).`,
		'Pick a different target: the source is where rows come from, the target is where they go.',
	);
}

function endpointStep(role: Role, phase: EndpointPhase): Step {
	return role === 'source' ? {name: 'source', phase} : {name: 'target', phase};
}

function tablesStep(status: Extract<Step, {name: 'tables'}>['status'] = {kind: 'opening'}): Step {
	return {name: 'tables', status, filter: '', filtering: false};
}

/** The target step as it should open: a prefilled target is used once, a known one is shown connected. */
function enterTarget(context: WizardContext): [Step, WizardContext] {
	const prefilled = context.prefill.target;
	if (prefilled !== undefined) {
		const {target: _used, ...prefill} = context.prefill;
		const phase =
			prefilled instanceof UserError
				? prefilledPhase(prefilled)
				: context.source && sameDatabase(context.source.endpoint, prefilled)
					? {
							kind: 'failed' as const,
							error: sameDatabaseError(prefilled),
							endpoint: prefilled,
							sameAsSource: true as const,
						}
					: prefilledPhase(prefilled);
		return [
			{name: 'target', phase},
			{...context, prefill},
		];
	}
	return [
		{name: 'target', phase: context.target ? {kind: 'connected', connected: context.target} : {kind: 'choose'}},
		context,
	];
}

/** After the tables: the mode step, unless `--mode` was given (used once). */
function afterTables(context: WizardContext): [Step, WizardContext] {
	if (context.prefill.mode !== undefined) {
		const {mode, ...prefill} = context.prefill;
		return [previewStep(), withMode({...context, prefill}, mode)];
	}
	return [{name: 'mode'}, context];
}

function previewStep(notice?: string): Step {
	return notice === undefined ? {name: 'preview', run: 0} : {name: 'preview', run: 0, notice};
}

function withMode(context: WizardContext, mode: SyncMode): WizardContext {
	return context.mode === mode ? context : {...context, mode, preview: undefined, cascadeAllowed: undefined};
}

/** Selected ids without duplicates, in the order the tables are listed. */
function inListOrder(tables: TableChoice[], ids: string[]): string[] {
	const order = new Map(tables.map((table, index) => [table.id, index]));
	return [...new Set(ids)].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

function withSelection(context: WizardContext, selected: string[]): WizardContext {
	const sorted = inListOrder(context.tables ?? [], selected);
	const same = sorted.length === context.selected.length && sorted.every((id, index) => id === context.selected[index]);
	return same ? context : {...context, selected: sorted, preview: undefined, cascadeAllowed: undefined};
}

/** Matches typed table references (`users`, `public.users`) to the source's table ids. */
export function resolveTableReferences(
	tables: TableChoice[],
	references: string[],
): {ids: string[]; unknown: string[]} {
	const ids: string[] = [];
	const unknown: string[] = [];
	const parsed = tables.map((table) => ({id: table.id, ...parseTableReference(table.id)}));
	for (const reference of references) {
		const {schema, name} = parseTableReference(reference.trim());
		const matches = parsed.filter((table) => table.name === name && (schema === undefined || table.schema === schema));
		if (matches.length === 1) ids.push(matches[0]!.id);
		else unknown.push(reference);
	}
	return {ids, unknown};
}

/** The parents (transitively) a table needs that are neither selected nor unavailable. */
export function missingParents(tables: TableChoice[], selected: readonly string[], table: string): string[] {
	const byId = new Map(tables.map((choice) => [choice.id, choice]));
	const chosen = new Set(selected);
	const missing: string[] = [];
	const visit = (id: string) => {
		for (const parent of byId.get(id)?.parents ?? []) {
			const choice = byId.get(parent);
			if (!choice || choice.unavailable || chosen.has(parent) || missing.includes(parent) || parent === table) continue;
			missing.push(parent);
			visit(parent);
		}
	};
	visit(table);
	return missing;
}

/** The unselected parents (transitively) of `tables`, in list order: what "add the parent tables" adds. */
/** The named parent tables (and their own missing parents) that can still be added to the selection. */
export function parentsToAdd(context: Pick<WizardContext, 'tables' | 'selected'>, parents: string[]): string[] {
	const choices = context.tables ?? [];
	const addable = new Set(
		choices.filter((choice) => !choice.unavailable && !context.selected.includes(choice.id)).map((choice) => choice.id),
	);
	return inListOrder(
		choices,
		parents
			.flatMap((parent) => [parent, ...missingParents(choices, context.selected, parent)])
			.filter((id) => addable.has(id)),
	);
}

/** The selection a fresh session starts with: the flags', else what was chosen before, else every available table. */
function initialSelection(
	context: WizardContext,
	tables: TableChoice[],
): {selected: string[]; notice?: string; skip: boolean} {
	const available = new Set(tables.filter((table) => !table.unavailable).map((table) => table.id));
	const excluded = new Set(resolveTableReferences(tables, context.prefill.exclude ?? []).ids);
	if (context.prefill.tables) {
		const {ids, unknown} = resolveTableReferences(tables, context.prefill.tables);
		const usable = ids.filter((id) => available.has(id) && !excluded.has(id));
		const refused = ids.filter((id) => !available.has(id));
		const problems = [
			...(unknown.length > 0 ? [`not in the source: ${unknown.join(', ')}`] : []),
			...(refused.length > 0 ? [`not selectable: ${refused.join(', ')}`] : []),
		];
		return {
			selected: usable,
			skip: problems.length === 0 && usable.length > 0,
			...(problems.length > 0 ? {notice: `--tables: ${problems.join('; ')}.`} : {}),
		};
	}
	const kept = context.selected.filter((id) => available.has(id));
	if (kept.length > 0) return {selected: kept, skip: false};
	return {selected: [...available].filter((id) => !excluded.has(id)), skip: false};
}

function back(state: WizardState): WizardState {
	const {step, context} = state;
	switch (step.name) {
		case 'source':
			return step.phase.kind === 'choose' ? state : {...state, step: {name: 'source', phase: {kind: 'choose'}}};
		case 'target':
			if (step.phase.kind === 'connected' && step.phase.history)
				return {...state, step: {name: 'target', phase: {kind: 'connected', connected: step.phase.connected}}};
			if (step.phase.kind !== 'choose') return {...state, step: {name: 'target', phase: {kind: 'choose'}}};
			return {
				...state,
				step: {
					name: 'source',
					phase: context.source ? {kind: 'connected', connected: context.source} : {kind: 'choose'},
				},
			};
		case 'tables':
			if (step.offer) return {...state, step: {...step, offer: undefined}};
			// An active filter is cleared first, whether it is being typed or was kept with Enter.
			if (step.filtering || step.filter !== '') return {...state, step: {...step, filtering: false, filter: ''}};
			// Leaving the tables closes the session: a different source or target needs a new one.
			return {
				...state,
				step: {
					name: 'target',
					phase: context.target ? {kind: 'connected', connected: context.target} : {kind: 'choose'},
				},
				context: {...context, session: undefined, tables: undefined, preview: undefined},
			};
		case 'mode':
			return {...state, step: tablesStep({kind: 'ready'})};
		case 'preview':
			// Esc first stops a rehearsal (its hook aborts it) or closes its failure, staying on the counts.
			if (step.rehearsal) return {...state, step: {...step, rehearsal: undefined}};
			return {...state, step: {name: 'mode'}};
		case 'confirm':
			return {...state, step: previewStep()};
		case 'apply':
			return step.abort === 'asking' ? {...state, step: {...step, abort: 'no'}} : state;
		case 'summary':
			// Esc leaves the undo's preview or its failure (never a running undo) for the sync's summary.
			// After the undo there is no way back to the sync's summary: its changes are gone.
			if (step.undo)
				return step.undo.kind === 'undoing' || step.undo.kind === 'undone'
					? state
					: {...state, step: withoutUndo(step)};
			// After a rollback, back to the preview with fresh counts; after a commit there is no way back.
			return step.outcome.kind === 'rolled-back'
				? {...state, step: previewStep(), context: {...context, preview: undefined}}
				: state;
		default:
			return assertNever(step);
	}
}

function withoutUndo(step: Extract<Step, {name: 'summary'}>): Step {
	const {undo: _left, ...summary} = step;
	return summary;
}

/** The run id of a committed, journaled sync on this summary: what `u` undoes. */
export function undoableRun(step: Step): string | undefined {
	if (step.name !== 'summary' || step.outcome.kind !== 'committed') return undefined;
	const {result} = step.outcome;
	return result.committed && !result.rehearsed ? result.journal?.id : undefined;
}

/** The preview has counts with something to write and nothing blocking: it can be confirmed or rehearsed. */
export function canWrite({step, context}: WizardState): boolean {
	const result = context.preview?.result;
	if (step.name !== 'preview' || step.error || !result || isBlocked(result.findings)) return false;
	// Nothing to write: there is nothing to confirm (the screen offers back and quit).
	return !changesNothing(result.tables);
}

/** Blocked by cascaded changes the user may allow, and nothing else: the preview asks instead of stopping. */
export function cascadeQuestion(findings: readonly Finding[]): Finding[] {
	const blocking = findings.filter((finding) => finding.severity === 'blocking');
	return blocking.length > 0 && blocking.every((finding) => finding.code === 'mirror-cascade') ? blocking : [];
}

function enterConfirm(state: WizardState): WizardState {
	const {confirm, ...prefill} = state.context.prefill;
	return {
		...state,
		step: {name: 'confirm', typed: confirm ?? '', mismatch: false},
		context: {...state.context, prefill},
	};
}

function next(state: WizardState): WizardState {
	const {step, context} = state;
	switch (step.name) {
		case 'source': {
			if (step.phase.kind !== 'connected') return state;
			const [target, nextContext] = enterTarget({...context, source: step.phase.connected});
			return {...state, step: target, context: nextContext};
		}
		case 'target': {
			if (step.phase.kind !== 'connected') return state;
			return {
				...state,
				step: tablesStep(),
				context: {...context, target: step.phase.connected, session: undefined, tables: undefined, preview: undefined},
			};
		}
		case 'tables': {
			if (step.status.kind !== 'ready' || step.filtering || step.offer) return state;
			if (context.selected.length === 0)
				return {...state, step: {...step, notice: 'Select at least one table (space toggles, a toggles all).'}};
			const [nextStep, nextContext] = afterTables(context);
			return {...state, step: nextStep, context: nextContext};
		}
		case 'preview': {
			if (!canWrite(state) || step.rehearsal) return state;
			return enterConfirm(state);
		}
		case 'mode':
		case 'confirm':
		case 'apply':
		case 'summary':
			// These move on through their own actions (mode-chosen, confirm, apply-finished, quit).
			return state;
		default:
			return assertNever(step);
	}
}

function inEndpointStep(
	state: WizardState,
	update: (phase: EndpointPhase, role: Role) => EndpointPhase | undefined,
): WizardState {
	const {step} = state;
	if (step.name !== 'source' && step.name !== 'target') return state;
	const phase = update(step.phase, step.name);
	return phase ? {...state, step: endpointStep(step.name, phase)} : state;
}

export function wizardReducer(state: WizardState, action: Action): WizardState {
	if (state.exit !== undefined) return state;
	const {step, context} = state;
	switch (action.type) {
		case 'endpoint-chosen':
			return inEndpointStep(state, (_phase, role) => {
				if (role === 'target' && context.source && sameDatabase(context.source.endpoint, action.endpoint)) {
					return {
						kind: 'failed',
						error: sameDatabaseError(action.endpoint),
						endpoint: action.endpoint,
						sameAsSource: true,
					};
				}
				return startEndpoint(action.endpoint, false);
			});
		case 'endpoint-invalid':
			return inEndpointStep(state, () => ({kind: 'failed', error: action.error}));
		case 'enter-url':
			return inEndpointStep(state, (phase) => (phase.kind === 'choose' ? {kind: 'url'} : undefined));
		case 'password-entered':
			return inEndpointStep(state, (phase) =>
				phase.kind === 'password' && action.password !== ''
					? {kind: 'connecting', endpoint: {...phase.endpoint, password: action.password}, advance: false}
					: undefined,
			);
		case 'connected': {
			if ((step.name !== 'source' && step.name !== 'target') || step.phase.kind !== 'connecting') return state;
			const connected = {...state, step: endpointStep(step.name, {kind: 'connected', connected: action.connected})};
			return step.phase.advance ? next(connected) : connected;
		}
		case 'connect-failed':
			return inEndpointStep(state, (phase) =>
				phase.kind === 'connecting' ? {kind: 'failed', error: action.error, endpoint: phase.endpoint} : undefined,
			);
		case 'retry':
			if (step.name === 'summary')
				return step.outcome.kind === 'rolled-back' && context.preview
					? {...state, step: {name: 'apply', abort: 'no'}}
					: state;
			if (step.name === 'preview') return step.error ? {...state, step: {name: 'preview', run: step.run + 1}} : state;
			if (step.name === 'tables') return step.status.kind === 'failed' ? {...state, step: tablesStep()} : state;
			return inEndpointStep(state, (phase) => {
				if (phase.kind !== 'failed') return undefined;
				if (!phase.endpoint || phase.sameAsSource) return {kind: 'choose'};
				// A typed password that failed is asked again rather than resent.
				if (phase.endpoint.passwordSource.kind === 'prompt') {
					const {password: _wrong, ...endpoint} = phase.endpoint;
					return {kind: 'password', endpoint};
				}
				return {kind: 'connecting', endpoint: phase.endpoint, advance: false};
			});
		case 'next':
			return next(state);
		case 'back':
			return back(state);
		case 'session-opened': {
			if (step.name !== 'tables' || step.status.kind !== 'opening') return state;
			const base = {...context, session: action.session, tables: action.tables};
			const {selected, notice, skip} = initialSelection(base, action.tables);
			const {tables: _tables, exclude: _exclude, ...prefill} = base.prefill;
			const opened: WizardState = {
				...state,
				step: {...step, status: {kind: 'ready'}, ...(notice ? {notice} : {})},
				context: {
					...base,
					selected: inListOrder(action.tables, selected),
					prefill,
					preview: undefined,
					cascadeAllowed: undefined,
				},
			};
			return skip ? next(opened) : opened;
		}
		case 'session-failed':
			return step.name === 'tables' && step.status.kind === 'opening'
				? {...state, step: {...step, status: {kind: 'failed', error: action.error}}}
				: state;
		case 'toggle-table': {
			if (step.name !== 'tables' || step.status.kind !== 'ready' || !context.tables) return state;
			const choice = context.tables.find((table) => table.id === action.table);
			if (!choice || choice.unavailable) return state;
			const {notice: _notice, ...quiet} = step;
			if (context.selected.includes(action.table)) {
				return {
					...state,
					step: quiet,
					context: withSelection(
						context,
						context.selected.filter((id) => id !== action.table),
					),
				};
			}
			const parents = inListOrder(context.tables, missingParents(context.tables, context.selected, action.table));
			if (parents.length > 0) return {...state, step: {...quiet, offer: {table: action.table, parents}}};
			return {...state, step: quiet, context: withSelection(context, [...context.selected, action.table])};
		}
		case 'answer-offer': {
			if (step.name !== 'tables' || !step.offer) return state;
			const added = action.addParents ? [step.offer.table, ...step.offer.parents] : [step.offer.table];
			return {
				...state,
				step: {...step, offer: undefined},
				context: withSelection(context, [...context.selected, ...added]),
			};
		}
		case 'toggle-all': {
			if (step.name !== 'tables' || step.status.kind !== 'ready' || !context.tables) return state;
			const available = new Set(context.tables.filter((table) => !table.unavailable).map((table) => table.id));
			const targets = action.tables.filter((id) => available.has(id));
			const allSelected = targets.every((id) => context.selected.includes(id));
			const selected = allSelected
				? context.selected.filter((id) => !targets.includes(id))
				: [...context.selected, ...targets];
			const {notice: _notice, ...quiet} = step;
			return {...state, step: quiet, context: withSelection(context, selected)};
		}
		case 'start-filter':
			return step.name === 'tables' && step.status.kind === 'ready' && !step.offer
				? {...state, step: {...step, filtering: true}}
				: state;
		case 'filter-changed':
			return step.name === 'tables' && step.filtering ? {...state, step: {...step, filter: action.filter}} : state;
		case 'end-filter':
			return step.name === 'tables' ? {...state, step: {...step, filtering: false}} : state;
		case 'mode-chosen':
			return step.name === 'mode' ? {...state, step: previewStep(), context: withMode(context, action.mode)} : state;
		case 'preview-finished':
			return step.name === 'preview'
				? {
						...state,
						step: {name: 'preview', run: step.run, ...(step.notice ? {notice: step.notice} : {})},
						context: {...context, preview: {plan: action.plan, result: action.result}},
					}
				: state;
		case 'preview-failed':
			return step.name === 'preview' ? {...state, step: {...step, error: action.error}} : state;
		case 'add-parents': {
			if (step.name !== 'preview' || !context.tables) return state;
			const parents = parentsToAdd(context, action.parents);
			if (parents.length === 0) return state;
			return {
				...state,
				step: {
					name: 'preview',
					run: step.run + 1,
					notice: `Added ${parents.join(', ')} to the tables; counting again.`,
				},
				context: withSelection(context, [...context.selected, ...parents]),
			};
		}
		case 'rehearse':
			return canWrite(state) && step.name === 'preview' && !step.rehearsal
				? {...state, step: {...step, rehearsal: {kind: 'running'}}}
				: state;
		case 'rehearsal-finished': {
			if (step.name !== 'preview' || step.rehearsal?.kind !== 'running' || !context.preview) return state;
			// The confirm step shows these counts; the apply writes the same plan, checked against the same preview.
			const {rehearsal: _done, ...quiet} = step;
			return enterConfirm({
				...state,
				step: quiet,
				context: {...context, preview: {...context.preview, rehearsed: action.result}},
			});
		}
		case 'rehearsal-failed':
			if (step.name !== 'preview' || step.rehearsal?.kind !== 'running') return state;
			if (action.error.code === 'drift') {
				return {
					...state,
					step: previewStep(
						'The data changed since the preview, so the rehearsal stopped (nothing was written). These are fresh counts: check them and rehearse again.',
					),
					context: {...context, preview: undefined},
				};
			}
			return {...state, step: {...step, rehearsal: {kind: 'failed', error: action.error}}};
		case 'answer-cascade': {
			// After a no, `y` still allows them: the finding's hint says the cascade can be confirmed.
			if (step.name !== 'preview' || cascadeQuestion(context.preview?.result.findings ?? []).length === 0) return state;
			if (!action.allow) return {...state, step: {...step, cascade: 'declined'}};
			return {
				...state,
				step: {
					name: 'preview',
					run: step.run + 1,
					notice: 'Cascaded changes allowed for these tables; counting again.',
				},
				context: {...context, preview: undefined, cascadeAllowed: true},
			};
		}
		case 'confirm-typed':
			return step.name === 'confirm' ? {...state, step: {...step, typed: action.typed, mismatch: false}} : state;
		case 'confirm': {
			if (step.name !== 'confirm' || !context.target) return state;
			if (!confirmsTarget(context.target.endpoint, step.typed)) return {...state, step: {...step, mismatch: true}};
			return {...state, step: {name: 'apply', abort: 'no'}};
		}
		case 'interrupt':
			// A running undo is cancelled (it rolls back) before anything exits.
			if (step.name === 'summary' && step.undo?.kind === 'undoing')
				return {...state, step: {...step, undo: {kind: 'undoing', abort: true}}};
			if (step.name !== 'apply') return {...state, exit: exitCodes.interrupted};
			// A second Ctrl-C while asking means yes.
			return {...state, step: {...step, abort: step.abort === 'no' ? 'asking' : 'requested'}};
		case 'answer-abort':
			return step.name === 'apply' && step.abort === 'asking'
				? {...state, step: {...step, abort: action.abort ? 'requested' : 'no'}}
				: state;
		case 'apply-finished':
			return step.name === 'apply'
				? {
						...state,
						step: {name: 'summary', outcome: {kind: 'committed', result: action.result}},
						context: {...context, preview: undefined},
					}
				: state;
		case 'apply-failed': {
			if (step.name !== 'apply') return state;
			if (action.error.code === 'drift') {
				return {
					...state,
					step: previewStep(
						'The data changed since the preview, so nothing was written (rolled back). These are fresh counts: check them and confirm again.',
					),
					context: {...context, preview: undefined},
				};
			}
			// The confirmed preview is kept: `r` writes it again (the engine re-checks it for drift inside the transaction).
			return {
				...state,
				step: {name: 'summary', outcome: {kind: 'rolled-back', error: action.error, written: action.written}},
			};
		}
		case 'report-saved':
			return step.name === 'summary' ? {...state, step: {...step, report: {path: action.path}}} : state;
		case 'report-failed':
			return step.name === 'summary' ? {...state, step: {...step, report: {error: action.error}}} : state;
		case 'toggle-history': {
			if (step.name !== 'target' || step.phase.kind !== 'connected') return state;
			const {connected, history} = step.phase;
			return {
				...state,
				step: {
					name: 'target',
					phase: history ? {kind: 'connected', connected} : {kind: 'connected', connected, history: {kind: 'loading'}},
				},
			};
		}
		case 'history-loaded':
		case 'history-failed': {
			if (step.name !== 'target' || step.phase.kind !== 'connected' || step.phase.history?.kind !== 'loading')
				return state;
			const history: HistoryView =
				action.type === 'history-loaded'
					? {kind: 'ready', history: action.history}
					: {kind: 'failed', error: action.error};
			return {...state, step: {name: 'target', phase: {...step.phase, history}}};
		}
		case 'undo-start':
			return step.name === 'summary' && !step.undo && undoableRun(step)
				? {...state, step: {...step, undo: {kind: 'previewing'}}}
				: state;
		case 'undo-previewed':
			return step.name === 'summary' && step.undo?.kind === 'previewing'
				? {...state, step: {...step, undo: {kind: 'previewed', preview: action.preview, typed: '', mismatch: false}}}
				: state;
		case 'undo-typed':
			return step.name === 'summary' && step.undo?.kind === 'previewed'
				? {...state, step: {...step, undo: {...step.undo, typed: action.typed, mismatch: false}}}
				: state;
		case 'undo-confirm': {
			if (step.name !== 'summary' || step.undo?.kind !== 'previewed' || !context.target) return state;
			// Rows changed since the sync block the undo: nothing to confirm.
			if (step.undo.preview.conflicts.length > 0 || step.undo.preview.tables.some((table) => table.conflicts > 0))
				return state;
			if (!confirmsTarget(context.target.endpoint, step.undo.typed))
				return {...state, step: {...step, undo: {...step.undo, mismatch: true}}};
			return {...state, step: {...step, undo: {kind: 'undoing', abort: false}}};
		}
		case 'undo-finished':
			return step.name === 'summary' && step.undo?.kind === 'undoing'
				? {...state, step: {...step, undo: {kind: 'undone', result: action.result}}}
				: state;
		case 'undo-failed':
			return step.name === 'summary' && (step.undo?.kind === 'undoing' || step.undo?.kind === 'previewing')
				? {...state, step: {...step, undo: {kind: 'failed', error: action.error}}}
				: state;
		case 'quit':
			if (step.name === 'apply') return state;
			if (step.name === 'summary' && step.undo?.kind === 'undoing') return state;
			if (step.name === 'summary')
				return {...state, exit: step.outcome.kind === 'committed' ? exitCodes.done : step.outcome.error.exitCode};
			return {...state, exit: exitCodes.done};
		default:
			return assertNever(action);
	}
}

export function assertNever(value: never): never {
	throw new Error(`Unhandled wizard case: ${JSON.stringify(value)}`);
}

/** Whether a plain `q` quits here, or is a character being typed (URL, password, filter, database name). */
export function acceptsText(state: WizardState): boolean {
	const {step, context} = state;
	switch (step.name) {
		case 'source':
		case 'target':
			return step.phase.kind === 'url' || step.phase.kind === 'password';
		case 'tables':
			return step.filtering;
		case 'confirm':
			return context.target?.endpoint.production === true;
		case 'summary':
			return step.undo?.kind === 'previewed' && context.target?.endpoint.production === true;
		case 'mode':
		case 'preview':
		case 'apply':
			return false;
		default:
			return assertNever(step);
	}
}
