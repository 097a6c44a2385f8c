/** The shape of one bench run's results: what `run.ts` measures, `print.ts` prints and the JSON holds. */
import type {SyncMode} from '../source/core/plan/types.js';
import type {Peer} from './peers.js';
import type {Spread} from './ratios.js';
import type {RunnerReport} from './runner.js';

/** A goal: pgconvoy's ratio to B, or pgconvoy ÷ a peer (both B-normalised per round), at most `max`. */
export interface Goal {
	against: 'B' | Peer['key'];
	max: number;
}

export interface GoalRow extends Goal {
	measured?: number;
	/** 'n/a' when the peer it compares with could not run here. */
	met: boolean | 'n/a';
}

export interface PeerRow {
	key: Peer['key'];
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
}
