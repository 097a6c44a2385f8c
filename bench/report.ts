/** The shape of one bench run's results: what `run.ts` measures, `print.ts` prints and the JSON holds. */
import type {SyncMode} from '../source/core/plan/types.js';
import type {Peer} from './peers.js';
import type {Spread} from './ratios.js';
import type {RunnerReport} from './runner.js';

/** What a scenario is compared with in the same rounds: a peer's tool, or pgconvoy on a twin input. */
export type PeerKey = Peer['key'] | 'twin';

/**
 * A goal, at most `max`:
 * - `B`: pgconvoy's ratio to B;
 * - a peer's key or `twin`: pgconvoy ÷ it, both B-normalised, per round;
 * - `scenario`: its × B ÷ another scenario's × B (medians), e.g. 4 ÷ 4nj, the journal's cost;
 * - `rows read`: rows read on the busier server ÷ `per` (beyond the twin's own, with `beyondTwin`).
 */
export interface Goal {
	against: 'B' | PeerKey | 'scenario' | 'rows read';
	max: number;
	/** `scenario`: the other scenario's id. */
	scenario?: string;
	/** `rows read`: the unit (the rows a filter matches, the changes shown), and what it counts. */
	per?: number;
	perWhat?: string;
	beyondTwin?: boolean;
}

/**
 * Rows the run read on each server: tuples returned by sequential scans plus index entries returned
 * by index scans of schema public (pg_stat_user_tables, pg_stat_user_indexes); the most any run read.
 */
export interface RowsRead {
	source: number;
	target: number;
}

export interface GoalRow extends Goal {
	measured?: number;
	/** 'n/a' when the peer it compares with could not run here. */
	met: boolean | 'n/a';
}

export interface PeerRow {
	key: PeerKey;
	name: string;
	unavailable?: string;
	runsS: number[];
	medianS?: number;
	/** The peer's own ratio to B (bracketed, per run). */
	ratioB?: Spread;
	/** Each run's ratio to B, and the B samples (s) just before and after it. */
	runRatiosB?: number[];
	bracketsS?: Array<[number, number]>;
	/** pgconvoy's ratio to B ÷ the peer's ratio to B, round by round. */
	pgconvoyToPeer?: Spread;
	/** A twin (pgconvoy itself): its peak RSS and rows read. */
	peakRssMb?: number;
	rowsRead?: RowsRead;
}

export interface ScenarioRow {
	id: string;
	name: string;
	rows: number;
	mode: SyncMode;
	dryRun: boolean;
	runsS: number[];
	medianS: number;
	/** Median and min–max of the per-run ratios to the mean of each run's two neighbouring B samples. */
	ratioB: Spread;
	/** Each run's ratio to B, and the B samples (s) just before and after it. */
	runRatiosB: number[];
	bracketsS: Array<[number, number]>;
	medianInProcessS: number;
	peakRssMb: number;
	peers: PeerRow[];
	goals: GoalRow[];
	memoryMb: Array<RunnerReport['memory']>;
	events: Array<Array<[number, string]>>;
	result: unknown;
	/** Median size of the undo journal each run kept (bytes), for applies that keep one. */
	journalBytes?: number;
	/** How many tables the run synced (absent: one). */
	tables?: number;
	/** Sync flags the run was given (it went through the headless sync command). */
	flags?: string[];
	rowsRead?: RowsRead;
	/** Per round, (run − its one-table twin) ÷ the extra tables, in ms: what one more table costs. */
	perExtraTableMs?: Spread;
}

/** A scenario whose sync flags pgconvoy does not know yet: listed, its goals n/a, nothing timed. */
export interface NotBuilt {
	id: string;
	name: string;
	reason: string;
	goals: Goal[];
}

export interface ScaleLine {
	rows: number;
	scaleRows: number;
	runs: number;
	B: number;
	scaleB: number;
	/** The 1% scenarios at `rows`, then at `scaleRows`. */
	scenarios: ScenarioRow[];
	rssFlat: Array<{id: string; smallMb: number; largeMb: number; factor: number; met: boolean}>;
}

export interface BenchReport {
	timestamp: string;
	machine: {host: string; cpus: number; cpuModel?: string; memoryGiB: number; node: string};
	servers: {source: string; target: string; settings: Record<string, string>};
	rows: number;
	rowBytes: number;
	tableMb: number;
	runs: number;
	baseline: {method: string; samplesS: number[]; B: number; binaryRunsS: number[]; Bb: number};
	noisyRuns: number;
	scenarios: ScenarioRow[];
	scale?: ScaleLine;
	flatRssFactor: number;
	notBuilt?: NotBuilt[];
}
