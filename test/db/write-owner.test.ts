/**
 * The one owner of a write transaction (runWrite), proved once for every write that uses it: a sync,
 * an undo, a rehearsal and a retry (a second apply in the same session after a stopped one). Each
 * test drives the write through its own door, then checks what the target holds (checksums) and
 * that no pgconvoy session still holds a lock on it or a transaction open once a rollback is reported.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {startFaultProxy, type FaultProxy} from '../support/fault-proxy.js';
import type {Endpoint} from '../../source/core/connection/endpoint.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import {StopControl, type StopState} from '../../source/core/write/stop-control.js';
import {listJournals} from '../../source/core/journal/journal-store.js';
import {undoRun} from '../../source/core/journal/undo-run.js';
import type {JournalOptions} from '../../source/core/journal/journal-recorder.js';
import type {UserError} from '../../source/core/errors.js';

const tables = ['public.items'];
const pair = pairPerTest({
	schema: 'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)',
	source: "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g",
	// A switch the tests flip to make every write to items fail, as an application's trigger refuses one.
	target: `INSERT INTO items SELECT g, 'old ' || g FROM generate_series(1, 100) g;
		CREATE TABLE refuse_writes (reason text);
		CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF EXISTS (SELECT 1 FROM refuse_writes) THEN RAISE EXCEPTION 'items are frozen'; END IF;
			RETURN NULL;
		END $$;
		CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE OR DELETE ON items
			FOR EACH STATEMENT EXECUTE FUNCTION refuse_writes()`,
});

let configDirectory: string;
beforeEach(() => void (configDirectory = mkdtempSync(join(tmpdir(), 'pgconvoy-write-owner-'))));
const journal = (): JournalOptions => ({configDirectory, retention: 20, labels: {target: 'target'}});

let proxy: FaultProxy | undefined;
const holders: pg.Client[] = [];
afterEach(async () => {
	for (const holder of holders.splice(0)) await holder.end().catch(() => {});
	await proxy?.close();
	proxy = undefined;
	// Journals hold row data.
	rmSync(configDirectory, {recursive: true, force: true});
});

/** Short bounds, so a test that reaches them ends soon; every assertion waits on states, not on them. */
const writeOptions = {cancelWaitMs: 300, rollbackWaitMs: 1000, endWaitMs: 10_000};

interface WriteOptions {
	stop: StopControl;
	/** Where the write reaches the target (a fault proxy, in some tests). */
	target: Endpoint;
	lockTimeoutMs?: number;
	commitBudgets?: {replyWaitMs: number; settleMs: number};
}

/** One door into the write owner, and what the target holds before and once the write committed. */
interface Caller {
	/** Done before the write under test: the undo's sync. */
	prepare(): Promise<void>;
	write(options: WriteOptions): Promise<{committed: boolean}>;
	/** False for a rehearsal, which never commits. */
	commits: boolean;
}

async function applyUpsert(options: WriteOptions, extra: {rehearse?: boolean; journal?: JournalOptions} = {}) {
	const session = await SyncSession.open(pair.source.endpoint, options.target, {
		schemas: ['public'],
		allSchemas: false,
	});
	const plan = session.plan(
		{tables: ['items'], exclude: []},
		{...defaultSyncOptions, mode: 'upsert', lockTimeoutMs: options.lockTimeoutMs ?? 60_000},
	);
	return session.apply(plan, {stop: options.stop, commitBudgets: options.commitBudgets, writeOptions, ...extra});
}

