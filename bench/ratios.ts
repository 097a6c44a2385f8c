/**
 * Ratios that hold on a noisy, shared machine: every timed run sits between two B samples (the
 * sample after one run is the sample before the next), and each run is divided by the mean of its
 * own two neighbours, so a machine that slows down for a minute slows B and the run alike.
 */

export interface Spread {
	median: number;
	min: number;
	max: number;
}

export const median = (values: number[]): number => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

export const spread = (values: number[]): Spread => ({
	median: round(median(values)),
	min: round(Math.min(...values)),
	max: round(Math.max(...values)),
});

/** One timed run and the indexes (into the B series) of the B samples just before and just after it. */
export interface BracketedRun {
	s: number;
	before: number;
	after: number;
}

/**
 * The series of B samples and the runs between them. `run` takes a B sample before its run unless
 * the last thing measured already was one, and always one after, so the order is B, run, B, run, B …
 */
export class BracketedSeries {
	readonly b: number[] = [];
	private lastWasSample = false;

	constructor(private readonly sampleB: () => Promise<number>) {}

	private async sample(): Promise<number> {
		this.b.push(await this.sampleB());
		this.lastWasSample = true;
		return this.b.length - 1;
	}

	async run(timed: () => Promise<number>): Promise<BracketedRun> {
		const before = this.lastWasSample ? this.b.length - 1 : await this.sample();
		this.lastWasSample = false;
		const s = await timed();
		const after = await this.sample();
		return {s, before, after};
	}

	/** The B samples (s) just before and just after a run. */
	bracket(run: BracketedRun): [number, number] {
		return [round(this.b[run.before]!), round(this.b[run.after]!)];
	}

	/** Run time ÷ the mean of its two neighbouring B samples. */
	ratio(run: BracketedRun): number {
		return run.s / ((this.b[run.before]! + this.b[run.after]!) / 2);
	}
}
