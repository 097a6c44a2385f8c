/**
 * Issue 11: a process killed between its journal's write and COMMIT's outcome leaves the journal
 * pending; the next command against that target settles it from the transaction id. The built CLI
 * syncs through a fault proxy that catches COMMIT (forwarded or not, or held), and is SIGKILLed right
 * there: deterministic, with no sleeps. Each case checks the target's contents, the journal files on
 * disk, and what `pgconvoy history --to <target> --json` settled.
 */
import {databaseIdentity} from '../../source/core/connection/database-identity.js';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import type pg from 'pg';
import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {admin, clusterInfo, freshDatabase, type TestDatabase, pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {startFaultProxy, type FaultProxy} from '../support/fault-proxy.js';
import {cliPath, runBuiltCli} from '../support/built-cli.js';
import {settlePendingJournals} from '../../source/core/journal/settle-journals.js';

const tables = ['public.items'];
const cluster = clusterInfo()!;
const pair = pairPerTest();
let proxy: FaultProxy;
let configDir: string;
let journalDir: string;
/** A login of its own, with a password nothing else in a journal could contain by chance. */
let role: {user: string; password: string};
let before: Record<string, string>;
let sourceState: Record<string, string>;

beforeEach(async () => {
	role = {user: `journal_${randomBytes(4).toString('hex')}`, password: `pw-${randomBytes(12).toString('hex')}`};
	// Superuser: the database identity journals are matched by comes from pg_control_system().
	await admin(cluster, (client) =>
		client.query(`CREATE ROLE "${role.user}" LOGIN SUPERUSER PASSWORD '${role.password}'`),
	);
	const schema = `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2))`;
	await pair.source.client.query(
		`${schema}; INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 300) g`,
	);
	await pair.target.client.query(
		`${schema}; INSERT INTO items SELECT g, 'old ' || g, g FROM generate_series(1, 100) g`,
	);
	proxy = await startFaultProxy(pair.target.endpoint);
	configDir = mkdtempSync(join(tmpdir(), 'pgconvoy-journal-settle-'));
	journalDir = join(configDir, 'journal');
	before = await databaseChecksums(pair.target.client, tables);
	sourceState = await databaseChecksums(pair.source.client, tables);
	expect(before).not.toEqual(sourceState);
});
afterEach(async () => {
	await proxy.close();
	await admin(cluster, (client) => client.query(`DROP ROLE IF EXISTS "${role.user}"`));
	rmSync(configDir, {recursive: true, force: true});
});

/** The database as `role` reaches it directly. */
const directUrl = (db: TestDatabase) =>
	`postgresql://${role.user}:${role.password}@${cluster.host}:${cluster.port}/${encodeURIComponent(db.name)}?sslmode=disable`;
const proxiedUrl = () => proxy.url({...pair.target.endpoint, ...role});
const targetNow = () => databaseChecksums(pair.target.client, tables);

interface Killable {
	child: ChildProcess;
	exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	stdout(): string;
	output(): string;
}

/** `pgconvoy sync --yes --json` (the built CLI) into the target through the proxy, journaling into configDir. */
function startSync(): Killable {
	const args = ['sync', '--from', directUrl(pair.source), '--to', proxiedUrl(), '--mode', 'upsert', '--yes', '--json'];
	const child = spawn(process.execPath, [cliPath, ...args], {
		cwd: configDir,
		env: {PATH: process.env.PATH, PGCONVOY_CONFIG_DIR: configDir},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
		output += chunk.toString();
	});
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stdin!.end();
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
		child.on('exit', (code, signal) => resolve({code, signal})),
	);
	return {child, exited, stdout: () => stdout, output: () => output};
}

/** Waits until the proxy caught the run's COMMIT; a run that ended first fails the test with what it said. */
async function commitCaught(run: Killable, caught: Promise<void>): Promise<void> {
	const ended = await Promise.race([caught.then(() => undefined), run.exited]);
	if (ended)
		throw new Error(
			`The sync ended (${ended.code ?? ended.signal}) before the proxy caught its COMMIT:\n${run.output()}`,
		);
}

async function kill(run: Killable): Promise<void> {
	run.child.kill('SIGKILL');
	expect((await run.exited).signal).toBe('SIGKILL');
}

const journalFiles = () => (existsSync(journalDir) ? readdirSync(journalDir).sort() : []);

interface PendingJournal {
	id: string;
	transactionId: string;
	file: string;
	bytes: Buffer;
}

