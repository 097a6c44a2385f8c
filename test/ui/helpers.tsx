import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import {UserError} from '../../source/core/errors.js';
import type {Endpoint} from '../../source/core/connection/endpoint.js';
import type {DatabaseSummary, TableChoice} from '../../source/core/session/sync-session.js';
import type {PreviewResult, SyncEvent, SyncResult, TableCounts, TableResult} from '../../source/core/events.js';
import type {Finding, SyncOptions, SyncPlan} from '../../source/core/plan/types.js';
import {App} from '../../source/ui/app.js';
import {initialState, type Step, type WizardContext, type WizardState} from '../../source/ui/state.js';
import type {EndpointCandidate, WizardServices, WizardSession} from '../../source/ui/services.js';

export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	enter: '\r',
	escape: '\u001B',
	space: ' ',
	backspace: '\u007F',
	ctrlC: '\u0003',
} as const;

type Instance = ReturnType<typeof render>;

/** Lets React commit and Ink re-register its input handlers (React 19 runs effects after a tick). */
export async function settle(): Promise<void> {
	for (let round = 0; round < 3; round++) {
		await new Promise((resolve) => setImmediate(resolve));
		await new Promise((resolve) => setTimeout(resolve, 0));
	}
}

export function frameText(instance: Instance): string {
	return stripVTControlCharacters(instance.lastFrame() ?? '');
}

/** Every frame rendered so far, as plain text: for "never shown" assertions. */
export function allFrames(instance: Instance): string {
	return instance.frames.map((frame) => stripVTControlCharacters(frame)).join('\n');
}

