/**
 * B, the physical cost of moving the table once: the raw text COPY pipe `psql \copy public.t to
 * pstdout | psql \copy public.t from pstdin` into an empty target table with its PK. Its samples
 * bracket every timed run (ratios.ts); Bb, the same pipe in binary, is sampled for information only.
 */
import {copyPipe} from './copy-pipe.js';
import {resetTarget} from './fixture.js';
import {log} from './log.js';
import {waitForQuiet} from './machine.js';
import {BracketedSeries, median, round} from './ratios.js';
import type {BenchReport} from './report.js';
import type {Servers} from './servers.js';

/** One timed B (or Bb) sample of `sourceDb`'s public.t into a fresh empty target, on a quiet machine. */
export const sampleB =
	(servers: Servers, sourceDb: string, binary = false) =>
	async (): Promise<number> => {
		await resetTarget(servers, 'tpl_empty');
		await waitForQuiet();
		const seconds = await copyPipe(servers, sourceDb, 'bench_tgt', binary);
		log(`B${binary ? 'b (binary)' : ''} sample (${sourceDb}): ${round(seconds, 2)} s`);
		return seconds;
	};

/** The report's account of B: how it was measured, every sample, and Bb's for information. */
export function baselineReport(
	psql: string | undefined,
	series: BracketedSeries,
	binaryRuns: number[],
): BenchReport['baseline'] {
	return {
		method: psql
			? `${psql} \\copy to pstdout | psql \\copy from pstdin (empty target with PK)`
			: 'pg-copy-streams pipe in Node (psql not found)',
		samplesS: series.b.map((value) => round(value)),
		B: round(median(series.b)),
		binaryRunsS: binaryRuns.map((value) => round(value)),
		Bb: round(median(binaryRuns)),
	};
}
