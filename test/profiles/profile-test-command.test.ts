import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import pg from 'pg';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {startCluster, type EmbeddedCluster} from '../../source/support/embedded-cluster.js';
import {formatBytes} from '../../source/present/numbers.js';
import {runProfile, tempDir} from './helpers.js';

const wrongPassword = 'Wr0ng#pass@word';
const appPassword = 'App:p@ss/w#rd`1';

describe('profile test against a real server', () => {
	let cluster: EmbeddedCluster;
	let dir: ReturnType<typeof tempDir>;
	let env: NodeJS.ProcessEnv;

	beforeAll(async () => {
		cluster = await startCluster();
		await cluster.createDatabase('shop');
		const admin = new pg.Client({connectionString: cluster.url('shop')});
		await admin.connect();
		try {
			await admin.query(`CREATE ROLE reader LOGIN PASSWORD '${appPassword.replaceAll("'", "''")}'`);
			await admin.query('CREATE TABLE public.items (id int PRIMARY KEY)');
			await admin.query('CREATE TABLE public.notes (id int PRIMARY KEY)');
			await admin.query('GRANT SELECT ON public.items, public.notes TO reader');
			await admin.query('GRANT INSERT ON public.items TO reader');
		} finally {
			await admin.end();
		}
	}, 180_000);
	afterAll(async () => {
		await cluster?.stop();
	}, 60_000);

	beforeEach(() => {
		dir = tempDir('pgconvoy-conf-');
		env = {PGCONVOY_CONFIG_DIR: join(dir.path, 'config')};
	});
	afterEach(() => dir.remove());

	const url = (user: string, password: string) =>
		`postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${cluster.host}:${cluster.port}/shop`;

	it('connects, prints the server version, database size and whether the role can write', async () => {
		expect(
			(await runProfile(['add', 'local', '--url', url(cluster.user, cluster.password), '--save-password'], env)).code,
		).toBe(0);
		const run = await runProfile(['test', 'local'], env);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		expect(run.stdout).toContain(`server      PostgreSQL ${cluster.version}`);
		// The same formatter as the wizard's connect screen (9.0 MB there was 9182 kB here).
		const admin = new pg.Client({connectionString: cluster.url('shop')});
		await admin.connect();
		const bytes = Number((await admin.query<{size: string}>(`SELECT pg_database_size('shop') AS size`)).rows[0].size);
		await admin.end();
		expect(run.stdout).toContain(`database    shop, ${formatBytes(bytes)}\n`);
		expect(run.stdout).toMatch(/database {4}shop, \d+(\.\d)? MB\n/);
		expect(run.stdout).toContain('TLS         off');
		expect(run.stdout).toContain('role        postgres (superuser');
		expect(run.stdout).toContain('can write   yes: the session is read-write and INSERT is granted on 2 of 2 tables');
		expect(run.stdout).toContain('✓ Profile "local" works.');
		expect(run.stdout).not.toContain(cluster.password);
	});

	it('reports INSERT grants honestly for a limited role, with the password from env:VAR', async () => {
		expect(
			(await runProfile(['add', 'reader', '--url', url('reader', ''), '--password-env', 'READER_PW'], env)).code,
		).toBe(0);
		const run = await runProfile(['test', 'reader'], {...env, READER_PW: appPassword});
		expect(run.code).toBe(0);
		expect(run.stdout).toContain('role        reader\n');
		expect(run.stdout).toContain('INSERT is granted on 1 of 2 tables');
		expect(run.stdout + run.stderr).not.toContain(appPassword);
	});

	it('fails with a clear message and exit code 3 on a wrong password, never printing it', async () => {
		await runProfile(['add', 'bad', '--url', url(cluster.user, wrongPassword), '--save-password'], env);
		await runProfile(['add', 'bad-env', '--url', url(cluster.user, ''), '--password-env', 'BAD_PW'], env);
		for (const [name, runEnv] of [
			['bad', env],
			['bad-env', {...env, BAD_PW: wrongPassword}],
		] as const) {
			const run = await runProfile(['test', name], runEnv);
			expect(run.code).toBe(3);
			expect(run.stderr).toContain('rejected the password for user postgres');
			expect(run.stderr).toContain('→');
			expect(run.stdout + run.stderr).not.toContain(wrongPassword);
			expect(run.stdout + run.stderr).not.toContain(encodeURIComponent(wrongPassword));
		}
	});

	it('fails without a TTY for a prompt profile, rather than using PGPASSWORD', async () => {
		await runProfile(['add', 'ask', '--url', url(cluster.user, '')], env);
		const run = await runProfile(['test', 'ask'], {...env, PGPASSWORD: cluster.password});
		expect(run.code).toBe(3);
		expect(run.stderr).toContain('no TTY to ask for the password; use env:VAR or pgpass');
	});

	it('uses a 0600 pgpass file and refuses a 0644 one with the chmod hint', async () => {
		const pgpass = join(dir.path, 'pgpass');
		writeFileSync(
			pgpass,
			`${cluster.host}:${cluster.port}:*:${cluster.user}:${cluster.password.replaceAll(':', '\\:')}\n`,
		);
		chmodSync(pgpass, 0o644);
		await runProfile(['add', 'viapgpass', '--url', url(cluster.user, ''), '--pgpass-file', pgpass], env);
		const refused = await runProfile(['test', 'viapgpass'], env);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('readable by other users (mode 0644)');
		expect(refused.stderr).toContain(`→ chmod 600 ${pgpass}`);
		chmodSync(pgpass, 0o600);
		const used = await runProfile(['test', 'viapgpass'], env);
		expect(used.stderr).toBe('');
		expect(used.code).toBe(0);
	});

	it('PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE and PGPASSWORD do not change what a profile reaches', async () => {
		await runProfile(['add', 'local', '--url', url(cluster.user, cluster.password), '--save-password'], env);
		const hostile = {
			PGHOST: '203.0.113.9',
			PGPORT: '1',
			PGDATABASE: 'postgres',
			PGUSER: 'nobody',
			PGSSLMODE: 'require',
			PGPASSWORD: 'not-the-password',
			PGOPTIONS: '-c default_transaction_read_only=on',
		};
		const saved = {...process.env};
		Object.assign(process.env, hostile);
		try {
			const run = await runProfile(['test', 'local'], {...env, ...hostile});
			expect(run.stderr).toBe('');
			expect(run.code).toBe(0);
			expect(run.stdout).toContain(`Connecting to the database postgres@127.0.0.1:${cluster.port}/shop`);
			expect(run.stdout).toMatch(/database {4}shop,/);
			expect(run.stdout).toContain('TLS         off');
			expect(run.stdout).toContain('can write   yes');
		} finally {
			process.env = saved;
		}
	});

	it('a profile with no password source is not rescued by PGPASSWORD', async () => {
		await runProfile(['add', 'trusting', '--url', url(cluster.user, ''), '--no-password'], env);
		const saved = {...process.env};
		process.env.PGPASSWORD = cluster.password;
		try {
			const run = await runProfile(['test', 'trusting'], {...env, PGPASSWORD: cluster.password});
			expect(run.code).toBe(3);
			expect(run.stderr).toContain('password');
			// The test cluster's password may be the program's own name, which the hints' commands print.
			expect((run.stdout + run.stderr).replace(/\bpgconvoy (?=profile |sync )/g, '')).not.toContain(cluster.password);
		} finally {
			process.env = saved;
		}
	});

	it('sslmode prefer falls back to plaintext when the server has TLS off; require does not', async () => {
		await runProfile(['add', 'pref', '--url', `${url(cluster.user, '')}?sslmode=prefer`, '--password-env', 'PW'], env);
		const preferred = await runProfile(['test', 'pref'], {...env, PW: cluster.password});
		expect(preferred.code, preferred.stderr).toBe(0);
		expect(preferred.stdout).toContain('TLS         off');
		await runProfile(['add', 'req', '--url', `${url(cluster.user, '')}?sslmode=require`, '--password-env', 'PW'], env);
		const required = await runProfile(['test', 'req'], {...env, PW: cluster.password});
		expect(required.code).toBe(3);
		expect(required.stderr).toContain('does not support SSL');
	});

	it('names the server when it cannot be reached (exit code 3)', async () => {
		await runProfile(['add', 'down', '--url', `postgres://u@127.0.0.1:1/db`, '--no-password'], env);
		const run = await runProfile(['test', 'down'], env);
		expect(run.code).toBe(3);
		expect(run.stderr).toContain('u@127.0.0.1:1/db');
	});

	it('profile add offers to test the connection on a terminal, and --test tests it without one', async () => {
		const offered = await runProfile(
			['add', 'asked', '--url', url(cluster.user, ''), '--password-env', 'PW'],
			{...env, PW: cluster.password},
			[['Test the connection to profile "asked" now? (Y/n)', '']],
		);
		expect(offered.code, offered.stderr).toBe(0);
		expect(offered.stdout).toContain('Connecting to the database postgres@127.0.0.1');
		expect(offered.stdout).toContain('✓ Profile "asked" works.');
		const flagged = await runProfile(
			['add', 'flagged', '--url', url(cluster.user, ''), '--password-env', 'PW', '--test'],
			{
				...env,
				PW: cluster.password,
			},
		);
		expect(flagged.code, flagged.stderr).toBe(0);
		expect(flagged.stdout).toContain('✓ Profile "flagged" works.');
		// A failed test says so (exit 3), but the profile stays saved to be fixed.
		const failing = await runProfile(
			['add', 'nopw', '--url', url(cluster.user, ''), '--password-env', 'UNSET_PW', '--test'],
			env,
		);
		expect(failing.code).toBe(3);
		expect(failing.stdout).toContain('Saved profile "nopw"');
	});

	it('speaks of the database and its production status, never of "the target"', async () => {
		await runProfile(
			['add', 'shop', '--url', url(cluster.user, ''), '--password-env', 'PW', '--production', '--sslmode', 'disable'],
			env,
		);
		const run = await runProfile(['test', 'shop'], {...env, PW: cluster.password});
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toContain('production  yes (profile "shop"): writing needs --confirm shop');
		expect(run.stdout + run.stderr).not.toMatch(/target/);
		const down = await runProfile(['add', 'gone', '--url', 'postgres://u@127.0.0.1:1/db', '--no-password'], env);
		expect(down.code).toBe(0);
		const refused = await runProfile(['test', 'gone'], env);
		expect(refused.stderr).toContain('Cannot connect to the database u@127.0.0.1:1/db (profile "gone")');
	});

	it('profile remove of a production profile asks for its database name on a terminal', async () => {
		await runProfile(['add', 'prod', '--url', url(cluster.user, ''), '--production', '--sslmode', 'disable'], env);
		const wrong = await runProfile(['remove', 'prod'], env, [['Type its database name (shop) to remove it', 'shoq']]);
		expect(wrong.code).toBe(2);
		expect(wrong.stderr).toContain('"shoq" is not the database name of profile "prod" (shop): nothing was removed.');
		expect((await runProfile(['show', 'prod'], env)).code).toBe(0);
		const typed = await runProfile(['remove', 'prod'], env, [['Type its database name (shop) to remove it', 'shop']]);
		expect(typed.code, typed.stderr).toBe(0);
		expect(typed.stdout).toContain('Removed profile "prod".');
		expect((await runProfile(['show', 'prod'], env)).code).toBe(2);
	});
});
