import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import pg from 'pg';
import {startCluster, type EmbeddedCluster} from '../support/embedded-cluster.js';
import {abortedWithin, ownInterrupts, unlessAborted} from '../support/interrupts.js';
import {schoolSchemaSql, targetTriggerSql} from '../sample/school-schema.js';
import {seedSchool} from '../sample/school-data.js';
import {divergeTarget} from '../sample/school-divergence.js';
import {openProfileStore} from '../core/profiles/store.js';
import {endpointUrl} from '../core/connection/url.js';
import {shellQuote} from '../present/command-line.js';
import {UserError} from '../core/errors.js';

export interface DemoIo {
	env: NodeJS.ProcessEnv;
	cwd: string;
	stdout: (text: string) => void;
	stderr: (text: string) => void;
	interactive: boolean;
}

const demoDatabase = 'systeme_intelligent';

async function loadSchool(cluster: EmbeddedCluster, role: 'local' | 'prod'): Promise<void> {
	await cluster.createDatabase(demoDatabase);
	const client = new pg.Client({connectionString: cluster.url(demoDatabase)});
	// Ctrl-C reaches the servers too (same process group): the loss surfaces on the running query, not as a crash.
	client.on('error', () => {});
	await client.connect();
	try {
		await client.query(schoolSchemaSql);
		// "local" is the developer's newer data; "prod" an older copy that drifted: fewer rows, some edited, a few of its own.
		await seedSchool(client, {seed: 2024});
		if (role === 'prod') {
			await divergeTarget(client, {seed: 7});
			await client.query(targetTriggerSql);
		}
		await client.query('ANALYZE');
	} finally {
		await client.end().catch(() => {});
	}
}

/** The built CLI next to this module: the command a newcomer can run as printed, without a global install. */
const cliPath = fileURLToPath(new URL('../cli.js', import.meta.url));

export function demoTryCommand(configDir: string): string {
	return `PGCONVOY_CONFIG_DIR=${shellQuote(configDir)} node ${shellQuote(cliPath)} sync --from demo-local --to demo-prod --mode upsert --dry-run`;
}

/** A pgpass line (libpq's format: `:` and `\` escaped in each field). */
function pgpassLine(cluster: Pick<EmbeddedCluster, 'host' | 'port' | 'user' | 'password'>, database: string): string {
	const field = (value: string) => value.replace(/[\\:]/g, '\\$&');
	return [cluster.host, String(cluster.port), database, cluster.user, cluster.password].map(field).join(':');
}

/**
 * What `demo --keep` prints: each server's URL without its password, and a password file both psql
 * and libpq read (PGPASSFILE, 0600, removed with the demo), so the URLs work as printed and the
 * password never appears on screen.
 */
export function demoKeepText(
	configDir: string,
	servers: Array<[label: string, cluster: Pick<EmbeddedCluster, 'host' | 'port' | 'user' | 'password'>]>,
): string {
	const passFile = join(configDir, 'pgpass');
	writeFileSync(passFile, servers.map(([, cluster]) => pgpassLine(cluster, demoDatabase) + '\n').join(''), {
		mode: 0o600,
		flag: 'wx',
	});
	const url = (cluster: Pick<EmbeddedCluster, 'host' | 'port' | 'user'>) =>
		endpointUrl({...cluster, database: demoDatabase, sslmode: 'disable'});
	const [first] = servers;
	return [
		'',
		'The demo servers keep running until you press Ctrl-C:',
		...servers.map(([label, cluster]) => `  ${label.padEnd(5)}  ${url(cluster)}`),
		`Their password is in ${passFile} (mode 0600, removed with the demo); psql reads it through PGPASSFILE:`,
		`  PGPASSFILE=${shellQuote(passFile)} psql ${shellQuote(url(first![1]))}`,
		'Try, in another terminal:',
		`  ${demoTryCommand(configDir)}`,
		'',
	].join('\n');
}

/**
 * `pgconvoy demo`: two throw-away PostgreSQL servers with the school sample, two temporary profiles
 * (demo-prod tagged production) and the wizard on them. Everything is removed on quit, and on
 * Ctrl-C, SIGTERM or a closed terminal at any point: the run then ends with 128 + the signal (130).
 */