const callers: Record<'sync' | 'undo' | 'rehearsal' | 'retry', Caller> = {
	sync: {prepare: async () => {}, write: (options) => applyUpsert(options), commits: true},
	rehearsal: {prepare: async () => {}, write: (options) => applyUpsert(options, {rehearse: true}), commits: false},
	retry: {
		prepare: async () => {},
		async write(options) {
			const session = await SyncSession.open(pair.source.endpoint, options.target, {
				schemas: ['public'],
				allSchemas: false,
			});
			const plan = session.plan(
				{tables: ['items'], exclude: []},
				{...defaultSyncOptions, mode: 'upsert', lockTimeoutMs: options.lockTimeoutMs ?? 60_000},
			);
			// The first attempt is stopped before it writes; the wizard's `r` then applies the same plan again.
			const first = new StopControl();
			first.cancelNow();
			await expect(session.apply(plan, {stop: first, writeOptions})).rejects.toMatchObject({exitCode: 130});
			return session.apply(plan, {stop: options.stop, commitBudgets: options.commitBudgets, writeOptions});
		},
		commits: true,
	},
	undo: {
		async prepare() {
			const synced = await applyUpsert({stop: new StopControl(), target: pair.target.endpoint}, {journal: journal()});
			expect(synced.committed).toBe(true);
		},
		async write(options) {
			const [entry] = listJournals(join(configDirectory, 'journal'));
			return undoRun({
				entry: entry!,
				target: options.target,
				dryRun: false,
				force: false,
				journal: journal(),
				stop: options.stop,
				lockTimeoutMs: options.lockTimeoutMs ?? 60_000,
				commitBudgets: options.commitBudgets,
				writeOptions,
			});
		},
		commits: true,
	},
};
const everyWrite = Object.keys(callers) as Array<keyof typeof callers>;
const committingWrites = everyWrite.filter((name) => callers[name].commits);

const targetNow = () => databaseChecksums(pair.target.client, tables);

/** The write's error, which it must end with. */
async function failure(write: Promise<unknown>): Promise<UserError> {
	const error = await write.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error, 'the write should have failed').toBeDefined();
	return error as UserError;
}

/** What pgconvoy still holds on the target: sessions inside a transaction, and locks on its tables. */
async function heldByPgconvoy(): Promise<{transactions: number; locks: number}> {
	const {rows} = await pair.target.client.query<{transactions: number; locks: number}>(
		`SELECT (SELECT count(*)::int FROM pg_stat_activity
		          WHERE application_name = 'pgconvoy' AND datname = current_database() AND xact_start IS NOT NULL) AS transactions,
		        (SELECT count(*)::int FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		          WHERE a.application_name = 'pgconvoy' AND l.locktype = 'relation' AND l.relation = 'items'::regclass) AS locks`,
	);
	return rows[0]!;
}

/** A session of "the application" holding a lock on items that every pgconvoy write waits for. */
async function holdItems(application = 'the application'): Promise<pg.Client> {
	const holder = new pg.Client({...pair.target.endpoint, application_name: application});
	holders.push(holder);
	await holder.connect();
	await holder.query('BEGIN; LOCK TABLE items IN SHARE MODE');
	return holder;
}

