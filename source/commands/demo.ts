import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';
import {startCluster, type EmbeddedCluster} from '../support/embedded-cluster.js';
import {schoolSchemaSql, targetTriggerSql} from '../sample/school-schema.js';
import {seedSchool} from '../sample/school-data.js';
import {divergeTarget} from '../sample/school-divergence.js';
import {openProfileStore} from '../core/profiles/store.js';
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
		await client.end();
	}
}

/**
 * `pgconvoy demo`: two throw-away PostgreSQL servers with the school sample, two temporary profiles
 * (demo-prod tagged production) and the wizard on them. Everything is removed on quit.
 */
export async function runDemo(args: string[], io: DemoIo): Promise<number> {
	const keep = args.includes('--keep');
	const unknown = args.filter((arg) => arg !== '--keep');
	if (unknown.length > 0) throw new UserError('usage', `Unknown demo option ${unknown[0]}.`, 'pgconvoy demo [--keep]');
	if (!io.interactive && !keep) {
		throw new UserError('usage', 'The demo opens the interactive wizard, which needs a terminal.', 'Run it in a terminal, or use --keep to start the servers and print their URLs.');
	}

	const configDir = mkdtempSync(join(tmpdir(), 'pgconvoy-demo-config-'));
	const clusters: EmbeddedCluster[] = [];
	const cleanUp = async () => {
		// The profiles go first: a second Ctrl-C may end the process while the servers stop.
		rmSync(configDir, {recursive: true, force: true});
		await Promise.all(clusters.map((cluster) => cluster.stop().catch(() => {})));
	};
	try {
		io.stderr('Starting two embedded PostgreSQL servers ("local" and "prod")…\n');
		const [local, prod] = await Promise.all([startCluster(), startCluster()]);
		clusters.push(local!, prod!);
		io.stderr(`Loading the school sample into ${demoDatabase} on both…\n`);
		await Promise.all([loadSchool(local!, 'local'), loadSchool(prod!, 'prod')]);

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
		store.saveProfile('demo-local', profile(local!, false), {savePassword: true});
		store.saveProfile('demo-prod', profile(prod!, true), {savePassword: true});

		let code = 0;
		if (io.interactive) {
			const {runWizard} = await import('./wizard.js');
			code = await runWizard({prefill: {from: 'demo-local', to: 'demo-prod'}, env, cwd: io.cwd});
		}
		if (keep) {
			// URLs are printed redacted like everywhere else; the profiles carry the throw-away password.
			io.stdout(`\nThe demo servers keep running until you press Ctrl-C:\n  local  ${local!.url(demoDatabase)}\n  prod   ${prod!.url(demoDatabase)}\n`);
			io.stdout(`Try, in another terminal:\n  PGCONVOY_CONFIG_DIR=${configDir} pgconvoy sync --from demo-local --to demo-prod --mode upsert --dry-run\n`);
			await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
		}
		return code;
	} finally {
		io.stderr('Stopping the demo servers and removing their data…\n');
		await cleanUp();
	}
}
