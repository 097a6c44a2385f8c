/**
 * What the bench times: each scenario is a pgconvoy run (source database, target template, tables,
 * mode, dry run or apply), the goals it is held to (issue 23), what is timed in the same rounds (the
 * peers, a twin), and the counts the engine must report — the bench refuses to time a wrong answer.
 */
import type {SyncMode} from '../source/core/plan/types.js';
import {allUnchanged, type TableShape, type Template, unchanged10} from './fixture.js';
import {floorPeer, pgDumpPeer, pgsyncPeer, type Peer} from './peers.js';
import type {Goal} from './report.js';
import type {RunnerRequest} from './runner.js';

export interface Scenario {
	/** A string so variants fit in beside their scenario (4nj, 8d, 2s…). */
	id: string;
	name: string;
	/** Rows in the synced tables on the source. */
	rows: number;
	/** The target database's starting state (a template on the target server). */
	template: Template;
	source: string;
	/** Tables to sync; [] is every table of schema public (the many-table databases). */
	tables: string[];
	mode: SyncMode;
	dryRun: boolean;
	/** Extra fields for the runner's request (a variant: no journal, sync flags). */
	request?: Partial<RunnerRequest>;
	goals: Goal[];
	/** Timed in the same rounds; each must leave the target equal to the source. */
	peers: Peer[];
	/** pgconvoy on another input, timed in the same rounds: the goals' `twin`. */
	twin?: Twin;
	/** Data beyond the main table it needs: scenario 8's table sets. */
	fixture?: 'many' | 'tiny';
	/** Tables beyond its twin's one: each round's (run − twin) ÷ this is what one more table costs. */
	extraTables?: number;
	/** What the engine must report: the bench refuses to time a wrong answer. */
	check(result: any): string | undefined;
}

export interface Twin {
	name: string;
	scenario: Scenario;
}

type Counts = Record<string, number>;

export const preview = (insert: number, update: number, skip: number, deleted: number): Counts => ({
	insert,
	update,
	skip,
	delete: deleted,
});
export const applied = (inserted: number, updated: number, skipped: number, deleted: number): Counts => ({
	inserted,
	updated,
	skipped,
	deleted,
});

/** The result lists `tables` tables and each reports `expected` (a preview's or an apply's counts). */
export function expectTables(result: any, expected: Counts, tables = 1): string | undefined {
	const list: Array<Record<string, number>> | undefined = result?.tables;
	if (!Array.isArray(list) || list.length !== tables)
		return `expected ${tables} table(s) in the result, got ${Array.isArray(list) ? list.length : 'none'}`;
	for (const entry of list) {
		const wrong = Object.keys(expected).some((name) => entry[name] !== expected[name]);
		if (wrong) return `expected ${JSON.stringify(expected)} per table, got ${JSON.stringify(entry)}`;
	}
	return undefined;
}

/** Scenario 2, also the one-table twin of the many-table dry runs and of the flag scenarios. */
export function exactDryRun10(count: number): Scenario {
	const tenth = Math.floor(count / 10);
	return {
		id: '2',
		name: 'exact dry run, 10% changed',
		rows: count,
		template: 'tpl_changed10',
		source: 'src',
		tables: ['public.t'],
		mode: 'upsert',
		dryRun: true,
		goals: [{against: 'B', max: 0.35}],
		peers: [],
		check: (r) => expectTables(r, preview(0, tenth, count - tenth, 0)),
	};
}

/** Scenario 4 without its peers, also the one-table twin of the many-table upsert. */
export function upsert10(count: number): Scenario {
	const tenth = Math.floor(count / 10);
	return {
		id: '4',
		name: 'upsert, 10% changed (diff incl.)',
		rows: count,
		template: 'tpl_changed10',
		source: 'src',
		tables: ['public.t'],
		mode: 'upsert',
		dryRun: false,
		goals: [
			{against: 'B', max: 0.7},
			{against: 'scenario', scenario: '4nj', max: 1.1},
		],
		peers: [],
		check: (r) => expectTables(r, applied(0, tenth, count - tenth, 0)),
	};
}

