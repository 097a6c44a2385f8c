/**
 * One scenario's rounds: pgconvoy, its twin and its peers, each reset from its template, bracketed
 * by B samples and checked against the source, summed up as one row.
 */
import {fingerprint, resetTarget} from './fixture.js';
import {scenarioGoals} from './goals.js';
import {log} from './log.js';
import {waitForQuiet} from './machine.js';
import {type PgconvoySample, rowsReadSoFar, runPeer, runPgconvoy} from './measure.js';
import type {Peer} from './peers.js';
import {type BracketedRun, type BracketedSeries, median, round, spread} from './ratios.js';
import type {PeerRow, RowsRead, ScenarioRow} from './report.js';
import type {Scenario} from './scenarios.js';
import type {Servers} from './servers.js';

/** The source database's fingerprint (fixture.ts), which the target must have after every write. */
export type ExpectedOf = (sourceDb: string) => Promise<string>;

export interface RoundsSetup {
	servers: Servers;
	series: BracketedSeries;
	expectedOf: ExpectedOf;
	profileDir?: string;
}

interface PgconvoyRun {
	timed: BracketedRun;
	sample: PgconvoySample;
	result: unknown;
	rowsRead: RowsRead;
}

/** One bracketed pgconvoy run of `scenario`: its counts checked, and after a write the target against the source. */
async function timePgconvoy(setup: RoundsSetup, scenario: Scenario, round_: number): Promise<PgconvoyRun> {
	const {servers, series} = setup;
	let done: Omit<PgconvoyRun, 'timed'> | undefined;
	const timed = await series.run(async () => {
		await resetTarget(servers, scenario.template);
		await waitForQuiet();
		const before = {
			source: await rowsReadSoFar(servers.source, scenario.source),
			target: await rowsReadSoFar(servers.target, 'bench_tgt'),
		};
		const {s, sample, result} = await runPgconvoy(servers, scenario, setup.profileDir);
		const rowsRead = {
			source: (await rowsReadSoFar(servers.source, scenario.source)) - before.source,
			target: (await rowsReadSoFar(servers.target, 'bench_tgt')) - before.target,
		};
		const wrong = scenario.check(result);
		if (wrong) throw new Error(`scenario ${scenario.id} (${scenario.name}) gave a wrong answer: ${wrong}`);
		if (!scenario.dryRun) {
			const [actual, expected] = [
				await fingerprint(servers.target, 'bench_tgt'),
				await setup.expectedOf(scenario.source),
			];
			if (actual !== expected)
				throw new Error(
					`scenario ${scenario.id}: target differs from the source after the sync (${actual} vs ${expected})`,
				);
		}
		done = {sample, result, rowsRead};
		log(
			`${scenario.id}. ${scenario.name} run ${round_ + 1}: ${round(s, 2)} s (in process ${round(sample.inProcessS, 2)} s), RSS ${Math.round(sample.maxRssKb / 1024)} MB, rows read ${rowsRead.source} | ${rowsRead.target}`,
		);
		return s;
	});
	log(
		`   ÷ B (${round(series.b[timed.before]!, 2)} s | ${round(series.b[timed.after]!, 2)} s) = ${round(series.ratio(timed), 2)}`,
	);
	return {timed, ...done!};
}

/** One bracketed run of a peer, which must leave the target equal to the source. */
async function timePeer(setup: RoundsSetup, scenario: Scenario, peer: Peer, round_: number): Promise<BracketedRun> {
	const {servers, series} = setup;
	const timed = await series.run(async () => {
		await resetTarget(servers, scenario.template);
		await waitForQuiet();
		const s = await runPeer(servers, scenario.source, peer);
		const [actual, expected] = [
			await fingerprint(servers.target, 'bench_tgt'),
			await setup.expectedOf(scenario.source),
		];
		if (actual !== expected)
			throw new Error(
				`scenario ${scenario.id}: ${peer.name} left the target different from the source (${actual} vs ${expected})`,
			);
		return s;
	});
	log(`   ${peer.name} run ${round_ + 1}: ${round(timed.s, 2)} s, ÷ B = ${round(setup.series.ratio(timed), 2)}`);
	return timed;
}

