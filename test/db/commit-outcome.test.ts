/**
 * COMMIT's outcome, told truthfully when its message or its reply goes astray: a fault proxy in front of
 * the target loses, delays or black-holes COMMIT or its reply. Each test checks the exit code and what
 * the target really holds afterwards.
 */
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {poolerInfo, pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {startFaultProxy, type FaultProxy} from '../support/fault-proxy.js';
import {parseSyncFlags} from '../../source/commands/sync-flags.js';
import {runHeadlessSync} from '../../source/commands/sync.js';
import type {CommitBudgets} from '../../source/core/write/settle-commit.js';

const tables = ['public.items'];
const pair = pairPerTest();
let proxy: FaultProxy;
let before: Record<string, string>;
let sourceState: Record<string, string>;

beforeEach(async () => {
	const schema = `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2))`;
	await pair.source.client.query(
		`${schema}; INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 300) g`,
	);
	await pair.target.client.query(
		`${schema}; INSERT INTO items SELECT g, 'old ' || g, g FROM generate_series(1, 100) g`,
	);
	proxy = await startFaultProxy(pair.target.endpoint);
	before = await databaseChecksums(pair.target.client, tables);
	sourceState = await databaseChecksums(pair.source.client, tables);
	expect(before).not.toEqual(sourceState);
});
afterEach(async () => {
	await proxy.close();
});

interface Run {
	code: number;
	stdout: string;
	stderr: string;
	json: {committed: boolean | null; error?: {code: string; message: string; hint?: string}};
}

/** `pgconvoy sync --json --yes` in-process, into the target through the proxy. */
async function sync(
	extra: {budgets?: Partial<CommitBudgets>; signal?: AbortSignal; stopWaiting?: AbortSignal} = {},
): Promise<Run> {
	let stdout = '';
	let stderr = '';
	const code = await runHeadlessSync(
		parseSyncFlags([
			'--from',
			pair.source.url,
			'--to',
			proxy.url(pair.target.endpoint),
			'--mode',
			'upsert',
			'--yes',
			'--json',
		]),
		{
			stdout: (text) => (stdout += text),
			stderr: (text) => (stderr += text),
			stdinIsTTY: false,
			env: {},
			cwd: '/nonexistent-dir-without-dotenv',
			signal: extra.signal,
			stopWaiting: extra.stopWaiting,
			commitBudgets: extra.budgets,
		},
	);
	return {code, stdout, stderr, json: JSON.parse(stdout)};
}

const targetNow = () => databaseChecksums(pair.target.client, tables);

/** What the server says of a transaction, once it no longer says "in progress". */
async function finalStatus(transactionId: string): Promise<string> {
	for (;;) {
		const status = (
			await pair.target.client.query<{status: string}>('SELECT txid_status($1::bigint) AS status', [transactionId])
		).rows[0]!.status;
		if (status !== 'in progress') return status;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** Long enough that a run which waited it out would fail the test's timeout: only the path under test ends it. */
const forever = 10 * 60_000;

describe('COMMIT whose message or reply goes astray', () => {
	test('reply lost: the server committed, the run says so and exits 0', async () => {
		const caught = proxy.arm({kind: 'drop-reply'});
		const run = await sync({budgets: {replyWaitMs: forever, settleMs: forever}});
		await caught;
		expect(run.code, run.stdout + run.stderr).toBe(0);
		expect(run.json.committed).toBe(true);
		expect(await targetNow()).toEqual(sourceState);
	});

	test('COMMIT lost: the server rolled back, the run says so and exits 5; the target is byte-identical', async () => {
		const caught = proxy.arm({kind: 'drop-commit'});
		const run = await sync({budgets: {replyWaitMs: forever, settleMs: forever}});
		await caught;
		expect(run.code, run.stdout + run.stderr).toBe(5);
		expect(run.json.committed).toBe(false);
		expect(run.json.error?.code).toBe('apply-failed');
		expect(run.json.error?.message).toMatch(/target confirms the transaction was rolled back: nothing was written/);
		expect(await targetNow()).toEqual(before);
	});

	test('COMMIT delivered after the reply wait: a definite answer that matches the target, never 5 for a commit', async () => {
		// Released when the run, done waiting for the reply, opens a connection to ask about the transaction.
		const caught = proxy.arm({kind: 'delay-commit', release: () => proxy.nextConnection()});
		const run = await sync({budgets: {replyWaitMs: 100, settleMs: 60_000}});
		await caught;
		expect([0, 5], run.stdout + run.stderr).toContain(run.code);
		if (run.code === 0) {
			expect(run.json.committed).toBe(true);
			expect(await targetNow()).toEqual(sourceState);
		} else {
			expect(run.json.committed).toBe(false);
			expect(await targetNow()).toEqual(before);
		}
	});

	test('silence after COMMIT reached the server: the run asks on a fresh connection and reports committed', async () => {
		const caught = proxy.arm({kind: 'silence', forwardCommit: true});
		const run = await sync({budgets: {replyWaitMs: 100, settleMs: forever}});
		await caught;
		expect(run.code, run.stdout + run.stderr).toBe(0);
		expect(run.json.committed).toBe(true);
		expect(await targetNow()).toEqual(sourceState);
	});

	test('silence before COMMIT reached the server: the run ends the stuck backend, reports rolled back, exits 5', async () => {
		const caught = proxy.arm({kind: 'silence', forwardCommit: false});
		// The backend is ended halfway through the settle budget; the other half is for the server to
		// confirm the rollback, which a loaded 2-core machine can take seconds to do.
		const run = await sync({budgets: {replyWaitMs: 100, settleMs: 20_000}});
		await caught;
		expect(run.code, run.stdout + run.stderr).toBe(5);
		expect(run.json.committed).toBe(false);
		expect(run.json.error?.message).toMatch(/rolled back/);
		expect(await targetNow()).toEqual(before);
	});

	test('silence and no way to ask: the run ends, exits 6 with "committed": null, and the target indeed had not decided', async () => {
		const caught = proxy.arm({kind: 'silence', forwardCommit: false, refuseNewConnections: true});
		const run = await sync({budgets: {replyWaitMs: 100, settleMs: 500}});
		await caught;
		expect(run.code, run.stdout + run.stderr).toBe(6);
		expect(run.json.committed).toBeNull();
		expect(run.json.error?.code).toBe('outcome-unknown');
		expect(run.json.error?.message).not.toMatch(/rolled back/);
		const transactionId = run.json.error?.hint?.match(/txid_status\((\d+)\)/)?.[1];
		expect(transactionId).toBeDefined();
		// Truly undecided: the COMMIT never arrived and the backend still holds the transaction open.
		const status = (await pair.target.client.query('SELECT txid_status($1::bigint) AS status', [transactionId])).rows[0]
			.status;
		expect(status).toBe('in progress');
		// The network comes back (the proxy closes): the server sees the client gone and rolls back.
		await proxy.close();
		expect(await finalStatus(transactionId!)).toBe('aborted');
		expect(await targetNow()).toEqual(before);
	});
});

describe('through PgBouncer (transaction mode)', () => {
	const pooler = poolerInfo();
	test.skipIf(!pooler)(
		'silence before COMMIT: the server backend holding the transaction (not the pooler) is ended, rolled back, exit 5',
		async () => {
			await proxy.close();
			proxy = await startFaultProxy(pooler!);
			const caught = proxy.arm({kind: 'silence', forwardCommit: false});
			const run = await sync({budgets: {replyWaitMs: 100, settleMs: 4000}});
			await caught;
			expect(run.code, run.stdout + run.stderr).toBe(5);
			expect(run.json.error?.message).toMatch(/target confirms the transaction was rolled back/);
			expect(await targetNow()).toEqual(before);
		},
	);

	test.skipIf(!pooler)('reply lost: settled as committed over a fresh pooled connection, exit 0', async () => {
		await proxy.close();
		proxy = await startFaultProxy(pooler!);
		const caught = proxy.arm({kind: 'drop-reply'});
		const run = await sync({budgets: {replyWaitMs: forever, settleMs: forever}});
		await caught;
		expect(run.code, run.stdout + run.stderr).toBe(0);
		expect(await targetNow()).toEqual(sourceState);
	});
});

describe('a refusal at the end of the transaction', () => {
	test('a deferred foreign key that fails is the server\'s refusal, named as such: exit 5, never "connection lost"', async () => {
		// The target's teams and players reference each other through deferrable keys the source lacks:
		// the source's team 7 names a captain no one has, which only the deferred check at the end can see.
		await pair.source.client.query(`CREATE TABLE teams (id int PRIMARY KEY, captain_id int); CREATE TABLE players (id int PRIMARY KEY, team_id int);
			INSERT INTO teams VALUES (7, 99); INSERT INTO players VALUES (10, 7)`);
		await pair.target.client.query(`CREATE TABLE teams (id int PRIMARY KEY, captain_id int); CREATE TABLE players (id int PRIMARY KEY, team_id int REFERENCES teams DEFERRABLE);
			ALTER TABLE teams ADD CONSTRAINT teams_captain_fkey FOREIGN KEY (captain_id) REFERENCES players DEFERRABLE`);
		const cycle = ['public.teams', 'public.players'];
		const cycleBefore = await databaseChecksums(pair.target.client, cycle);
		let stdout = '';
		const code = await runHeadlessSync(
			parseSyncFlags([
				'--from',
				pair.source.url,
				'--to',
				proxy.url(pair.target.endpoint),
				'--tables',
				'teams,players',
				'--yes',
				'--json',
			]),
			{
				stdout: (text) => (stdout += text),
				stderr: () => {},
				stdinIsTTY: false,
				env: {},
				cwd: '/nonexistent-dir-without-dotenv',
			},
		);
		const json = JSON.parse(stdout);
		expect(code, stdout).toBe(5);
		expect(json.committed).toBe(false);
		expect(json.error.message).toMatch(/Foreign key violation \(constraint teams_captain_fkey\)/);
		expect(json.error.message).not.toMatch(/reply|connection/i);
		expect(await databaseChecksums(pair.target.client, cycle)).toEqual(cycleBefore);
	});
});

describe('Ctrl-C during COMMIT', () => {
	test('after COMMIT reached the server: settled at once as committed, exit 0, and the run says Ctrl-C came too late', async () => {
		const abort = new AbortController();
		const caught = proxy.arm({kind: 'silence', forwardCommit: true});
		void caught.then(() => abort.abort());
		const run = await sync({budgets: {replyWaitMs: forever, settleMs: forever}, signal: abort.signal});
		expect(run.code, run.stdout + run.stderr).toBe(0);
		expect(run.json.committed).toBe(true);
		expect(run.stderr).toMatch(/Ctrl-C came after COMMIT was sent: the target confirms the sync committed/);
		expect(await targetNow()).toEqual(sourceState);
	});

	test('before COMMIT reached the server: the backend is ended, rolled back and told so, exit 130', async () => {
		const abort = new AbortController();
		const caught = proxy.arm({kind: 'silence', forwardCommit: false});
		void caught.then(() => abort.abort());
		const run = await sync({budgets: {replyWaitMs: forever, settleMs: forever}, signal: abort.signal});
		expect(run.code, run.stdout + run.stderr).toBe(130);
		expect(run.json.committed).toBe(false);
		expect(run.json.error?.message).toMatch(
			/Interrupted during COMMIT: the target confirms the transaction was rolled back/,
		);
		expect(await targetNow()).toEqual(before);
	});

	test('a second Ctrl-C while the target cannot be asked: exit 6, "committed": null, never "rolled back"', async () => {
		const abort = new AbortController();
		const stop = new AbortController();
		const caught = proxy.arm({kind: 'silence', forwardCommit: true, refuseNewConnections: true});
		void caught.then(() => {
			abort.abort();
			// The next attempt to ask is refused: the run is settling, and the user gives up waiting.
			void proxy.nextConnection().then(() => stop.abort());
		});
		const run = await sync({
			budgets: {replyWaitMs: forever, settleMs: forever},
			signal: abort.signal,
			stopWaiting: stop.signal,
		});
		expect(run.code, run.stdout + run.stderr).toBe(6);
		expect(run.json.committed).toBeNull();
		expect(run.json.error?.message).toMatch(/Stopped waiting for COMMIT's outcome/);
		expect(run.json.error?.message).not.toMatch(/rolled back/);
		// It had in fact committed: "unknown" was the truth as far as the run could tell, "rolled back" would have been a lie.
		expect(await targetNow()).toEqual(sourceState);
	});

	test('the built CLI: Ctrl-C during COMMIT says it cannot cancel, a second one stops waiting and exits 6', async () => {
		const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
		const caught = proxy.arm({kind: 'silence', forwardCommit: false, refuseNewConnections: true});
		const child = spawn(
			process.execPath,
			[
				cliPath,
				'sync',
				'--from',
				pair.source.url,
				'--to',
				proxy.url(pair.target.endpoint),
				'--mode',
				'upsert',
				'--yes',
			],
			{env: {PATH: process.env.PATH}, stdio: ['pipe', 'pipe', 'pipe']},
		);
		let stdout = '';
		let stderr = '';
		let secondSent = false;
		child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
			if (!secondSent && stderr.includes('cannot be cancelled')) {
				secondSent = true;
				child.kill('SIGINT');
			}
		});
		child.stdin!.end();
		const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
		await caught;
		child.kill('SIGINT');
		const code = await exited;
		expect(code, stdout + stderr).toBe(6);
		expect(stderr).toMatch(/COMMIT was already sent, so the sync cannot be cancelled/);
		expect(stderr).toMatch(/Stopped waiting for COMMIT's outcome: whether transaction \d+ committed is unknown/);
		expect(stdout + stderr).not.toMatch(/rolled back/);
		await proxy.close();
		expect(await targetNow()).toEqual(before);
	});
});
