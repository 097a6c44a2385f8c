/**
 * What the bench times: each scenario is a pgconvoy run (source database, target template, mode,
 * dry run or apply), the goals it is held to, the peers timed in the same rounds, and the counts the
 * engine must report — the bench refuses to time a wrong answer.
 */
import type {SyncMode} from '../source/core/plan/types.js';
import {allUnchanged, type TableShape, type Template, unchanged10} from './fixture.js';
import {floorPeer, pgDumpPeer, pgsyncPeer, type Peer} from './peers.js';
import type {Goal} from './report.js';
import type {RunnerRequest} from './runner.js';

export interface Scenario {
	/** A string so variants fit in (e.g. a later "4nj": scenario 4 with `request: {journal: false}`). */
	id: string;
	name: string;
	/** The target database's starting state (a template on the target server). */
	template: Template;
	source: string;
	mode: SyncMode;
	dryRun: boolean;
	/** Extra fields for the runner's request (a variant of a scenario). */
	request?: Partial<RunnerRequest>;
	goals: Goal[];
	/** Timed in the same rounds; each must leave the target equal to the source. */
	peers: Peer[];
	/** What the engine must report: the bench refuses to time a wrong answer. */
	check(result: any): string | undefined;
}

export const table = 'public.t';

const previewCounts = (result: any) => result.tables[0];
const applyCounts = (result: any) => result.tables[0];
const expectEqual = (
	what: string,
	actual: Record<string, number>,
	expected: Record<string, number>,
): string | undefined => {
	const wrong = Object.entries(expected).filter(([name, value]) => actual?.[name] !== value);
	return wrong.length === 0
		? undefined
		: `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
};

export function mainScenarios(count: number, shape: TableShape, serverMajor: number): Scenario[] {
	const tenth = Math.floor(count / 10);
	const twentieth = Math.floor(count / 20);
	const upsertPeer = pgsyncPeer(shape.columns, shape.key, 'update');
	return [
		{
			id: '1',
			name: 'initial load, empty target',
			template: 'tpl_empty',
			source: 'src',
			mode: 'insert',
			dryRun: false,
			goals: [
				{against: 'B', max: 0.8},
				{against: 'pg_dump', max: 1.0},
			],
			peers: [pgDumpPeer(serverMajor)],
			check: (r) => expectEqual('apply', applyCounts(r), {inserted: count, updated: 0, deleted: 0}),
		},
		{
			id: '2',
			name: 'exact dry run, 10% changed',
			template: 'tpl_changed10',
			source: 'src',
			mode: 'upsert',
			dryRun: true,
			goals: [{against: 'B', max: 0.5}],
			peers: [],
			check: (r) =>
				expectEqual('preview', previewCounts(r), {insert: 0, update: tenth, skip: count - tenth, delete: 0}),
		},
		{
			id: '3',
			name: 'dry run, nothing changed',
			template: 'tpl_same',
			source: 'src',
			mode: 'upsert',
			dryRun: true,
			goals: [{against: 'B', max: 0.25}],
			peers: [],
			check: (r) => expectEqual('preview', previewCounts(r), {insert: 0, update: 0, skip: count, delete: 0}),
		},
		{
			id: '4',
			name: 'upsert, 10% changed (diff incl.)',
			template: 'tpl_changed10',
			source: 'src',
			mode: 'upsert',
			dryRun: false,
			goals: [
				{against: 'B', max: 0.8},
				{against: 'pgsync', max: 0.5},
			],
			peers: [upsertPeer, floorPeer('bare UPDATE of the 10% (info)', unchanged10)],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: tenth, skipped: count - tenth, deleted: 0}),
		},
		{
			// Scenario 4 as --no-journal runs it: the journal's cost is 4 ÷ 4nj (issue 11: ≤ 1.10).
			id: '4nj',
			name: 'upsert, 10% changed, no journal',
			template: 'tpl_changed10',
			source: 'src',
			mode: 'upsert',
			dryRun: false,
			request: {journal: false},
			goals: [],
			peers: [],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: tenth, skipped: count - tenth, deleted: 0}),
		},
		{
			id: '5',
			name: 'upsert, every row differs',
			template: 'tpl_allchanged',
			source: 'src',
			mode: 'upsert',
			dryRun: false,
			goals: [
				{against: 'pgsync', max: 1.0},
				{against: 'floor', max: 1.2},
			],
			peers: [upsertPeer, floorPeer('bare UPDATE floor', allUnchanged)],
			check: (r) => expectEqual('apply', applyCounts(r), {inserted: 0, updated: count, skipped: 0, deleted: 0}),
		},
		{
			id: '6',
			name: 'insert-only, 10% new rows',
			template: 'tpl_missing10',
			source: 'src',
			mode: 'insert',
			dryRun: false,
			goals: [
				{against: 'B', max: 0.4},
				{against: 'pgsync', max: 0.5},
			],
			peers: [pgsyncPeer(shape.columns, shape.key, 'nothing')],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: tenth, updated: 0, skipped: count - tenth, deleted: 0}),
		},
		{
			id: '7',
			name: 'mirror, 5% deleted on source',
			template: 'tpl_same',
			source: 'src_mirror',
			mode: 'mirror',
			dryRun: false,
			goals: [{against: 'B', max: 0.8}],
			peers: [],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: 0, skipped: count - twentieth, deleted: twentieth}),
		},
	];
}

/** The scale line's two scenarios (1% changed) on a given source and template. */
export function scaleScenarios(count: number, source: string, template: Template): Scenario[] {
	const hundredth = Math.floor(count / 100);
	return [
		{
			id: 'S2',
			name: 'exact dry run, 1% changed',
			template,
			source,
			mode: 'upsert',
			dryRun: true,
			goals: [],
			peers: [],
			check: (r) =>
				expectEqual('preview', previewCounts(r), {insert: 0, update: hundredth, skip: count - hundredth, delete: 0}),
		},
		{
			id: 'S4',
			name: 'upsert, 1% changed (diff incl.)',
			template,
			source,
			mode: 'upsert',
			dryRun: false,
			goals: [],
			peers: [],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: hundredth, skipped: count - hundredth, deleted: 0}),
		},
	];
}