/** Scenarios 1–7 on public.t (`count` rows); peers and goals as issue 23 has them. */
export function mainScenarios(count: number, shape: TableShape, serverMajor: number): Scenario[] {
	const tenth = Math.floor(count / 10);
	const twentieth = Math.floor(count / 20);
	const upsertPeer = pgsyncPeer(shape.columns, shape.key, 'update');
	const onT = {rows: count, source: 'src', tables: ['public.t'], peers: [] as Peer[]};
	return [
		{
			...onT,
			id: '1',
			name: 'initial load, empty target',
			template: 'tpl_empty',
			mode: 'insert',
			dryRun: false,
			goals: [{against: 'B', max: 0.75}],
			// For information: pg_dump refuses a server newer than itself (n/a at 18 here).
			peers: [pgDumpPeer(serverMajor)],
			check: (r) => expectTables(r, applied(count, 0, 0, 0)),
		},
		exactDryRun10(count),
		{
			...onT,
			id: '3',
			name: 'dry run, nothing changed',
			template: 'tpl_same',
			mode: 'upsert',
			dryRun: true,
			goals: [{against: 'B', max: 0.2}],
			check: (r) => expectTables(r, preview(0, 0, count, 0)),
		},
		{...upsert10(count), peers: [upsertPeer, floorPeer('bare UPDATE of the 10% (info)', unchanged10)]},
		{
			// Scenario 4 as --no-journal runs it: 4's second goal is 4 ÷ 4nj.
			...upsert10(count),
			id: '4nj',
			name: 'upsert, 10% changed, no journal',
			request: {journal: false},
			goals: [],
		},
		{
			...onT,
			id: '5',
			name: 'upsert, every row differs',
			template: 'tpl_allchanged',
			mode: 'upsert',
			dryRun: false,
			goals: [{against: 'pgsync', max: 1.0}],
			peers: [upsertPeer, floorPeer('bare UPDATE floor (info)', allUnchanged)],
			check: (r) => expectTables(r, applied(0, count, 0, 0)),
		},
		{
			...onT,
			id: '6',
			name: 'insert-only, 10% new rows',
			template: 'tpl_missing10',
			mode: 'insert',
			dryRun: false,
			goals: [
				{against: 'B', max: 0.4},
				{against: 'pgsync', max: 0.35},
			],
			peers: [pgsyncPeer(shape.columns, shape.key, 'nothing')],
			check: (r) => expectTables(r, applied(tenth, 0, count - tenth, 0)),
		},
		{
			...onT,
			id: '7',
			name: 'mirror, 5% deleted on source',
			source: 'src_mirror',
			template: 'tpl_same',
			mode: 'mirror',
			dryRun: false,
			goals: [{against: 'B', max: 0.5}],
			check: (r) => expectTables(r, applied(0, 0, count - twentieth, twentieth)),
		},
	];
}

/** The scale line's two scenarios (1% changed) on a given source and template; `goal` holds S2 to ≤ 0.30 × B. */
export function scaleScenarios(count: number, source: string, template: Template, goal: boolean): Scenario[] {
	const hundredth = Math.floor(count / 100);
	const on = {rows: count, source, template, tables: ['public.t'], mode: 'upsert' as const, peers: []};
	return [
		{
			...on,
			id: 'S2',
			name: 'exact dry run, 1% changed',
			dryRun: true,
			goals: goal ? [{against: 'B', max: 0.3}] : [],
			check: (r) => expectTables(r, preview(0, hundredth, count - hundredth, 0)),
		},
		{
			...on,
			id: 'S4',
			name: 'upsert, 1% changed (diff incl.)',
			dryRun: false,
			goals: [],
			check: (r) => expectTables(r, applied(0, hundredth, count - hundredth, 0)),
		},
	];
}
