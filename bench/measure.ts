/**
 * One timed run, in its own process, from spawn to exit: pgconvoy (runner.ts, whose peak RSS is its
 * own) or a peer's bash pipeline of psql.
 */
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Peer} from './peers.js';
import type {RunnerReport, RunnerRequest} from './runner.js';
import type {Scenario} from './scenarios.js';
import {table} from './scenarios.js';
import {address, type Servers} from './servers.js';
import {run, secondsSince} from './spawn.js';

const runnerScript = join(dirname(fileURLToPath(import.meta.url)), 'runner.js');

export interface PgconvoySample {
	inProcessS: number;
	maxRssKb: number;
	memory: RunnerReport['memory'];
	events: Array<[number, string]>;
	journalBytes?: number;
}

/** One pgconvoy run of `scenario` into `bench_tgt`; `profileDir` adds Node's --cpu-prof. */
export async function runPgconvoy(
	servers: Servers,
	scenario: Scenario,
	profileDir: string | undefined,
): Promise<{s: number; sample: PgconvoySample; result: unknown}> {
	const request: RunnerRequest = {
		source: address(servers.source, scenario.source),
		target: address(servers.target, 'bench_tgt'),
		table,
		mode: scenario.mode,
		dryRun: scenario.dryRun,
		...scenario.request,
	};
	const nodeFlags = profileDir
		? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=scenario-${scenario.id}-${Date.now()}.cpuprofile`]
		: [];
	const start = process.hrtime.bigint();
	const {stdout, stderr, code} = await run(process.execPath, [...nodeFlags, runnerScript, JSON.stringify(request)]);
	const s = secondsSince(start);
	if (code !== 0) throw new Error(`scenario ${scenario.id} failed (exit ${code}): ${stderr}`);
	const report = JSON.parse(stdout.trim().split('\n').pop()!) as RunnerReport;
	return {
		s,
		sample: {
			inProcessS: report.ms / 1000,
			maxRssKb: report.maxRssKb,
			memory: report.memory,
			events: report.events,
			...(report.journalBytes !== undefined ? {journalBytes: report.journalBytes} : {}),
		},
		result: report.result,
	};
}

/** One run of a peer's script, $SRC and $DST set to the source database and `bench_tgt`. */
export async function runPeer(servers: Servers, sourceDb: string, peer: Peer): Promise<number> {
	const {script, env} = peer.build(servers.psql!);
	const start = process.hrtime.bigint();
	const {code, stderr} = await run('bash', ['-c', script], {
		...process.env,
		...env,
		SRC: servers.source.url(sourceDb),
		DST: servers.target.url('bench_tgt'),
	});
	const s = secondsSince(start);
	if (code !== 0) throw new Error(`${peer.name} failed (exit ${code}): ${stderr}`);
	return s;
}
