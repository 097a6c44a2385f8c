/**
 * A private PgBouncer in transaction mode in front of one test cluster: the kind of pooler many
 * production databases are reached through. Its own temp dir holds the ini, the auth file and the log.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir, userInfo} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';
import {freePort} from '../../source/support/embedded-cluster.js';

export interface PoolerServer {
	host: string;
	port: number;
	user: string;
	password: string;
}

export interface PoolerOptions {
	/** Server connections per database/user pair; small, so a session state left behind is met again. */
	poolSize?: number;
}

export interface PgBouncer {
	readonly host: string;
	readonly port: number;
	readonly version: string;
	readonly logFile: string;
	log(): string;
	stop(): Promise<void>;
}

/** The pgbouncer binary (Debian puts it in /usr/sbin, often not on a non-root PATH), if installed. */
export function pgbouncerBinary(): string | undefined {
	for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'])
		if (existsSync(candidate)) return candidate;
	try {
		const found = execFileSync('sh', ['-c', 'command -v pgbouncer'], {encoding: 'utf8'}).trim();
		return found || undefined;
	} catch {
		return undefined;
	}
}

/** `PgBouncer 1.18.0` → `1.18.0`. */
function binaryVersion(binary: string): string {
	const text = execFileSync(binary, ['--version'], {encoding: 'utf8'});
	return /PgBouncer\s+(\S+)/.exec(text)?.[1] ?? text.split('\n')[0]!.trim();
}

/** PgBouncer refuses to run as root; as root it drops to the `postgres` OS user (the cluster's own). */
function runAsUser(): {name: string; uid: number; gid: number} | undefined {
	if (userInfo().uid !== 0) return undefined;
	const line = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((entry) => entry.startsWith('postgres:'));
	if (!line)
		throw new Error('PgBouncer will not run as root: it needs a `postgres` OS user to switch to (useradd postgres).');
	const [, , uid, gid] = line.split(':');
	return {name: 'postgres', uid: Number(uid), gid: Number(gid)};
}

const quoteAuth = (text: string) => `"${text.replaceAll('"', '""')}"`;

function writeConfig(dir: string, port: number, server: PoolerServer, options: PoolerOptions): string {
	const authFile = join(dir, 'userlist.txt');
	// Plain text here lets PgBouncer answer the client's SCRAM exchange and run its own with the server.
	writeFileSync(authFile, `${quoteAuth(server.user)} ${quoteAuth(server.password)}\n`, {mode: 0o600});
	const ini = join(dir, 'pgbouncer.ini');
	writeFileSync(
		ini,
		[
			'[databases]',
			// Any database name (every test makes fresh ones) goes to the same cluster, as the connecting user.
			`* = host=${server.host} port=${server.port}`,
			'',
			'[pgbouncer]',
			'listen_addr = 127.0.0.1',
			`listen_port = ${port}`,
			'unix_socket_dir =',
			'auth_type = scram-sha-256',
			`auth_file = ${authFile}`,
			'pool_mode = transaction',
			`default_pool_size = ${options.poolSize ?? 2}`,
			'min_pool_size = 0',
			'reserve_pool_size = 0',
			'max_client_conn = 200',
			// The admin console (database `pgbouncer`) lets tests read SHOW POOLS / SHOW SERVERS.
			`admin_users = ${server.user}`,
			// node-postgres sends only user, database and application_name (plus `options` if asked), so
			// ignore_startup_parameters stays empty: a client that needs `options` must fail here, as in production.
			'',
		].join('\n'),
		{mode: 0o600},
	);
	return ini;
}

/** Poolers not yet stopped, with their dirs: ended and removed if the test run exits without stopping them. */
const runningPoolers = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function track(child: ChildProcess, dir: string): void {
	runningPoolers.set(child, dir);
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const [pooler, poolerDir] of runningPoolers) {
			pooler.kill('SIGTERM');
			rmSync(poolerDir, {recursive: true, force: true});
		}
	});
}

function exited(child: ChildProcess): Promise<string> {
	return new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null)
			resolve(`exited with ${child.exitCode ?? child.signalCode}`);
		else child.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}`));
		child.once('error', (error) => resolve(`could not start: ${error.message}`));
	});
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ready once a real client gets through it to the server and back; fails as soon as the process ends. */
async function waitUntilServing(child: ChildProcess, port: number, server: PoolerServer): Promise<void> {
	let gone: string | undefined;
	void exited(child).then((why) => (gone = why));
	for (;;) {
		if (gone) throw new Error(`pgbouncer ${gone}`);
		const client = new pg.Client({
			host: '127.0.0.1',
			port,
			user: server.user,
			password: server.password,
			database: 'postgres',
		});
		client.on('error', () => {});
		try {
			await client.connect();
			await client.query('SELECT 1');
			await client.end();
			return;
		} catch (error) {
			await client.end().catch(() => {});
			// Not listening yet: try again. Anything else (auth, config) is an answer, and a wrong one.
			if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
			await pause(25);
		}
	}
}

/** Starts PgBouncer on a free loopback port in front of `server`; `stop()` ends it and removes its dir. */
export async function startPgBouncer(server: PoolerServer, options: PoolerOptions = {}): Promise<PgBouncer> {
	const binary = pgbouncerBinary();
	if (!binary) throw new Error('pgbouncer is not installed (Debian: apt-get install pgbouncer).');
	const version = binaryVersion(binary);
	const user = runAsUser();
	// The free port may be taken between probe and bind; a new port and a new try then.
	let lastFailure: unknown;
	for (let attempt = 0; attempt < 3; attempt++) {
		const dir = mkdtempSync(join(tmpdir(), 'pgconvoy-pgbouncer-'));
		const port = await freePort();
		const ini = writeConfig(dir, port, server, options);
		const logFile = join(dir, 'pgbouncer.log');
		const logFd = openSync(logFile, 'a', 0o644);
		if (user) for (const path of [dir, ini, join(dir, 'userlist.txt'), logFile]) chownSync(path, user.uid, user.gid);
		// Foreground (no -d) so the child is the server itself; its log (stderr) goes to the file.
		const child = spawn(binary, [...(user ? ['-u', user.name] : []), ini], {stdio: ['ignore', logFd, logFd]});
		closeSync(logFd);
		track(child, dir);
		const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
		const stop = async () => {
			if (child.exitCode === null && child.signalCode === null) {
				const done = exited(child);
				// SIGTERM is PgBouncer's immediate shutdown (SIGINT would wait for clients to leave).
				child.kill('SIGTERM');
				await done;
			}
			rmSync(dir, {recursive: true, force: true});
			runningPoolers.delete(child);
		};
		try {
			await waitUntilServing(child, port, server);
			return {host: '127.0.0.1', port, version, logFile, log, stop};
		} catch (error) {
			const text = log();
			lastFailure = new Error(`PgBouncer ${version} did not start: ${(error as Error).message}\n${text}`);
			await stop();
			if (!/Address already in use/i.test(text)) break;
		}
	}
	throw lastFailure;
}
