/**
 * One timed run, in its own process, from spawn to exit: pgconvoy (runner.ts, whose peak RSS is its
 * own) or a peer's bash pipeline of psql; and the rows a run read on each server.
 */
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {EmbeddedCluster} from '../source/support/embedded-cluster.js';
import type {Peer} from './peers.js';
import type {ProbeReport, RunnerReport, RunnerRequest} from './runner.js';
import type {Scenario} from './scenarios.js';
import {address, type Servers, withClient} from './servers.js';
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
const requestOf = (servers: Servers, scenario: Scenario): RunnerRequest => ({
	source: address(servers.source, scenario.source),
	target: address(servers.target, 'bench_tgt'),
	tables: scenario.tables,
	mode: scenario.mode,
	dryRun: scenario.dryRun,
	...scenario.request,
});

/** Whether `pgconvoy sync` takes a scenario's flags: undefined when it does, else its usage error. */
export async function probeFlags(servers: Servers, scenario: Scenario): Promise<string | undefined> {
	const request = {...requestOf(servers, scenario), probe: true};
	const {stdout, stderr, code} = await run(process.execPath, [runnerScript, JSON.stringify(request)]);
	if (code !== 0) throw new Error(`probing scenario ${scenario.id}'s flags failed (exit ${code}): ${stderr}`);
	return (JSON.parse(stdout.trim().split('\n').pop()!) as ProbeReport).unsupported;
}

export async function runPgconvoy(
	servers: Servers,
	scenario: Scenario,
	profileDir: string | undefined,
): Promise<{s: number; sample: PgconvoySample; result: unknown}> {
	const request = requestOf(servers, scenario);
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

/**
 * Rows read so far in `database`'s schema public: tuples returned by sequential scans plus index
 * entries returned by index scans. Waits until no other session is connected to it first: a backend
 * flushes its statistics as it exits, before it leaves pg_stat_activity.
 */
export async function rowsReadSoFar(cluster: EmbeddedCluster, database: string): Promise<number> {
	return withClient(cluster, database, async (client) => {
		const deadline = Date.now() + 60_000;
		for (;;) {
			const others = await client.query(
				`SELECT count(*)::int AS n FROM pg_stat_activity
				  WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
			);
			if (others.rows[0].n === 0) break;
			if (Date.now() > deadline) throw new Error(`sessions still connected to ${database} a minute after the run`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		const read = await client.query(
			`SELECT (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables WHERE schemaname = 'public')
			      + (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes WHERE schemaname = 'public') AS n`,
		);
		return Number(read.rows[0].n);
	});
}
