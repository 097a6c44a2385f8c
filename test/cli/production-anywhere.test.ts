/**
 * Production is a property of the database (DESIGN §6): a target that reaches the database a
 * production profile names is production however it is given, in sync, undo, history and the
 * wizard's services; and `--production` marks a URL. Every refusal leaves the target as it was.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openProfileStore} from '../../source/core/profiles/store.js';
import {createEngineServices} from '../../source/ui/engine-services.js';
import {freshPair} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {runProfile} from '../profiles/helpers.js';
import {history, scratch, shellWords, startForwarder, sync, undo} from './helpers.js';

let pair: Awaited<ReturnType<typeof freshPair>>;
let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
let database: string;
/** The target reached by another spelling of the same host: what a URL copied from .env looks like. */
let otherSpelling: string;

beforeEach(async () => {
	pair = await freshPair();
	const schema = 'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);';
	await pair.source.client.query(`${schema} INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;`);
	await pair.target.client.query(`${schema} INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g;`);
	dir = scratch('pgconvoy-production-');
	env = {PGCONVOY_CONFIG_DIR: join(dir.path, 'config'), PROD_PW: pair.target.endpoint.password!};
	const {host, port, user} = pair.target.endpoint;
	database = pair.target.name;
	openProfileStore({env}).saveProfile(
		'prod',
		{
			host,
			port,
			database,
			user,
			sslmode: 'disable',
			production: true,
			passwordSource: {kind: 'env', variable: 'PROD_PW'},
		},
		{savePassword: false},
	);
	expect(host).toBe('127.0.0.1');
	otherSpelling = pair.target.url.replace('@127.0.0.1:', '@LOCALHOST:');
});
afterEach(async () => {
	await pair.drop();
	dir.remove();
});

const targetRows = async () => (await pair.target.client.query('SELECT count(*)::int AS n FROM items')).rows[0].n;
const checksum = () => databaseChecksums(pair.target.client, ['public.items']);

describe('a target that names a production database is production however it is given', () => {
	it('as a URL (another spelling of the host), from DATABASE_URL_PROD, from .env, or as env:VAR', async () => {
		const before = await checksum();
		writeFileSync(join(dir.path, '.env'), `DATABASE_URL_PROD=${otherSpelling}\n`);
		const ways: Array<[string, string[], Partial<Parameters<typeof sync>[1]>]> = [
			['a URL in --to', ['--to', otherSpelling], {}],
			['DATABASE_URL_PROD', [], {env: {...env, DATABASE_URL_PROD: otherSpelling}}],
			['DATABASE_URL_PROD in .env', [], {cwd: dir.path}],
			['env:VAR', ['--to', 'env:SHOP_URL'], {env: {...env, SHOP_URL: otherSpelling}}],
		];
		for (const [way, args, io] of ways) {
			const refused = await sync(['--from', pair.source.url, ...args, '--yes'], {env, ...io});
			expect(refused.code, `${way}: ${refused.output}`).toBe(2);
			expect(refused.stderr, way).toContain(
				`is production (profile "prod"): writing to it needs --confirm ${database}`,
			);
			expect(await checksum(), way).toEqual(before);
		}
		const confirmed = await sync(['--from', pair.source.url, '--to', 'env:SHOP_URL', '--yes', '--confirm', database], {
			env: {...env, SHOP_URL: otherSpelling},
		});
		expect(confirmed.code, confirmed.output).toBe(0);
		expect(await targetRows()).toBe(20);
	});

	it('says PRODUCTION in the plain header, as the JSON does', async () => {
		const plain = await sync(['--from', pair.source.url, '--to', otherSpelling, '--dry-run'], {env});
		expect(plain.code, plain.output).toBe(0);
		expect(plain.stdout.split('\n')[0]).toMatch(
			new RegExp(
				`^pgconvoy dry run: .* → postgres@LOCALHOST:\\d+/${database} PRODUCTION \\(not encrypted\\) \\(mode insert\\)$`,
			),
		);
		const json = await sync(['--from', pair.source.url, '--to', otherSpelling, '--dry-run', '--json'], {env});
		expect(JSON.parse(json.stdout).target).toMatchObject({
			production: true,
			productionReason: 'profile "prod"',
			tls: {encrypted: false, verified: 'none'},
		});
	});

	it('the undo of a run made to that database asks the same way, and history shows the badge', async () => {
		const synced = await sync(['--from', pair.source.url, '--to', 'prod', '--yes', '--confirm', database], {env});
		expect(synced.code, synced.output).toBe(0);
		const afterSync = await checksum();
		const refused = await undo(['last', '--to', otherSpelling, '--yes'], {env});
		expect(refused.code, refused.output).toBe(2);
		expect(refused.stderr).toContain(`is production (profile "prod"): writing to it needs --confirm ${database}`);
		expect(await checksum()).toEqual(afterSync);
		const listed = await history(['--to', otherSpelling], {env});
		expect(listed.code, listed.output).toBe(0);
		expect(listed.stdout).toMatch(new RegExp(`Runs journaled for postgres@LOCALHOST:\\d+/${database} PRODUCTION`));
		const undone = await undo(['last', '--to', otherSpelling, '--yes', '--confirm', database], {env});
		expect(undone.code, undone.output).toBe(0);
		expect(await targetRows()).toBe(10);
	});

	it('--production marks a URL no profile names, and the printed undo command keeps it and runs as printed', async () => {
		openProfileStore({env}).removeProfile('prod');
		const before = await checksum();
		const refused = await sync(['--from', pair.source.url, '--to', pair.target.url, '--production', '--yes'], {env});
		expect(refused.code, refused.output).toBe(2);
		expect(refused.stderr).toContain(`is production (--production): writing to it needs --confirm ${database}`);
		expect(await checksum()).toEqual(before);
		const written = await sync(
			['--from', pair.source.url, '--to', pair.target.url, '--production', '--yes', '--confirm', database],
			{env},
		);
		expect(written.code, written.output).toBe(0);
		const printed = /Journaled as run \S+: (pgconvoy undo .*) shows how to take it back\./.exec(written.stdout)![1]!;
		expect(printed).not.toContain('***');
		expect(printed).not.toContain(`:${pair.target.endpoint.password!}@`);
		expect(printed).toContain('--production');
		// The URL comes without its password: at a terminal, the undo asks for it.
		const [, command, ...args] = shellWords(printed);
		expect(command).toBe('undo');
		const previewed = await undo(args, {env, password: pair.target.endpoint.password!});
		expect(previewed.code, previewed.output).toBe(0);
		expect(previewed.stdout).toContain('PRODUCTION');
		expect(previewed.stdout).toContain('Dry run: nothing was written.');
	});

	it('the printed undo command names a profile or env:VAR as given, and runs as printed', async () => {
		for (const [to, extra] of [
			['prod', {}],
			['env:SHOP_URL', {SHOP_URL: pair.target.url}],
		] as const) {
			const runEnv = {...env, ...extra};
			// Each run writes rows (an undo of a run that wrote none is another matter).
			await pair.target.client.query('DELETE FROM items WHERE id > 10');
			const written = await sync(['--from', pair.source.url, '--to', to, '--yes', '--confirm', database], {
				env: runEnv,
			});
			expect(written.code, written.output).toBe(0);
			const printed = /Journaled as run \S+: (pgconvoy undo .*) shows how to take it back\./.exec(written.stdout)![1]!;
			expect(printed).toMatch(new RegExp(` --to ${to} --dry-run$`));
			const [, , ...args] = shellWords(printed);
			const previewed = await undo(args, {env: runEnv});
			expect(previewed.code, previewed.output + previewed.stderr).toBe(0);
		}
	});
});