/**
 * The run's one journal, `<id>.pending`, as the run left it: complete (its header, then a gzip body
 * that decompresses to the end), 0600 in a 0700 directory, and without the password anywhere, raw or decompressed.
 */
function thePendingJournal(): PendingJournal {
	const names = journalFiles();
	expect(names, 'one journal, pending, and nothing else (no leftover body file)').toHaveLength(1);
	expect(names[0]).toMatch(/\.pending$/);
	const file = join(journalDir, names[0]!);
	expect(statSync(file).mode & 0o777).toBe(0o600);
	expect(statSync(journalDir).mode & 0o777).toBe(0o700);
	const bytes = readFileSync(file);
	const newline = bytes.indexOf(10);
	const header = bytes.subarray(0, newline).toString('utf8');
	expect(header.startsWith('pgconvoy-journal 1 ')).toBe(true);
	const run = JSON.parse(header.slice('pgconvoy-journal 1 '.length)) as {
		id: string;
		transactionId: string;
		tables: Array<{id: string; inserted: number; updated: number}>;
	};
	expect(names[0]).toBe(`${run.id}.pending`);
	expect(run.tables).toEqual([expect.objectContaining({id: 'public.items', inserted: 200, updated: 100})]);
	const body = gunzipSync(bytes.subarray(newline + 1));
	expect(body.length).toBeGreaterThan(0);
	for (const where of [bytes, body])
		expect(where.includes(Buffer.from(role.password)), 'no password in the journal').toBe(false);
	return {id: run.id, transactionId: run.transactionId, file, bytes};
}