const mostRead = (runs: PgconvoyRun[]): RowsRead => ({
	source: Math.max(...runs.map((run) => run.rowsRead.source)),
	target: Math.max(...runs.map((run) => run.rowsRead.target)),
});
const peakRssMb = (runs: PgconvoyRun[]) => round(Math.max(...runs.map((run) => run.sample.maxRssKb)) / 1024, 1);

/** A peer's or the twin's runs beside pgconvoy's, round by round. */
function peerRow(
	series: BracketedSeries,
	key: PeerRow['key'],
	name: string,
	list: BracketedRun[],
	ratios: number[],
): PeerRow {
	const peerRatios = list.map((timed) => series.ratio(timed));
	return {
		key,
		name,
		runsS: list.map((timed) => round(timed.s)),
		medianS: round(median(list.map((timed) => timed.s))),
		ratioB: spread(peerRatios),
		runRatiosB: peerRatios.map((ratio) => round(ratio)),
		bracketsS: list.map((timed) => series.bracket(timed)),
		pgconvoyToPeer: spread(ratios.map((ratio, index) => ratio / peerRatios[index]!)),
	};
}

/**
 * One scenario, `count` rounds: in each round pgconvoy, then its twin, then every peer, each reset
 * from its template and bracketed by B samples; every answer checked against the source.
 */
export async function timeScenario(setup: RoundsSetup, scenario: Scenario, count: number): Promise<ScenarioRow> {
	const {series} = setup;
	const runs: PgconvoyRun[] = [];
	const twinRuns: PgconvoyRun[] = [];
	const peerRuns = new Map<Peer, BracketedRun[]>(
		scenario.peers.filter((peer) => !peer.unavailable).map((peer) => [peer, []]),
	);
	for (let index = 0; index < count; index++) {
		runs.push(await timePgconvoy(setup, scenario, index));
		if (scenario.twin) twinRuns.push(await timePgconvoy(setup, scenario.twin.scenario, index));
		for (const [peer, list] of peerRuns) list.push(await timePeer(setup, scenario, peer, index));
	}
	const ratios = runs.map((run) => series.ratio(run.timed));
	const peers: PeerRow[] = scenario.peers.map((peer) => {
		const list = peerRuns.get(peer);
		if (!list) return {key: peer.key, name: peer.name, unavailable: peer.unavailable, runsS: []};
		return peerRow(series, peer.key, peer.name, list, ratios);
	});
	const twin = scenario.twin
		? {
				...peerRow(
					series,
					'twin',
					scenario.twin.name,
					twinRuns.map((run) => run.timed),
					ratios,
				),
				peakRssMb: peakRssMb(twinRuns),
				rowsRead: mostRead(twinRuns),
			}
		: undefined;
	const ratioB = spread(ratios);
	const rowsRead = mostRead(runs);
	const samples = runs.map((run) => run.sample);
	return {
		id: scenario.id,
		name: scenario.name,
		rows: scenario.rows,
		mode: scenario.mode,
		dryRun: scenario.dryRun,
		runsS: runs.map((run) => round(run.timed.s)),
		medianS: round(median(runs.map((run) => run.timed.s))),
		ratioB,
		runRatiosB: ratios.map((ratio) => round(ratio)),
		bracketsS: runs.map((run) => series.bracket(run.timed)),
		medianInProcessS: round(median(samples.map((sample) => sample.inProcessS))),
		peakRssMb: peakRssMb(runs),
		peers: twin ? [twin, ...peers] : peers,
		goals: scenarioGoals(scenario.goals, {ratioB, peers: twin ? [twin, ...peers] : peers, rowsRead}),
		memoryMb: samples.map((sample) => sample.memory),
		events: samples.map((sample) => sample.events),
		result: runs.at(-1)!.result,
		...(samples.some((sample) => sample.journalBytes !== undefined)
			? {journalBytes: median(samples.map((sample) => sample.journalBytes ?? 0))}
			: {}),
		...(scenario.tables.length !== 1 ? {tables: (runs.at(-1)!.result as {tables: unknown[]}).tables.length} : {}),
		...(scenario.request?.flags ? {flags: scenario.request.flags} : {}),
		rowsRead,
		...(scenario.extraTables
			? {
					perExtraTableMs: spread(
						runs.map((run, index) => ((run.timed.s - twinRuns[index]!.timed.s) / scenario.extraTables!) * 1000),
					),
				}
			: {}),
	};
}
