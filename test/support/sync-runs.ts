/**
 * Running syncs from tests: through the engine (SyncSession) to compare preview and apply counts, or
 * through the headless command (runHeadlessSync) for exit codes and what a user reads. Also the
 * cluster-wide roles the least-privilege tests connect as.
 */
import pg from 'pg';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, expect, inject} from 'vitest';
import type {Endpoint} from '../../source/core/connection/endpoint.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncOptions, SyncPlan} from '../../source/core/plan/types.js';
import type {PreviewResult, SyncResult} from '../../source/core/events.js';
import {parseSyncFlags} from '../../source/commands/sync-flags.js';
import {runHeadlessSync} from '../../source/commands/sync.js';
import {admin, type TestDatabase} from './databases.js';
import type {ClusterInfo} from './global-setup.js';
import {quoteIdent} from './oracle.js';

/**
 * The config directory every in-process command of this test file uses (profiles, undo journals):
 * a fresh one per test process, never the user's own.
 */
export const testConfigDirectory = mkdtempSync(join(tmpdir(), 'pgconvoy-test-config-'));
// Journals hold row data: gone with the test file that made them.
afterAll(() => rmSync(testConfigDirectory, {recursive: true, force: true}));

/** Runs `pgconvoy sync <args>` in-process and captures what a user would see. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
	let stdout = '';
	let stderr = '';
	let code: number;
	try {
		code = await runHeadlessSync(parseSyncFlags(args), {
			stdout: (text) => (stdout += text),
			stderr: (text) => (stderr += text),
			stdinIsTTY: false,
			env: {PGCONVOY_CONFIG_DIR: testConfigDirectory, ...env},
			cwd: '/nonexistent-dir-without-dotenv',
		});
	} catch (error) {
		// parseSyncFlags throws usage errors itself; cli.tsx turns them into exit codes the same way.
		const failure = error as {exitCode?: number; message?: string; hint?: string};
		if (failure.exitCode === undefined) throw error;
		code = failure.exitCode;
		stderr += `✗ ${failure.message}\n${failure.hint ? `  → ${failure.hint}\n` : ''}`;
	}
	return {code, stdout, stderr, output: stdout + stderr};
}

export interface SyncRunOptions extends Partial<SyncOptions> {
	tables?: string[];
	schemas?: string[];
}

export interface SyncRun {
	plan: SyncPlan;
	preview: PreviewResult;
	result: SyncResult;
}

/** Plan, preview, then apply (without the drift check, so a preview/apply mismatch shows as numbers). */
export async function syncOnce(source: Endpoint, target: Endpoint, options: SyncRunOptions = {}): Promise<SyncRun> {
	const {tables = [], schemas = ['public'], ...syncOptions} = options;
	const session = await SyncSession.open(source, target, {schemas, allSchemas: false});
	try {
		const plan = session.plan({tables, exclude: []}, {...defaultSyncOptions, maxDeleteRatio: 1, ...syncOptions});
		const preview = await session.preview(plan);
		const result = await session.apply(plan);
		return {plan, preview, result};
	} finally {
		await session.close();
	}
}

/** Only the dry run: plan and preview. */
export async function previewOnce(
	source: Endpoint,
	target: Endpoint,
	options: SyncRunOptions = {},
): Promise<{plan: SyncPlan; preview: PreviewResult}> {
	const {tables = [], schemas = ['public'], ...syncOptions} = options;
	const session = await SyncSession.open(source, target, {schemas, allSchemas: false});
	try {
		const plan = session.plan({tables, exclude: []}, {...defaultSyncOptions, maxDeleteRatio: 1, ...syncOptions});
		return {plan, preview: await session.preview(plan)};
	} finally {
		await session.close();
	}
}

export interface Counts {
	insert: number;
	update: number;
	delete: number;
}

export const previewCounts = (preview: PreviewResult): Record<string, Counts> =>
	Object.fromEntries(
		preview.tables.map((table) => [table.table, {insert: table.insert, update: table.update, delete: table.delete}]),
	);

export const appliedCounts = (result: SyncResult): Record<string, Counts> =>
	Object.fromEntries(
		result.tables.map((table) => [table.table, {insert: table.inserted, update: table.updated, delete: table.deleted}]),
	);

/**
 * One sync that must work: no blocking finding, committed, applied counts = previewed counts = `expected`
 * (per table, for the tables given), and an immediate second run previews and writes nothing.
 */