/** What the server says of a transaction, once it no longer says "in progress". */
async function finalStatus(transactionId: string): Promise<string> {
	for (;;) {
		const {status} = (
			await pair.target.client.query<{status: string}>('SELECT txid_status($1::bigint) AS status', [transactionId])
		).rows[0]!;
		if (status !== 'in progress') return status;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** Waits until no pgconvoy session is connected to the target any more (the killed run's backend has ended). */
async function targetSessionsGone(): Promise<void> {
	for (;;) {
		const {count} = (
			await pair.target.client.query<{count: number}>(
				"SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgconvoy'",
			)
		).rows[0]!;
		if (count === 0) return;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

interface History {
	settled: {committed: string[]; discarded: string[]; pending: string[]};
	runs: Array<{
		id: string;
		state: string;
		undoable: boolean;
		totals: {inserted: number; updated: number; deleted: number};
	}>;
}

async function history(db: TestDatabase = pair.target): Promise<History> {
	const run = await runBuiltCli(['history', '--to', directUrl(db), '--json'], {PGCONVOY_CONFIG_DIR: configDir});
	expect(run.code, run.stdout + run.stderr).toBe(0);
	expect(run.stdout + run.stderr).not.toContain(role.password);
	return JSON.parse(run.stdout) as History;
}

describe("a sync killed between its journal and COMMIT's outcome", {timeout: 120_000}, () => {
	test('COMMIT reached the server: the next history settles the journal as committed, and undo takes the run back', async () => {
		const caught = proxy.arm({kind: 'silence', forwardCommit: true, refuseNewConnections: true});
		const run = startSync();
		await commitCaught(run, caught);
		// The journal is sealed before COMMIT is sent, so it is on disk by the time the proxy holds COMMIT.
		const pending = thePendingJournal();
		await kill(run);
		// The server got COMMIT before the process died: the rows are there, and nobody renamed the journal.
		expect(await finalStatus(pending.transactionId)).toBe('committed');
		expect(await targetNow()).toEqual(sourceState);
		expect(journalFiles()).toEqual([`${pending.id}.pending`]);

		const settled = await history();
		expect(settled.settled).toEqual({committed: [pending.id], discarded: [], pending: []});
		expect(settled.runs).toEqual([
			expect.objectContaining({
				id: pending.id,
				state: 'committed',
				undoable: true,
				totals: {inserted: 200, updated: 100, deleted: 0},
			}),
		]);
		expect(journalFiles()).toEqual([`${pending.id}.journal`]);
		const journal = join(journalDir, `${pending.id}.journal`);
		expect(statSync(journal).mode & 0o777).toBe(0o600);
		expect(readFileSync(journal).equals(pending.bytes), 'settling renames the file, its bytes unchanged').toBe(true);

		// Settled once: the next history has nothing left to settle.
		expect((await history()).settled).toEqual({committed: [], discarded: [], pending: []});

		const undo = await runBuiltCli(['undo', pending.id, '--to', directUrl(pair.target), '--yes', '--json'], {
			PGCONVOY_CONFIG_DIR: configDir,
		});
		expect(undo.code, undo.stdout + undo.stderr).toBe(0);
		expect(await targetNow()).toEqual(before);
		expect((await history()).runs.find((listed) => listed.id === pending.id)).toMatchObject({
			state: 'committed',
			undoable: false,
		});
	});

	test("COMMIT never reached the server: while the dead run's session lingers the journal stays pending; once it ends, history discards it", async () => {
		const caught = proxy.arm({kind: 'silence', forwardCommit: false, refuseNewConnections: true});
		const run = startSync();
		await commitCaught(run, caught);
		const pending = thePendingJournal();
		await kill(run);

		// The proxy still holds the dead run's connection open: its transaction is undecided, and history says so.
		const undecided = await history();
		expect(undecided.settled).toEqual({committed: [], discarded: [], pending: [pending.id]});
		expect(undecided.runs).toEqual([expect.objectContaining({id: pending.id, state: 'pending', undoable: false})]);
		expect(journalFiles()).toEqual([`${pending.id}.pending`]);
		expect(await targetNow()).toEqual(before);

		// The network comes back: the server sees the client gone and rolls the transaction back.
		await proxy.close();
		await targetSessionsGone();

		const settled = await history();
		expect(settled.settled).toEqual({committed: [], discarded: [pending.id], pending: []});
		expect(settled.runs).toEqual([]);
		expect(journalFiles(), 'the discarded journal is removed').toEqual([]);
		expect(await targetNow()).toEqual(before);
		const undo = await runBuiltCli(['undo', pending.id, '--to', directUrl(pair.target), '--yes', '--json'], {
			PGCONVOY_CONFIG_DIR: configDir,
		});
		expect(undo.code).not.toBe(0);
		expect(JSON.parse(undo.stdout).error.message).toMatch(`No journaled run ${pending.id}`);
	});

	test('COMMIT still on its way when history runs: pending then; once it arrives, the next history settles it as committed', async () => {
		let release!: () => void;
		const released = new Promise<void>((resolve) => (release = resolve));
		// Held at the proxy, and delivered even though its sender is dead by then: a COMMIT already on the wire.
		const caught = proxy.arm({kind: 'delay-commit', release: () => released, outliveClient: true});
		const run = startSync();
		await commitCaught(run, caught);
		const pending = thePendingJournal();
		await kill(run);

		const inFlight = await history();
		expect(inFlight.settled).toEqual({committed: [], discarded: [], pending: [pending.id]});
		expect(inFlight.runs).toEqual([expect.objectContaining({id: pending.id, state: 'pending', undoable: false})]);
		expect(journalFiles()).toEqual([`${pending.id}.pending`]);
		expect(await targetNow()).toEqual(before);

		release();
		expect(await finalStatus(pending.transactionId)).toBe('committed');
		expect(await targetNow()).toEqual(sourceState);

		const settled = await history();
		expect(settled.settled).toEqual({committed: [pending.id], discarded: [], pending: []});
		expect(settled.runs).toEqual([expect.objectContaining({id: pending.id, state: 'committed', undoable: true})]);
		expect(journalFiles()).toEqual([`${pending.id}.journal`]);
	});

	test('a live run whose COMMIT is held: history leaves its journal pending, and the run itself marks it committed once the reply comes', async () => {
		let release!: () => void;
		const released = new Promise<void>((resolve) => (release = resolve));
		const caught = proxy.arm({kind: 'delay-commit', release: () => released});
		const run = startSync();
		await commitCaught(run, caught);
		const pending = thePendingJournal();

		expect((await history()).settled).toEqual({committed: [], discarded: [], pending: [pending.id]});
		expect(journalFiles()).toEqual([`${pending.id}.pending`]);

		release();
		const {code} = await run.exited;
		expect(code, run.output()).toBe(0);
		expect(JSON.parse(run.stdout())).toMatchObject({committed: true, journal: {id: pending.id}});
		expect(await targetNow()).toEqual(sourceState);
		expect(journalFiles()).toEqual([`${pending.id}.journal`]);
		const after = await history();
		expect(after.settled).toEqual({committed: [], discarded: [], pending: []});
		expect(after.runs).toEqual([expect.objectContaining({id: pending.id, state: 'committed', undoable: true})]);
	});

	test("another target's pending journal is left alone, even though its transaction is decided", async () => {
		const caught = proxy.arm({kind: 'silence', forwardCommit: true, refuseNewConnections: true});
		const run = startSync();
		await commitCaught(run, caught);
		const pending = thePendingJournal();
		await kill(run);
		// Decided (txid_status is cluster-wide, so only the journal's target identity keeps it out of reach).
		expect(await finalStatus(pending.transactionId)).toBe('committed');

		// Same server, another database: the source.
		const other = await history(pair.source);
		expect(other.settled).toEqual({committed: [], discarded: [], pending: []});
		expect(other.runs).toEqual([]);
		expect(journalFiles()).toEqual([`${pending.id}.pending`]);
		expect(readFileSync(pending.file).equals(pending.bytes)).toBe(true);

		// And another database on another server, whose transaction ids mean something else entirely.
		const elsewhere = clusterInfo('15');
		if (elsewhere) {
			const stranger = await freshDatabase('stranger', elsewhere);
			try {
				await admin(elsewhere, (client) =>
					client.query(`CREATE ROLE "${role.user}" LOGIN SUPERUSER PASSWORD '${role.password}'`),
				);
				const url = `postgresql://${role.user}:${role.password}@${elsewhere.host}:${elsewhere.port}/${encodeURIComponent(stranger.name)}?sslmode=disable`;
				const listed = await runBuiltCli(['history', '--to', url, '--json'], {PGCONVOY_CONFIG_DIR: configDir});
				expect(listed.code, listed.stdout + listed.stderr).toBe(0);
				expect(JSON.parse(listed.stdout).settled).toEqual({committed: [], discarded: [], pending: []});
				expect(journalFiles()).toEqual([`${pending.id}.pending`]);
			} finally {
				await stranger.drop();
				await admin(elsewhere, (client) => client.query(`DROP ROLE IF EXISTS "${role.user}"`));
			}
		}

		// Its own target settles it.
		expect((await history()).settled).toEqual({committed: [pending.id], discarded: [], pending: []});
		expect(journalFiles()).toEqual([`${pending.id}.journal`]);
	});
});

/** The target's identity as journals record it: `<system identifier>/<database>`. */
async function targetIdentity(): Promise<string> {
	return databaseIdentity(pair.target.client);
}

/** A pending journal of this target's transaction `transactionId`: its first line is all that settling reads. */
function writePendingJournal(transactionId: string, identity: string): string {
	mkdirSync(journalDir, {recursive: true, mode: 0o700});
	const id = `20261130-000000.000-${randomBytes(2).toString('hex')}`;
	const run = {
		id,
		startedAt: new Date().toISOString(),
		kind: 'sync',
		mode: 'upsert',
		target: 'crafted',
		targetIdentity: identity,
		transactionId,
		tables: [],
		rowsDigest: '',
	};
	writeFileSync(join(journalDir, `${id}.pending`), `pgconvoy-journal 1 ${JSON.stringify(run)}\n`, {mode: 0o600});
	return id;
}

/** A transaction of the target that committed: txid_current() in a statement of its own. */
async function committedTransaction(): Promise<bigint> {
	return BigInt((await pair.target.client.query<{xid: string}>('SELECT txid_current()::text AS xid')).rows[0]!.xid);
}

describe('settling, the odd cases', () => {
	test('a transaction id the server has not reached (a database restored from an older backup): left pending, and history still works', async () => {
		const id = writePendingJournal(String((await committedTransaction()) + 1_000_000n), await targetIdentity());
		const listed = await history();
		expect(listed.settled).toEqual({committed: [], discarded: [], pending: [id]});
		expect(listed.runs).toEqual([expect.objectContaining({id, state: 'pending', undoable: false})]);
		expect(journalFiles()).toEqual([`${id}.pending`]);
	});

	test('settled by another command meanwhile (two histories at once): found committed, not an error', async () => {
		const identity = await targetIdentity();
		const id = writePendingJournal(String(await committedTransaction()), identity);
		// The other command renames the journal just after this one asked the server about it.
		const racing = {
			query: async (text: string, values?: unknown[]) => {
				const result = await pair.target.client.query(text, values);
				renameSync(join(journalDir, `${id}.pending`), join(journalDir, `${id}.journal`));
				return result;
			},
		} as unknown as pg.ClientBase;
		expect(await settlePendingJournals(journalDir, racing, identity)).toEqual({
			committed: [id],
			discarded: [],
			pending: [],
		});
		expect(journalFiles()).toEqual([`${id}.journal`]);
	});
});
