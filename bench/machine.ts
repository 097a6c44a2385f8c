/**
 * The machine the bench runs on: what it is (for the report), which psql it has, and whether it is
 * quiet enough to time a run (a shared box runs other test suites).
 */
import {readFileSync, statSync} from 'node:fs';
import {cpus, hostname, totalmem} from 'node:os';
import {log} from './log.js';
import {round} from './ratios.js';
import type {BenchReport} from './report.js';

export function machineFacts(): BenchReport['machine'] {
	return {
		host: hostname(),
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model,
		memoryGiB: round(totalmem() / 2 ** 30, 1),
		node: process.version,
	};
}

/** The system's psql (the peers and B drive it); undefined when there is none. */
export function findPsql(): string | undefined {
	for (const candidate of ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql']) {
		try {
			if (statSync(candidate).isFile()) return candidate;
		} catch {
			// not here
		}
	}
	return undefined;
}

/** Share of all CPU time spent busy over `ms` (from /proc/stat; 0 where there is none). */
async function cpuBusy(ms: number): Promise<number> {
	const read = () => {
		try {
			const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
			return {idle: fields[3]! + (fields[4] ?? 0), total: fields.reduce((sum, value) => sum + value, 0)};
		} catch {
			return undefined;
		}
	};
	const before = read();
	await new Promise((resolve) => setTimeout(resolve, ms));
	const after = read();
	if (!before || !after || after.total === before.total) return 0;
	return 1 - (after.idle - before.idle) / (after.total - before.total);
}

const quietBusy = 0.1;
let noisy = 0;
let quietWaitMs = 120_000;

/** `--quiet-wait`: how long a run waits for an idle machine (0 on a box known to be busy: a smoke run). */
export function setQuietWait(seconds: number): void {
	quietWaitMs = seconds * 1000;
}

/** How many timed runs had to go ahead on a busy machine. */
export const noisyRuns = (): number => noisy;

/**
 * Waits (up to `--quiet-wait`, two minutes by default) until the machine is idle before a timed run:
 * with both servers idle, any CPU in use belongs to someone else (a test suite on a shared box) and
 * would skew the ratio.
 */
export async function waitForQuiet(): Promise<void> {
	const deadline = Date.now() + quietWaitMs;
	let busy = await cpuBusy(400);
	while (busy > quietBusy && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 1000));
		busy = await cpuBusy(400);
	}
	if (busy > quietBusy) {
		noisy++;
		log(`machine still ${Math.round(busy * 100)}% busy after waiting ${quietWaitMs / 1000} s: timing anyway`);
	}
}
