/** One scenario's rounds: pgconvoy and its peers, each bracketed by B and checked, summed up as one row. */
import {fingerprint, resetTarget} from './fixture.js';
import {log} from './log.js';
import {waitForQuiet} from './machine.js';
import {type PgconvoySample, runPeer, runPgconvoy} from './measure.js';
import type {Peer} from './peers.js';
import {type BracketedRun, type BracketedSeries, median, round, spread} from './ratios.js';
import type {GoalRow, PeerRow, ScenarioRow} from './report.js';
import type {Scenario} from './scenarios.js';
import type {Servers} from './servers.js';

/**
 * One scenario, `count` rounds: in each round pgconvoy, then every peer, each reset from the same
 * template and bracketed by B samples; every answer checked against the source.
 */
export async function timeScenario(
	servers: Servers,
	profileDir: string | undefined,
	series: BracketedSeries,
	scenario: Scenario,
	count: number,
	rowCount: number,
	expected: string,
): Promise<ScenarioRow> {
	const pgconvoyRuns: BracketedRun[] = [];
	const samples: PgconvoySample[] = [];
	const peerRuns = new Map<Peer, BracketedRun[]>(
		scenario.peers.filter((peer) => !peer.unavailable).map((peer) => [peer, []]),
	);
	let lastResult: unknown;
	for (let index = 0; index < count; index++) {
		const timed = await series.run(async () => {
			await resetTarget(servers, scenario.template);
			await waitForQuiet();
			const {s, sample, result} = await runPgconvoy(servers, scenario, profileDir);
			const wrong = scenario.check(result);
			if (wrong) throw new Error(`scenario ${scenario.id} (${scenario.name}) gave wrong counts: ${wrong}`);
			if (!scenario.dryRun) {
				const actual = await fingerprint(servers.target, 'bench_tgt');
				if (actual !== expected)
					throw new Error(
						`scenario ${scenario.id}: target differs from the source after the sync (${actual} vs ${expected})`,
					);
			}
			samples.push(sample);
			lastResult = result;
			log(
				`${scenario.id}. ${scenario.name} run ${index + 1}: ${round(s, 2)} s (in process ${round(sample.inProcessS, 2)} s), RSS ${Math.round(sample.maxRssKb / 1024)} MB`,
			);
			return s;
		});
		pgconvoyRuns.push(timed);
		log(
			`   ÷ B (${round(series.b[timed.before]!, 2)} s | ${round(series.b[timed.after]!, 2)} s) = ${round(series.ratio(timed), 2)}`,
		);
		for (const [peer, list] of peerRuns) {
			const peerRun = await series.run(async () => {
				await resetTarget(servers, scenario.template);
				await waitForQuiet();
				const s = await runPeer(servers, scenario.source, peer);
				const actual = await fingerprint(servers.target, 'bench_tgt');
				if (actual !== expected)
					throw new Error(
						`scenario ${scenario.id}: ${peer.name} left the target different from the source (${actual} vs ${expected})`,
					);
				return s;
			});
			list.push(peerRun);
			log(`   ${peer.name} run ${index + 1}: ${round(peerRun.s, 2)} s, ÷ B = ${round(series.ratio(peerRun), 2)}`);
		}
	}
	const ratios = pgconvoyRuns.map((timed) => series.ratio(timed));
	const peers: PeerRow[] = scenario.peers.map((peer) => {
		const list = peerRuns.get(peer);
		if (!list) return {key: peer.key, name: peer.name, unavailable: peer.unavailable, runsS: []};
		const peerRatios = list.map((timed) => series.ratio(timed));
		return {
			key: peer.key,
			name: peer.name,
			runsS: list.map((timed) => round(timed.s)),
			medianS: round(median(list.map((timed) => timed.s))),
			ratioB: spread(peerRatios),
			runRatiosB: peerRatios.map((ratio) => round(ratio)),
			bracketsS: list.map((timed) => series.bracket(timed)),
			pgconvoyToPeer: spread(ratios.map((ratio, index) => ratio / peerRatios[index]!)),
		};
	});
	const ratioB = spread(ratios);
	const goals: GoalRow[] = scenario.goals.map((goal) => {
		if (goal.against === 'B') return {...goal, measured: ratioB.median, met: ratioB.median <= goal.max};
		const peer = peers.find((candidate) => candidate.key === goal.against);
		if (!peer?.pgconvoyToPeer) return {...goal, met: 'n/a'};
		return {...goal, measured: peer.pgconvoyToPeer.median, met: peer.pgconvoyToPeer.median <= goal.max};
	});
	return {
		id: scenario.id,
		name: scenario.name,
		rows: rowCount,
		mode: scenario.mode,
		dryRun: scenario.dryRun,
		runsS: pgconvoyRuns.map((timed) => round(timed.s)),
		medianS: round(median(pgconvoyRuns.map((timed) => timed.s))),
		ratioB,
		runRatiosB: ratios.map((ratio) => round(ratio)),
		bracketsS: pgconvoyRuns.map((timed) => series.bracket(timed)),
		medianInProcessS: round(median(samples.map((sample) => sample.inProcessS))),
		peakRssMb: round(Math.max(...samples.map((sample) => sample.maxRssKb)) / 1024, 1),
		peers,
		goals,
		memoryMb: samples.map((sample) => sample.memory),
		events: samples.map((sample) => sample.events),
		result: lastResult,
		...(samples.some((sample) => sample.journalBytes !== undefined)
			? {journalBytes: median(samples.map((sample) => sample.journalBytes ?? 0))}
			: {}),
	};
}