describe('the same server identity', () => {
	it('is recorded by profile test, and then a URL through another address is production too', async () => {
		const forwarder = await startForwarder('127.0.0.2', {host: '127.0.0.1', port: pair.target.endpoint.port});
		try {
			const {user, password} = pair.target.endpoint;
			const proxied = `postgresql://${user}:${encodeURIComponent(password!)}@127.0.0.2:${forwarder.port}/${database}?sslmode=disable`;
			// Another address, nothing recorded yet: nothing tells that this is the production database.
			const unknown = await sync(['--from', pair.source.url, '--to', proxied, '--dry-run', '--json'], {env});
			expect(JSON.parse(unknown.stdout).target.production).toBe(false);

			const tested = await runProfile(['test', 'prod'], env);
			expect(tested.code, tested.stderr).toBe(0);
			expect(tested.stdout).toContain('production  yes (profile "prod")');
			expect(openProfileStore({env}).getProfile('prod')!.identity?.system).toMatch(/^\d+\//);

			const before = await checksum();
			const refused = await sync(['--from', pair.source.url, '--to', proxied, '--yes'], {env});
			expect(refused.code, refused.output).toBe(2);
			expect(refused.stderr).toContain('is production (profile "prod" (same server identity))');
			expect(await checksum()).toEqual(before);
		} finally {
			await forwarder.close();
		}
	});

	it('a production profile first used by a sync records its identity then', async () => {
		const dry = await sync(['--from', pair.source.url, '--to', 'prod', '--dry-run'], {env});
		expect(dry.code, dry.output).toBe(0);
		expect(openProfileStore({env}).getProfile('prod')!.identity).toBeDefined();
	});
});

describe("the wizard's endpoints go through the same resolver", () => {
	it('DATABASE_URL_PROD, a typed URL and a URL through another address are production in the pickers', async () => {
		await runProfile(['test', 'prod'], env);
		const forwarder = await startForwarder('127.0.0.2', {host: '127.0.0.1', port: pair.target.endpoint.port});
		const services = createEngineServices({
			env: {...env, DATABASE_URL_PROD: otherSpelling},
			cwd: dir.path,
			schemas: {schemas: ['public'], allSchemas: false},
		});
		try {
			const candidates = services.endpointCandidates();
			expect(candidates.find((candidate) => candidate.label === 'DATABASE_URL_PROD')?.endpoint?.production).toBe(true);
			// Without DATABASE_URL_LOCAL, the source default is the built-in one, and says so.
			expect(candidates.find((candidate) => candidate.sourceDefault)?.label).toBe('the built-in default');
			expect(services.parseEndpoint(otherSpelling, 'the target URL').production).toBe(true);
			const {user, password} = pair.target.endpoint;
			const proxied = services.parseEndpoint(
				`postgresql://${user}@127.0.0.2:${forwarder.port}/${database}?sslmode=disable`,
				'the target URL',
			);
			expect(proxied.production).toBe(false);
			const connected = await services.resolvePassword({...proxied, password});
			expect(connected).toMatchObject({production: true, productionReason: 'profile "prod" (same server identity)'});
		} finally {
			await services.dispose();
			await forwarder.close();
		}
	});
});