export async function waitFor(
	instance: Instance,
	expected: string | RegExp | ((frame: string) => boolean),
	timeoutMs = 4000,
): Promise<string> {
	const matches = (frame: string) =>
		typeof expected === 'function'
			? expected(frame)
			: typeof expected === 'string'
				? frame.includes(expected)
				: expected.test(frame);
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const frame = frameText(instance);
		if (matches(frame)) return frame;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${String(expected)}; last frame:\n${frame}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** Types each key once the screen's input handlers are attached, and lets the app react before the next. */
export async function press(instance: Instance, ...input: string[]): Promise<void> {
	for (const key of input) {
		await settle();
		instance.stdin.write(key);
	}
	await settle();
}

/** Types text as a terminal delivers fast typing: one read per character, no waiting in between. */
export async function type(instance: Instance, text: string): Promise<void> {
	await settle();
	for (const char of text) instance.stdin.write(char);
	await settle();
}

/** Renders the app at a terminal size (ink-testing-library's fake stdout is 100 columns with no rows). */
export async function renderApp(
	props: {services: WizardServices; initial: WizardState; onExit?: (code: number) => void},
	size: {columns?: number; rows?: number} = {},
) {
	const exits: number[] = [];
	const instance = render(
		<App services={props.services} initial={props.initial} onExit={props.onExit ?? ((code) => exits.push(code))} />,
	);
	if (size.columns !== undefined || size.rows !== undefined) {
		Object.defineProperties(instance.stdout, {
			columns: {value: size.columns ?? 100, configurable: true},
			rows: {value: size.rows ?? 24, configurable: true},
		});
		instance.stdout.emit('resize');
	}
	await settle();
	return Object.assign(instance, {exits});
}

export const options: Omit<SyncOptions, 'mode'> = {
	maxDeleteRatio: 0.5,
	allowEmptySource: false,
	allowCascade: false,
	keys: {},
	lockTimeoutMs: 5000,
	statementTimeoutMs: 0,
};

export function endpoint(database: string, fields: Partial<Endpoint> = {}): Endpoint {
	return {
		host: `${database}.example.com`,
		port: 5432,
		database,
		user: 'app',
		sslmode: 'require',
		passwordSource: {kind: 'url'},
		password: 'hunter2-secret',
		production: false,
		origin: `test ${database}`,
		...fields,
	};
}

export const summary = (database: string): DatabaseSummary => ({
	serverVersion: '18.1',
	database,
	sizeBytes: 12 * 1024 * 1024,
	tableCount: 4,
});

export const schoolTables: TableChoice[] = [
	{id: 'public.niveaux', estimatedRows: 12, parents: []},
	{id: 'public.users', estimatedRows: 2200, parents: []},
	{id: 'public.classes', estimatedRows: 40, parents: ['public.niveaux', 'public.users']},
	{id: 'public.qcms', estimatedRows: 300, parents: ['public.users']},
	{
		id: 'public.legacy_notes',
		estimatedRows: 90,
		parents: [],
		unavailable: 'missing on the target: run your migrations on both databases',
	},
];

export function counts(table: string, fields: Partial<TableCounts> = {}): TableCounts {
	return {table, insert: 0, update: 0, skip: 0, delete: 0, differing: 0, sourceRows: 0, targetRows: 0, ...fields};
}

export function tableResult(table: string, fields: Partial<TableResult> = {}): TableResult {
	return {table, inserted: 0, updated: 0, skipped: 0, deleted: 0, ms: 5, ...fields};
}

export function plan(
	tables: string[],
	mode: SyncPlan['options']['mode'] = 'upsert',
	findings: Finding[] = [],
): SyncPlan {
	return {
		options: {...options, mode},
		tables: tables.map((id) => ({id}) as SyncPlan['tables'][number]),
		deferredConstraints: [],
		findings,
		hashMethod: 'record',
	};
}

/** A preview or apply that the test drives: it emits what the test says, when the test says. */
export interface Scripted<T> {
	emit(event: SyncEvent): void;
	resolve(value: T): void;
	reject(error: unknown): void;
	signal?: AbortSignal;
	/** What the wizard asked for: `rehearse`, the `expected` preview. */
	listeners: {rehearse?: boolean; expected?: PreviewResult};
}

function scripted<T>() {
	const control = {} as Scripted<T>;
	const run = (listeners: {onEvent?: (event: SyncEvent) => void; signal?: AbortSignal}) =>
		new Promise<T>((resolve, reject) => {
			Object.assign(control, {
				emit: (event: SyncEvent) => listeners.onEvent?.(event),
				resolve,
				reject,
				signal: listeners.signal,
				listeners,
			});
		});
	return {control, run};
}

export interface FakeSession extends WizardSession {
	previews: Array<Scripted<PreviewResult>>;
	applies: Array<Scripted<SyncResult>>;
	/** The options of every plan the wizard made, in order. */
	planned: SyncOptions[];
	closed: number;
	/** Resolves with the next preview (or apply) as soon as the wizard starts it. */
	nextPreview(): Promise<Scripted<PreviewResult>>;
	nextApply(): Promise<Scripted<SyncResult>>;
}

export function fakeSession(
	tables: TableChoice[] = schoolTables,
	planFor: (selected: string[], mode: SyncPlan['options']['mode']) => SyncPlan = (selected, mode) =>
		plan(selected, mode),
): FakeSession {
	const waiting = {previews: [] as Array<() => void>, applies: [] as Array<() => void>};
	const taken = {previews: 0, applies: 0};
	/** The next run not handed to the test yet, as soon as the wizard has started it. */
	const take = async <K extends 'previews' | 'applies'>(kind: K): Promise<FakeSession[K][number]> => {
		while (session[kind].length <= taken[kind]) await new Promise<void>((resolve) => waiting[kind].push(resolve));
		return session[kind][taken[kind]++]!;
	};
	const start = <T,>(
		kind: 'previews' | 'applies',
		listeners: {onEvent?: (event: SyncEvent) => void; signal?: AbortSignal},
	) => {
		const {control, run} = scripted<T>();
		const result = run(listeners);
		(session[kind] as Array<Scripted<T>>).push(control);
		waiting[kind].splice(0).forEach((wake) => wake());
		return result;
	};
	const session: FakeSession = {
		previews: [],
		applies: [],
		planned: [],
		closed: 0,
		tableChoices: () => tables,
		plan: (selection, syncOptions) => {
			session.planned.push(syncOptions);
			return planFor(selection.tables, syncOptions.mode);
		},
		preview: (_plan, listeners) => start<PreviewResult>('previews', listeners),
		apply: (_plan, listeners) => start<SyncResult>('applies', listeners),
		async close() {
			session.closed++;
		},
		nextPreview: () => take('previews'),
		nextApply: () => take('applies'),
	};
	return session;
}

export interface FakeServices extends WizardServices {
	inspected: Endpoint[];
	saved: unknown[];
}

export function fakeServices(
	overrides: Partial<WizardServices> & {candidates?: EndpointCandidate[]; session?: WizardSession} = {},
): FakeServices {
	const services: FakeServices = {
		inspected: [],
		saved: [],
		endpointCandidates: () =>
			overrides.candidates ?? [
				{
					key: 'env:DATABASE_URL_LOCAL',
					label: 'DATABASE_URL_LOCAL',
					sourceDefault: true,
					endpoint: endpoint('local_db', {host: 'localhost', origin: 'DATABASE_URL_LOCAL'}),
				},
				{
					key: 'env:DATABASE_URL_PROD',
					label: 'DATABASE_URL_PROD',
					endpoint: endpoint('prod_db', {origin: 'DATABASE_URL_PROD'}),
				},
			],
		parseEndpoint: () => {
			throw new UserError('config', 'not a PostgreSQL URL.');
		},
		resolvePassword: async (value) => value,
		async inspect(value) {
			services.inspected.push(value);
			return summary(value.database);
		},
		openSession: async () => overrides.session ?? fakeSession(),
		async saveReport(document) {
			services.saved.push(document);
			return 'pgconvoy-report-test.json';
		},
		history: async () => ({entries: [], undone: new Map()}),
		previewUndo: async () => {
			throw new UserError('config', 'no journal in this test.');
		},
		undo: async () => {
			throw new UserError('config', 'no journal in this test.');
		},
		...overrides,
	};
	return services;
}

/** A wizard already at `step`, with everything before it chosen. */
export function stateAt(step: Step, context: Partial<WizardContext> = {}): WizardState {
	const base = initialState({options});
	return {
		step,
		context: {
			...base.context,
			source: {endpoint: endpoint('local_db', {host: 'localhost'}), summary: summary('local_db')},
			target: {endpoint: endpoint('prod_db'), summary: summary('prod_db')},
			session: fakeSession(),
			tables: schoolTables,
			selected: ['public.niveaux', 'public.users'],
			mode: 'upsert',
			...context,
		},
	};
}
