/**
 * One pgconvoy run in its own process, so the bench can time it from spawn to exit and read its
 * peak RSS: the same engine calls `pgconvoy sync --yes` (apply) or `--dry-run` (preview) makes, or,
 * for a request with sync flags, the headless sync command itself (runner-command.ts).
 * Prints one JSON line on stdout.
 */
import {SyncSession, defaultSyncOptions} from '../source/core/session/sync-session.js';
import type {Endpoint} from '../source/core/connection/endpoint.js';
import type {SyncMode} from '../source/core/plan/types.js';
import type {SyncEvent, SyncResult} from '../source/core/events.js';
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export interface RunnerRequest {
	source: DatabaseAddress;
	target: DatabaseAddress;
	/** Tables to sync; [] is every table of schema public. */
	tables: string[];
	mode: SyncMode;
	dryRun: boolean;
	/**
	 * An apply keeps its undo journal, as `pgconvoy sync --yes` does (in a throw-away config
	 * directory); `false` is the `--no-journal` variant.
	 */
	journal?: boolean;
	/**
	 * Extra `pgconvoy sync` flags ([] for none): the run goes through the headless sync command with
	 * `--json`, for features only its flags reach (--show-changes, --where, the diff's readers).
	 */
	flags?: string[];
	/** With `flags`: only ask sync's flag table whether it knows them; nothing runs. */
	probe?: boolean;
}

export interface DatabaseAddress {
	host: string;
	port: number;
	user: string;
	password: string;
	database: string;
}

/** Peaks of process.memoryUsage(), sampled every 50 ms, in MB: which part of the RSS grows. */
export interface MemoryPeaks {
	rss: number;
	heapUsed: number;
	heapTotal: number;
	external: number;
	arrayBuffers: number;
}

export interface RunnerReport {
	memory: MemoryPeaks;
	/** From the first line of this script to the end of the sync (the bench also times spawn → exit). */
	ms: number;
	maxRssKb: number;
	/** When the engine reported what (ms since start), progress events left out. */
	events: Array<[number, string]>;
	result: unknown;
	/** Size of the journal the apply kept, in bytes (absent for a dry run or `journal: false`). */
	journalBytes?: number;
}

/** A probe's answer: why `pgconvoy sync` refuses the flags, or nothing when it takes them. */
export interface ProbeReport {
	unsupported?: string;
}

const endpoint = (address: DatabaseAddress, origin: string): Endpoint => ({
	...address,
	passwordSource: {kind: 'url'},
	sslmode: 'disable',
	production: false,
	origin,
});

/** What one run hands back besides its time and memory. */
interface Outcome {
	events: Array<[number, string]>;
	result: unknown;
	journalBytes?: number;
}

/** The engine calls `pgconvoy sync --yes` / `--dry-run` make, with the events' times since `started`. */
async function runEngine(request: RunnerRequest, started: number): Promise<Outcome> {
	const events: Array<[number, string]> = [];
	const onEvent = (event: SyncEvent) => {
		if (event.type === 'apply-table-progress') return;
		events.push([
			Math.round(performance.now() - started),
			event.type === 'apply-phase' ? `apply-phase:${event.phase}` : event.type,
		]);
	};
	const session = await SyncSession.open(
		endpoint(request.source, 'bench source'),
		endpoint(request.target, 'bench target'),
		{schemas: ['public'], allSchemas: false},
	);
	events.push([Math.round(performance.now() - started), 'opened']);
	const plan = session.plan({tables: request.tables, exclude: []}, {...defaultSyncOptions, mode: request.mode});
	const configDirectory =
		!request.dryRun && request.journal !== false ? mkdtempSync(join(tmpdir(), 'pgconvoy-bench-journal-')) : undefined;
	const journal = configDirectory
		? {configDirectory, retention: 20, labels: {source: 'bench source', target: 'bench target'}}
		: undefined;
	const result = request.dryRun
		? await session.preview(plan, {onEvent})
		: await session.apply(plan, {onEvent, ...(journal ? {journal} : {})});
	await session.close();
	const journalFile = (result as SyncResult).journal?.file;
	const journalBytes = journalFile ? statSync(journalFile).size : undefined;
	if (configDirectory) rmSync(configDirectory, {recursive: true, force: true});
	return {events, result, ...(journalBytes !== undefined ? {journalBytes} : {})};
}

async function main(): Promise<void> {
	const started = performance.now();
	const memory: MemoryPeaks = {rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0};
	const sample = () => {
		const usage = process.memoryUsage();
		for (const key of Object.keys(memory) as Array<keyof MemoryPeaks>)
			memory[key] = Math.max(memory[key], Math.round(usage[key] / 1048576));
	};
	const sampler = setInterval(sample, 50);
	const request = JSON.parse(process.argv[2]!) as RunnerRequest;
	// Loaded only for a request with flags, so the engine-only runs do not pay for the command's imports.
	const command = request.flags ? await import('./runner-command.js') : undefined;
	if (command && request.probe) {
		clearInterval(sampler);
		process.stdout.write(JSON.stringify(command.probeFlags(request)) + '\n');
		return;
	}
	const outcome = command
		? {events: [], ...(await command.runSyncCommand(request))}
		: await runEngine(request, started);
	clearInterval(sampler);
	sample();
	const report: RunnerReport = {
		memory,
		ms: Math.round(performance.now() - started),
		maxRssKb: process.resourceUsage().maxRSS,
		...outcome,
	};
	process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