export async function runDemo(args: string[], io: DemoIo): Promise<number> {
	const keep = args.includes('--keep');
	const unknown = args.filter((arg) => arg !== '--keep');
	if (unknown.length > 0) throw new UserError('usage', `Unknown demo option ${unknown[0]}.`, 'pgconvoy demo [--keep]');
	if (!io.interactive && !keep) {
		throw new UserError(
			'usage',
			'The demo opens the interactive wizard, which needs a terminal.',
			'Run it in a terminal, or use --keep to start the servers and print their URLs.',
		);
	}

	const interrupts = ownInterrupts();
	const {signal} = interrupts;
	// After a hang-up nobody reads the terminal, and writing to it may fail.
	const say = (text: string) => interrupts.received !== 'SIGHUP' && io.stderr(text);
	const configDir = mkdtempSync(join(tmpdir(), 'pgconvoy-demo-config-'));
	const clusters: EmbeddedCluster[] = [];
	// Idempotent: called on the first signal, again in `finally` for servers that finished starting after it.
	const stopServers = (immediate = false) =>
		Promise.all(clusters.map((cluster) => cluster.stop({immediate}).catch(() => {})));
	const removeProfiles = () => rmSync(configDir, {recursive: true, force: true});
	let phase = 'starting the servers';
	signal.addEventListener('abort', () => {
		say(`\nInterrupted while ${phase}: stopping the demo servers and removing their data…\n`);
		// The profiles go first: they hold the servers' password, and removing them is instant.
		removeProfiles();
		void stopServers();
	});
	interrupts.onRepeat(() => {
		say('Stopping the servers at once…\n');
		void stopServers(true);
	});

	let code = 0;
	try {
		say('Starting two embedded PostgreSQL servers ("local" and "prod")…\n');
		// Both settle before anything else: one may have started while the other failed or was interrupted.
		const started = await Promise.allSettled([startCluster(), startCluster()]);
		for (const result of started) if (result.status === 'fulfilled') clusters.push(result.value);
		signal.throwIfAborted();
		for (const result of started) if (result.status === 'rejected') throw result.reason;
		const [local, prod] = clusters as [EmbeddedCluster, EmbeddedCluster];

		phase = 'loading the sample data';
		say(`Loading the school sample into ${demoDatabase} on both…\n`);
		await unlessAborted(Promise.all([loadSchool(local, 'local'), loadSchool(prod, 'prod')]), signal);

		const env = {...io.env, PGCONVOY_CONFIG_DIR: configDir};
		const store = openProfileStore({env});
		const profile = (cluster: EmbeddedCluster, production: boolean) => ({
			host: cluster.host,
			port: cluster.port,
			database: demoDatabase,
			user: cluster.user,
			sslmode: 'disable' as const,
			production,
			passwordSource: {kind: 'stored' as const},
			password: cluster.password,
		});
		// Throw-away servers with a throw-away password: storing it (0600, temp dir) keeps the demo prompt-free.
		store.saveProfile('demo-local', profile(local, false), {savePassword: true});
		store.saveProfile('demo-prod', profile(prod, true), {savePassword: true});

		if (io.interactive) {
			phase = 'in the wizard';
			const {runWizard} = await import('./wizard.js');
			// Ctrl-C in the wizard is a key (raw mode): it returns 130 itself. A signal ends it from outside.
			code = await unlessAborted(runWizard({prefill: {from: 'demo-local', to: 'demo-prod'}, env, cwd: io.cwd}), signal);
		}
		if (keep && code === 0) {
			phase = 'keeping the servers running';
			io.stdout(
				demoKeepText(configDir, [
					['local', local],
					['prod', prod],
				]),
			);
			await unlessAborted(new Promise<never>(() => {}), signal);
		}
	} catch (error) {
		// The servers may have got the same Ctrl-C first and dropped the loading connection.
		if (!signal.aborted && connectionLost(error)) await abortedWithin(signal, 3000);
		if (!signal.aborted) throw error;
	} finally {
		if (!signal.aborted) say('Stopping the demo servers and removing their data…\n');
		removeProfiles();
		await stopServers();
		interrupts.release();
	}
	return interrupts.exitCode ?? code;
}

/** The server went away under a query: reset, terminated, or shut down by an administrator or a signal. */
function connectionLost(error: unknown): boolean {
	const failure = error as {code?: string; message?: string} | undefined;
	return (
		['ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03'].includes(failure?.code ?? '') ||
		/Connection terminated|ECONNRESET|server closed the connection/i.test(failure?.message ?? '')
	);
}
