import {execFileSync} from 'node:child_process';
import {chmodSync, chownSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import pg from 'pg';
import {userInfo} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Endpoint, SslMode} from '../../source/core/connection/endpoint.js';
import {sslAttempts} from '../../source/core/connection/tls.js';
import {UserError} from '../../source/core/errors.js';
import {startCluster, type EmbeddedCluster} from '../../source/support/embedded-cluster.js';
import {runProfile, tempDir} from './helpers.js';
import {startForwarder, sync} from '../cli/helpers.js';

const endpoint = (sslmode: SslMode, extra: Partial<Endpoint> = {}): Endpoint => ({
	host: 'db.example.com',
	port: 5432,
	database: 'shop',
	user: 'app',
	sslmode,
	passwordSource: {kind: 'none'},
	production: false,
	origin: 'test',
	...extra,
});

describe('sslAttempts (libpq meanings)', () => {
	let dir: ReturnType<typeof tempDir>;
	let ca: string;
	beforeAll(() => {
		dir = tempDir('pgconvoy-tls-unit-');
		ca = join(dir.path, 'ca.pem');
		writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');
	});
	afterAll(() => dir.remove());

	it('maps each sslmode to explicit node TLS options', () => {
		expect(sslAttempts(endpoint('disable'))).toEqual([false]);
		expect(sslAttempts(endpoint('prefer'))).toEqual([{rejectUnauthorized: false}, false]);
		expect(sslAttempts(endpoint('require'))).toEqual([{rejectUnauthorized: false}]);
		expect(sslAttempts(endpoint('verify-full'))).toEqual([{rejectUnauthorized: true}]);
		const full = sslAttempts(endpoint('verify-full', {sslrootcert: ca}));
		expect(full).toEqual([{rejectUnauthorized: true, ca: readFileSync(ca, 'utf8')}]);
		const [verifyCa] = sslAttempts(endpoint('verify-ca', {sslrootcert: ca})) as Array<Record<string, unknown>>;
		expect(verifyCa).toMatchObject({rejectUnauthorized: true, ca: readFileSync(ca, 'utf8')});
		expect((verifyCa.checkServerIdentity as () => unknown)()).toBeUndefined();
	});

	it('verifies the chain for require and prefer when a root certificate is given, as libpq does', () => {
		const [required] = sslAttempts(endpoint('require', {sslrootcert: ca})) as Array<Record<string, unknown>>;
		expect(required).toMatchObject({rejectUnauthorized: true, ca: readFileSync(ca, 'utf8')});
		expect(sslAttempts(endpoint('prefer', {sslrootcert: ca}))[1]).toBe(false);
	});

	it('never uses TLS on a Unix socket', () => {
		expect(sslAttempts(endpoint('verify-full', {host: '/var/run/postgresql'}))).toEqual([false]);
	});

	it('refuses verify-ca without a CA file, and an unreadable sslrootcert', () => {
		expect(() => sslAttempts(endpoint('verify-ca'))).toThrow(UserError);
		expect(() => sslAttempts(endpoint('verify-ca', {sslrootcert: 'system'}))).toThrow(/needs sslrootcert/);
		expect(() => sslAttempts(endpoint('verify-full', {sslrootcert: join(dir.path, 'missing.pem')}))).toThrow(
			/Cannot read sslrootcert .*ENOENT/,
		);
	});
});

function openssl(args: string[], cwd: string): void {
	execFileSync('openssl', args, {cwd, stdio: 'ignore'});
}