export async function syncExactly(
	source: Endpoint,
	target: Endpoint,
	options: SyncRunOptions,
	expected: Record<string, Counts>,
): Promise<SyncRun> {
	const run = await syncOnce(source, target, options);
	expect(
		run.plan.findings.filter((finding) => finding.severity === 'blocking'),
		'blocking findings',
	).toEqual([]);
	expect(run.result.committed).toBe(true);
	const previewed = previewCounts(run.preview);
	const applied = appliedCounts(run.result);
	for (const [table, counts] of Object.entries(expected)) {
		expect({table, ...previewed[table]}, 'previewed').toEqual({table, ...counts});
		expect({table, ...applied[table]}, 'applied').toEqual({table, ...counts});
	}
	expect(applied, 'applied = previewed for every table').toEqual(previewed);
	const again = await syncOnce(source, target, options);
	for (const table of again.preview.tables)
		expect([table.table, table.insert, table.update, table.delete], 'second run previews nothing').toEqual([
			table.table,
			0,
			0,
			0,
		]);
	for (const table of again.result.tables)
		expect([table.table, table.inserted, table.updated, table.deleted], 'second run writes nothing').toEqual([
			table.table,
			0,
			0,
			0,
		]);
	return run;
}

/** Rows of `sql` (run on both sides with the same pinned formatting) as plain objects. */
export async function rowsOf(client: pg.Client, sql: string): Promise<Record<string, unknown>[]> {
	await client.query(
		`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3`,
	);
	return (await client.query(sql)).rows;
}

/** A LOGIN role on the cluster with a password; roles are cluster-wide, so each test drops its own. */
export interface TestRole {
	name: string;
	password: string;
	endpoint(db: TestDatabase): Endpoint;
	url(db: TestDatabase): string;
	/** Revokes what it holds in each database (still existing), then drops the role. */
	drop(databases: TestDatabase[]): Promise<void>;
}

export async function createRole(prefix: string, cluster: ClusterInfo = inject('pg18')): Promise<TestRole> {
	const name = `${prefix}_${randomBytes(4).toString('hex')}`;
	const password = `pw-${randomBytes(6).toString('hex')}`;
	await admin(cluster, (client) =>
		client.query(
			`CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '${password}'`,
		),
	);
	return {
		name,
		password,
		endpoint: (db) => ({...db.endpoint, user: name, password, origin: `test role ${name}`}),
		url: (db) =>
			`postgresql://${encodeURIComponent(name)}:${encodeURIComponent(password)}@${db.endpoint.host}:${db.endpoint.port}/${encodeURIComponent(db.name)}?sslmode=disable`,
		async drop(databases) {
			for (const db of databases) await db.client.query(`DROP OWNED BY ${quoteIdent(name)}`).catch(() => {});
			await admin(cluster, (client) => client.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`));
		},
	};
}

/**
 * The grants a production application role gets, and nothing else: CONNECT and TEMP on the database
 * (taken away from PUBLIC first), USAGE on the schemas, SELECT/INSERT/UPDATE/DELETE on their tables,
 * USAGE/UPDATE on their sequences (`sequencePrivileges` narrows that).
 */
export async function grantApplicationRole(
	db: TestDatabase,
	role: string,
	options: {schemas?: string[]; sequencePrivileges?: string; tablePrivileges?: string} = {},
): Promise<void> {
	const who = quoteIdent(role);
	const statements = [
		`REVOKE ALL ON DATABASE ${quoteIdent(db.name)} FROM PUBLIC`,
		`GRANT CONNECT, TEMP ON DATABASE ${quoteIdent(db.name)} TO ${who}`,
	];
	for (const schema of options.schemas ?? ['public']) {
		statements.push(
			`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${who}`,
			`GRANT ${options.tablePrivileges ?? 'SELECT, INSERT, UPDATE, DELETE'} ON ALL TABLES IN SCHEMA ${quoteIdent(schema)} TO ${who}`,
			`GRANT ${options.sequencePrivileges ?? 'USAGE, UPDATE'} ON ALL SEQUENCES IN SCHEMA ${quoteIdent(schema)} TO ${who}`,
		);
	}
	await db.client.query(statements.join(';\n'));
}

/** Runs `pgconvoy history|undo <args>` in-process, with the same config directory as `cli`. */
export async function journalCli(command: 'history' | 'undo', args: string[], env: NodeJS.ProcessEnv = {}) {
	const {runHistory, runUndo} = await import('../../source/commands/journal-commands.js');
	let stdout = '';
	let stderr = '';
	const io = {
		stdout: (text: string) => (stdout += text),
		stderr: (text: string) => (stderr += text),
		stdinIsTTY: false,
		env: {PGCONVOY_CONFIG_DIR: testConfigDirectory, ...env},
		cwd: '/nonexistent-dir-without-dotenv',
	};
	let code: number;
	try {
		code = await (command === 'history' ? runHistory(args, io) : runUndo(args, io));
	} catch (error) {
		const failure = error as {exitCode?: number; message?: string};
		if (failure.exitCode === undefined) throw error;
		code = failure.exitCode;
		stderr += `✗ ${failure.message}\n`;
	}
	return {code, stdout, stderr, output: stdout + stderr};
}