/** Resolves once a pgconvoy session waits for a lock on the target: the write is mid-statement. */
async function pgconvoyWaitingForLock(): Promise<number> {
	for (;;) {
		const {rows} = await pair.target.client.query<{pid: number}>(
			`SELECT pid FROM pg_stat_activity
			  WHERE application_name = 'pgconvoy' AND datname = current_database() AND wait_event_type = 'Lock'`,
		);
		if (rows[0]) return rows[0].pid;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** Resolves once the stop control reaches `phase`. */
function phaseReached(stop: StopControl, phase: StopState['phase']): Promise<void> {
	return new Promise((resolve) => {
		if (stop.current.phase === phase) return resolve();
		const off = stop.onChange((state) => {
			if (state.phase !== phase) return;
			off();
			resolve();
		});
	});
}

describe.for(everyWrite)('%s on the one write owner', (name) => {
	const caller = callers[name];

	test('a statement the target refuses: exit 5, the target unchanged, no lock or transaction left', async () => {
		await caller.prepare();
		const before = await targetNow();
		await pair.target.client.query(`INSERT INTO refuse_writes VALUES ('frozen')`);
		const error = await failure(caller.write({stop: new StopControl(), target: pair.target.endpoint}));
		expect(error.exitCode, error.message).toBe(5);
		expect(error.message).toMatch(/items are frozen/);
		expect(error.message).toMatch(/rolled back/);
		expect(await targetNow()).toEqual(before);
		expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
	});

	test('cancelled while it waits for a lock: exit 130, the target unchanged, no lock or transaction left', async () => {
		await caller.prepare();
		const before = await targetNow();
		const holder = await holdItems();
		const stop = new StopControl();
		const write = caller.write({stop, target: pair.target.endpoint});
		await pgconvoyWaitingForLock();
		stop.cancelNow();
		const error = await failure(write);
		expect(error.exitCode, error.message).toBe(130);
		expect(error.message).toMatch(/cancelled and rolled back; the target is unchanged/);
		expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
		await holder.query('ROLLBACK');
		expect(await targetNow()).toEqual(before);
	});

	test('a lock timeout names the session that holds the lock', async () => {
		await caller.prepare();
		const before = await targetNow();
		await holdItems('nightly-report');
		const error = await failure(
			caller.write({stop: new StopControl(), target: pair.target.endpoint, lockTimeoutMs: 200}),
		);
		expect(error.exitCode, error.message).toBe(5);
		expect(error.message).toMatch(/Timed out waiting for a lock: held by pid \d+ \([^,]+, nightly-report/);
		expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
		expect(await targetNow()).toEqual(before);
	});

	test('a cancel that never returns (the network went silent): the backend is ended before "rolled back" is said', async () => {
		await caller.prepare();
		const before = await targetNow();
		proxy = await startFaultProxy(pair.target.endpoint);
		const holder = await holdItems();
		const stop = new StopControl();
		const write = caller.write({stop, target: proxy.endpoint(pair.target.endpoint)});
		const pid = await pgconvoyWaitingForLock();
		// The cancel reaches the server on a fresh connection; its answer never reaches pgconvoy.
		proxy.silenceOpenConnections();
		stop.cancelNow();
		const error = await failure(write);
		expect(error.exitCode, error.message).toBe(130);
		expect(error.message).toMatch(/cancelled and rolled back/);
		// Said only once the transaction was over: nothing of it holds a lock any more.
		expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
		const alive = await pair.target.client.query(
			'SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND xact_start IS NOT NULL',
			[pid],
		);
		expect(alive.rowCount).toBe(0);
		await holder.query('ROLLBACK');
		expect(await targetNow()).toEqual(before);
	});
});

describe.for(committingWrites)('%s: nothing commits while a stop is asked about', (name) => {
	const caller = callers[name];

	test('a pending stop holds COMMIT until the answer; "continue" commits', async () => {
		await caller.prepare();
		const before = await targetNow();
		const stop = new StopControl();
		stop.interrupt();
		const write = caller.write({stop, target: pair.target.endpoint});
		await phaseReached(stop, 'awaiting-answer');
		// Every statement ran, and none of it is visible: the transaction waits, open, for the answer.
		expect(await targetNow()).toEqual(before);
		expect((await heldByPgconvoy()).transactions).toBeGreaterThan(0);
		stop.answer('continue');
		expect((await write).committed).toBe(true);
		expect(await targetNow()).not.toEqual(before);
		expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
	});

	test('a pending stop answered "stop": exit 130, the target unchanged', async () => {
		await caller.prepare();
		const before = await targetNow();
		const stop = new StopControl();
		stop.interrupt();
		const write = caller.write({stop, target: pair.target.endpoint});
		await phaseReached(stop, 'awaiting-answer');
		stop.answer('stop');
		const error = await failure(write);
		expect(error.exitCode, error.message).toBe(130);
		expect(await targetNow()).toEqual(before);
		expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
	});

	test('a stop during a COMMIT the target then rolls back: exit 130 and "rolled back", for every write', async () => {
		await caller.prepare();
		const before = await targetNow();
		proxy = await startFaultProxy(pair.target.endpoint);
		const stop = new StopControl();
		const caught = proxy.arm({kind: 'silence', forwardCommit: false});
		void caught.then(() => stop.cancelNow());
		const error = await failure(
			caller.write({
				stop,
				target: proxy.endpoint(pair.target.endpoint),
				commitBudgets: {replyWaitMs: 10 * 60_000, settleMs: 10 * 60_000},
			}),
		);
		expect(error.exitCode, error.message).toBe(130);
		expect(error.message).toMatch(/Interrupted during COMMIT: the target confirms the transaction was rolled back/);
		expect(await targetNow()).toEqual(before);
		expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
	});
});

test('a rehearsal is not held by a pending stop: it keeps nothing either way', async () => {
	const before = await targetNow();
	const stop = new StopControl();
	stop.interrupt();
	const result = await callers.rehearsal.write({stop, target: pair.target.endpoint});
	expect(result.committed).toBe(false);
	expect(await targetNow()).toEqual(before);
	expect(await heldByPgconvoy()).toEqual({transactions: 0, locks: 0});
});