function hasOpenssl(): boolean {
	try {
		execFileSync('openssl', ['version'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

/** A CA, a server certificate it signed for DNS:localhost and IP:127.0.0.2 (not 127.0.0.1), and an unrelated CA. */
function makeCertificates(dir: string): {ca: string; otherCa: string; cert: string; key: string} {
	const config = join(dir, 'san.cnf');
	writeFileSync(config, 'subjectAltName=DNS:localhost,IP:127.0.0.2\n');
	openssl(
		[
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-keyout',
			'ca.key',
			'-out',
			'ca.pem',
			'-days',
			'2',
			'-subj',
			'/CN=pgconvoy test CA',
		],
		dir,
	);
	openssl(
		[
			'req',
			'-x509',
			'-newkey',
			'rsa:2048',
			'-nodes',
			'-keyout',
			'other.key',
			'-out',
			'other.pem',
			'-days',
			'2',
			'-subj',
			'/CN=other CA',
		],
		dir,
	);
	openssl(
		['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'],
		dir,
	);
	openssl(
		[
			'x509',
			'-req',
			'-in',
			'server.csr',
			'-CA',
			'ca.pem',
			'-CAkey',
			'ca.key',
			'-CAcreateserial',
			'-out',
			'server.pem',
			'-days',
			'2',
			'-extfile',
			config,
		],
		dir,
	);
	const key = join(dir, 'server.key');
	chmodSync(key, 0o600);
	// As root the server runs as the postgres OS user, which must own its key.
	if (userInfo().uid === 0) {
		const line = readFileSync('/etc/passwd', 'utf8')
			.split('\n')
			.find((entry) => entry.startsWith('postgres:'));
		if (line) {
			const [, , uid, gid] = line.split(':');
			chownSync(key, Number(uid), Number(gid));
			chownSync(join(dir, 'server.pem'), Number(uid), Number(gid));
		}
	}
	return {ca: join(dir, 'ca.pem'), otherCa: join(dir, 'other.pem'), cert: join(dir, 'server.pem'), key};
}

describe.skipIf(!hasOpenssl())('TLS against a server with a private-CA certificate', () => {
	let cluster: EmbeddedCluster;
	let certs: ReturnType<typeof makeCertificates>;
	let dir: ReturnType<typeof tempDir>;
	let env: NodeJS.ProcessEnv;

	beforeAll(async () => {
		dir = tempDir('pgconvoy-tls-');
		chmodSync(dir.path, 0o755);
		certs = makeCertificates(dir.path);
		cluster = await startCluster({settings: {ssl: 'on', ssl_cert_file: certs.cert, ssl_key_file: certs.key}});
		env = {PGCONVOY_CONFIG_DIR: join(dir.path, 'config'), DB_PW: cluster.password};
	}, 180_000);
	afterAll(async () => {
		await cluster?.stop();
		dir?.remove();
	}, 60_000);

	/** Saves a profile and runs `profile test` on it, with `processEnv` set in the real environment meanwhile. */
	async function check(
		name: string,
		host: string,
		sslmode: SslMode,
		sslrootcert?: string,
		processEnv: NodeJS.ProcessEnv = {},
	) {
		const add = await runProfile(
			[
				'add',
				name,
				'--host',
				host,
				'--port',
				String(cluster.port),
				'--database',
				'postgres',
				'--user',
				cluster.user,
				'--sslmode',
				sslmode,
				...(sslrootcert ? ['--sslrootcert', sslrootcert] : []),
				'--password-env',
				'DB_PW',
			],
			env,
		);
		expect(add.code, add.stderr).toBe(0);
		const saved = {...process.env};
		Object.assign(process.env, processEnv);
		try {
			return await runProfile(['test', name], {...env, ...processEnv});
		} finally {
			process.env = saved;
		}
	}

	const weakeningEnv = {PGSSLMODE: 'disable', NODE_TLS_REJECT_UNAUTHORIZED: '0'};

	it('require encrypts without verifying', async () => {
		const run = await check('req', '127.0.0.1', 'require');
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/TLS {9}on \(TLSv1\.[23]\)/);
	});

	it('prefer uses TLS when the server offers it', async () => {
		const run = await check('pref', '127.0.0.1', 'prefer');
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/TLS {9}on/);
	});

	it('verify-full accepts the right CA and host name, and PGSSLMODE=disable does not turn TLS off', async () => {
		const run = await check('full', 'localhost', 'verify-full', certs.ca, weakeningEnv);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/TLS {9}on/);
	});

	it('verify-full refuses a certificate from another CA, even with NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
		const run = await check('wrongca', 'localhost', 'verify-full', certs.otherCa, weakeningEnv);
		expect(run.code).toBe(3);
		expect(run.stderr).toMatch(/certificate|TLS/i);
	});

	it('verify-full refuses a host name the certificate does not name; verify-ca accepts it', async () => {
		const full = await check('ipfull', '127.0.0.1', 'verify-full', certs.ca, weakeningEnv);
		expect(full.code).toBe(3);
		expect(full.stderr).toMatch(/TLS|certificate|altnames/i);
		const chainOnly = await check('ipca', '127.0.0.1', 'verify-ca', certs.ca);
		expect(chainOnly.code, chainOnly.stderr).toBe(0);
		expect(chainOnly.stdout).toMatch(/TLS {9}on/);
	});

	it('verify-ca refuses a certificate from another CA', async () => {
		const run = await check('caother', '127.0.0.1', 'verify-ca', certs.otherCa);
		expect(run.code).toBe(3);
	});

	it('verify-full with the system CAs refuses a private-CA certificate', async () => {
		const run = await check('system', 'localhost', 'verify-full');
		expect(run.code).toBe(3);
		expect(existsSync(certs.ca)).toBe(true);
	});

	it('profile test says what is verified', async () => {
		const full = await check('saysfull', 'localhost', 'verify-full', certs.ca);
		expect(full.stdout).toMatch(/TLS {9}on \(TLSv1\.[23]\), verified\n/);
		const chain = await check('sayschain', '127.0.0.1', 'verify-ca', certs.ca);
		expect(chain.stdout).toMatch(/TLS {9}on \(TLSv1\.[23]\), certificate chain verified \(not the host name\)\n/);
		const none = await check('saysnone', '127.0.0.1', 'require');
		expect(none.stdout).toMatch(/TLS {9}on \(TLSv1\.[23]\), not verified\n/);
	});

	describe('sync: never silently unencrypted off this machine or to production', () => {
		let forwarder: Awaited<ReturnType<typeof startForwarder>>;
		const credentials = () => `${cluster.user}:${encodeURIComponent(cluster.password)}`;
		const local = (database: string, query = '') =>
			`postgresql://${credentials()}@127.0.0.1:${cluster.port}/${database}${query}`;
		// 127.0.0.2 is not one of this machine's names to pgconvoy (localhost, 127.0.0.1, ::1, a socket).
		const remote = (database: string, query = '') =>
			`postgresql://${credentials()}@127.0.0.2:${forwarder.port}/${database}${query}`;

		beforeAll(async () => {
			await cluster.createDatabase('src');
			await cluster.createDatabase('dst');
			for (const [database, rows] of [
				['src', 'INSERT INTO t VALUES (1), (2)'],
				['dst', 'SELECT 1'],
			] as const) {
				const client = new pg.Client({connectionString: cluster.url(database)});
				await client.connect();
				await client.query(`CREATE TABLE t (id int PRIMARY KEY); ${rows}`);
				await client.end();
			}
			forwarder = await startForwarder('127.0.0.2', {host: '127.0.0.1', port: cluster.port});
		});
		afterAll(async () => forwarder?.close());

		it('a host that is not this machine gets require without sslmode, and every header and result says so', async () => {
			const dry = await sync(['--from', local('src'), '--to', remote('dst'), '--dry-run', '--json'], {env});
			expect(dry.code, dry.output).toBe(0);
			expect(JSON.parse(dry.stdout)).toMatchObject({
				source: {sslmode: 'disable', tls: {encrypted: false, verified: 'none'}},
				target: {sslmode: 'require', tls: {encrypted: true, verified: 'none'}},
			});
			const written = await sync(['--from', local('src'), '--to', remote('dst'), '--yes'], {env});
			expect(written.code, written.output).toBe(0);
			expect(written.stdout.split('\n')[0]).toMatch(/\(not encrypted\) → \S+ \(TLS, not verified\) \(mode insert\)$/);
			expect(written.stdout).toContain('Sessions: source not encrypted; target TLS, not verified.');
			const again = await sync(['--from', local('src'), '--to', remote('dst'), '--yes', '--json'], {env});
			expect(JSON.parse(again.stdout).target.tls).toEqual({encrypted: true, verified: 'none'});
		});

		it('with a root certificate, verify-full: the right CA passes, another CA is refused', async () => {
			const verified = await sync(
				['--from', local('src'), '--to', remote('dst', `?sslrootcert=${certs.ca}`), '--dry-run', '--json'],
				{env},
			);
			expect(verified.code, verified.output).toBe(0);
			expect(JSON.parse(verified.stdout).target).toMatchObject({
				sslmode: 'verify-full',
				tls: {encrypted: true, verified: 'full'},
			});
			const refused = await sync(
				['--from', local('src'), '--to', remote('dst', `?sslrootcert=${certs.otherCa}`), '--dry-run'],
				{env},
			);
			expect(refused.code).toBe(3);
			expect(refused.stderr).toMatch(/certificate/);
		});

		it('prefer is settled by the first connection and reported as it is', async () => {
			const run = await sync(['--from', local('src'), '--to', local('dst', '?sslmode=prefer'), '--dry-run', '--json'], {
				env,
			});
			expect(run.code, run.output).toBe(0);
			expect(JSON.parse(run.stdout).target).toMatchObject({
				sslmode: 'prefer',
				tls: {encrypted: true, verified: 'none'},
			});
		});

		it('--production on this machine means require too', async () => {
			const run = await sync(['--from', local('src'), '--to', local('dst'), '--production', '--dry-run', '--json'], {
				env,
			});
			expect(run.code, run.output).toBe(0);
			expect(JSON.parse(run.stdout).target).toMatchObject({
				production: true,
				sslmode: 'require',
				tls: {encrypted: true},
			});
		});
	});
});
