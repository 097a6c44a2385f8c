import {chmodSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {UserError} from '../../source/core/errors.js';
import {resolvePassword} from '../../source/core/connection/password.js';
import {withPasswordCommands} from '../../source/commands/password-hints.js';
import {parseEndpoint, type ProfileLookup} from '../../source/core/profiles/resolve-endpoint.js';
import {openProfileStore, profileToEndpoint, type Profile} from '../../source/core/profiles/store.js';
import {grepFiles, modeOf, runProfile, tempDir} from './helpers.js';

const secret = 'Zq!9#secret@pw';
const encodedSecret = encodeURIComponent(secret);

function thrown(work: () => unknown): UserError {
	try {
		work();
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		return error as UserError;
	}
	throw new Error('expected a UserError');
}

/** `--from`/`--to` as the one resolver reads them, without defaults, a password or a connection. */
function resolveEndpointArgument(value: string, origin: string, profiles: ProfileLookup) {
	return parseEndpoint({role: 'target', value, origin}, {env: {}, cwd: '/nonexistent', profiles})!;
}

describe('profile store', () => {
	let dir: ReturnType<typeof tempDir>;
	let env: NodeJS.ProcessEnv;
	beforeEach(() => {
		dir = tempDir('pgconvoy-conf-');
		env = {PGCONVOY_CONFIG_DIR: join(dir.path, 'config')};
	});
	afterEach(() => dir.remove());

	const profile: Profile = {
		host: 'db.example.com',
		port: 5432,
		database: 'shop',
		user: 'app',
		sslmode: 'verify-full',
		production: true,
		passwordSource: {kind: 'env', variable: 'SHOP_PW'},
	};

	it('saves structured fields in PGCONVOY_CONFIG_DIR with a 0700 directory and a 0600 file', () => {
		const store = openProfileStore({env});
		store.saveProfile('shop', profile, {savePassword: false});
		expect(store.file).toBe(join(dir.path, 'config', 'profiles.json'));
		expect(modeOf(join(dir.path, 'config'))).toBe(0o700);
		expect(modeOf(store.file)).toBe(0o600);
		expect(JSON.parse(readFileSync(store.file, 'utf8'))).toEqual({profiles: {shop: profile}});
		expect(openProfileStore({env}).getProfile('shop')).toEqual(profile);
		expect(store.listProfiles()).toEqual([{name: 'shop', profile}]);
	});

	it('tightens modes again after every write', () => {
		const store = openProfileStore({env});
		store.saveProfile('a', profile, {savePassword: false});
		chmodSync(join(dir.path, 'config'), 0o755);
		store.saveProfile('b', profile, {savePassword: false});
		expect(modeOf(join(dir.path, 'config'))).toBe(0o700);
		expect(modeOf(store.file)).toBe(0o600);
		expect(store.removeProfile('a')).toBe(true);
		expect(store.removeProfile('a')).toBe(false);
		expect(store.profileNames()).toEqual(['b']);
	});

	it('writes the password only with savePassword', () => {
		const store = openProfileStore({env});
		store.saveProfile('kept', {...profile, passwordSource: {kind: 'prompt'}, password: secret}, {savePassword: false});
		expect(grepFiles(dir.path, secret)).toEqual([]);
		expect(store.getProfile('kept')).not.toHaveProperty('password');
		const saved = store.saveProfile(
			'stored',
			{...profile, passwordSource: {kind: 'prompt'}, password: secret},
			{savePassword: true},
		);
		expect(saved.passwordSource).toEqual({kind: 'stored'});
		expect(grepFiles(dir.path, secret)).toEqual([store.file]);
		expect(profileToEndpoint('stored', saved, 'profile "stored"').password).toBe(secret);
		expect(
			thrown(() => store.saveProfile('x', {...profile, passwordSource: {kind: 'stored'}}, {savePassword: false})).hint,
		).toContain('--save-password');
		expect(thrown(() => store.saveProfile('x', profile, {savePassword: true})).message).toContain(
			'no password to save',
		);
	});

	it('refuses a profile file readable by others, with the exact chmod to run', () => {
		const store = openProfileStore({env});
		store.saveProfile('shop', profile, {savePassword: false});
		chmodSync(store.file, 0o644);
		for (const use of [
			() => openProfileStore({env}).listProfiles(),
			() => openProfileStore({env}).getProfile('shop'),
			() => resolveEndpointArgument('shop', '--to', openProfileStore({env})),
		]) {
			const error = thrown(use);
			expect(error.code).toBe('config');
			expect(error.exitCode).toBe(2);
			expect(error.message).toContain('0644');
			expect(error.hint).toBe(`chmod 600 ${store.file}`);
		}
		chmodSync(store.file, 0o640);
		expect(thrown(() => openProfileStore({env}).listProfiles()).hint).toBe(`chmod 600 ${store.file}`);
		chmodSync(store.file, 0o600);
		expect(openProfileStore({env}).getProfile('shop')).toEqual(profile);
	});

	it('on Windows, where every file reports group and world bits, the profile file mode is not judged', () => {
		const store = openProfileStore({env, platform: 'win32'});
		store.saveProfile('shop', profile, {savePassword: false});
		chmodSync(store.file, 0o666);
		expect(openProfileStore({env, platform: 'win32'}).getProfile('shop')).toEqual(profile);
		expect(thrown(() => openProfileStore({env, platform: 'linux'}).getProfile('shop')).hint).toBe(
			`chmod 600 ${store.file}`,
		);
		expect(thrown(() => openProfileStore({env, platform: 'darwin'}).getProfile('shop')).hint).toBe(
			`chmod 600 ${store.file}`,
		);
	});

	it('refuses an incomplete hand-edited profile instead of filling gaps from PG* variables', () => {
		const store = openProfileStore({env});
		store.saveProfile('shop', profile, {savePassword: false});
		const {database: _database, ...withoutDatabase} = profile;
		writeFileSync(store.file, JSON.stringify({profiles: {shop: withoutDatabase}}), {mode: 0o600});
		const error = thrown(() =>
			resolveEndpointArgument('shop', '--to', openProfileStore({env: {...env, PGDATABASE: 'prod_like'}})),
		);
		expect(error.code).toBe('config');
		expect(error.message).toContain('has no database');
		writeFileSync(store.file, JSON.stringify({profiles: {shop: {...profile, sslmode: undefined}}}), {mode: 0o600});
		expect(thrown(() => openProfileStore({env}).getProfile('shop')).message).toContain('sslmode');
		writeFileSync(store.file, '{not json', {mode: 0o600});
		expect(thrown(() => openProfileStore({env}).listProfiles()).message).toContain('not valid JSON');
	});

	it('rejects profile names that could be mistaken for something else', () => {
		const store = openProfileStore({env});
		for (const name of ['', '-x', 'a b', 'a/b', '__proto__', 'x'.repeat(64), 'user@host']) {
			expect(thrown(() => store.saveProfile(name, profile, {savePassword: false})).code).toBe('usage');
		}
	});
});

describe('resolveEndpointArgument', () => {
	let dir: ReturnType<typeof tempDir>;
	let env: NodeJS.ProcessEnv;
	beforeEach(() => {
		dir = tempDir('pgconvoy-conf-');
		env = {PGCONVOY_CONFIG_DIR: dir.path};
	});
	afterEach(() => dir.remove());

	it('treats values with :// as URLs and everything else as profile names', () => {
		const store = openProfileStore({env});
		store.saveProfile(
			'local',
			{
				host: 'localhost',
				port: 5433,
				database: 'dev',
				user: 'me',
				sslmode: 'disable',
				production: false,
				passwordSource: {kind: 'none'},
			},
			{savePassword: false},
		);
		expect(resolveEndpointArgument('postgres://u@h/db', '--from', store)).toMatchObject({host: 'h', origin: '--from'});
		expect(resolveEndpointArgument('local', '--from', store)).toMatchObject({
			host: 'localhost',
			port: 5433,
			database: 'dev',
			origin: 'profile "local"',
			profileName: 'local',
			production: false,
		});
	});

	it('names the saved profiles when the name is unknown', () => {
		const store = openProfileStore({env});
		expect(thrown(() => resolveEndpointArgument('prod', '--to', store)).message).toContain('no profiles are saved yet');
		store.saveProfile(
			'staging',
			{
				host: 'h',
				port: 5432,
				database: 'd',
				user: 'u',
				sslmode: 'require',
				production: false,
				passwordSource: {kind: 'prompt'},
			},
			{savePassword: false},
		);
		store.saveProfile(
			'dev',
			{
				host: 'h',
				port: 5432,
				database: 'd',
				user: 'u',
				sslmode: 'require',
				production: false,
				passwordSource: {kind: 'prompt'},
			},
			{savePassword: false},
		);
		const error = thrown(() => resolveEndpointArgument('prod', '--to', store));
		expect(error.code).toBe('config');
		expect(error.message).toBe('--to: there is no profile named "prod" (saved profiles: dev, staging).');
	});

	it('does not echo a mistyped URL, which may hold a password', () => {
		const error = thrown(() =>
			resolveEndpointArgument(`postgres:/app:${secret}@h/db`, '--to', openProfileStore({env})),
		);
		expect(error.code).toBe('usage');
		expect(`${error.message}${error.hint}`).not.toContain(secret);
	});
});

describe('profile add / list / show / remove', () => {
	let dir: ReturnType<typeof tempDir>;
	let env: NodeJS.ProcessEnv;
	beforeEach(() => {
		dir = tempDir('pgconvoy-conf-');
		env = {PGCONVOY_CONFIG_DIR: dir.path};
	});
	afterEach(() => dir.remove());

	it('imports a URL, prints what it parsed redacted, and does not store the password without --save-password', async () => {
		const run = await runProfile(
			[
				'add',
				'prod',
				'--url',
				`postgres://app:${encodedSecret}@db.example.com:6543/shop?sslmode=verify-full`,
				'--production',
			],
			env,
		);
		expect(run.code).toBe(0);
		expect(run.stdout).toContain('Parsed postgres://app:***@db.example.com:6543/shop?sslmode=verify-full');
		expect(run.stdout).toContain('Saved profile "prod": app@db.example.com:6543/shop');
		expect(run.stdout).toContain('The password in the URL was not saved');
		expect(run.stdout + run.stderr).not.toContain(secret);
		expect(run.stdout + run.stderr).not.toContain(encodedSecret);
		expect(grepFiles(dir.path, secret)).toEqual([]);
		expect(grepFiles(dir.path, encodedSecret)).toEqual([]);
		expect(openProfileStore({env}).getProfile('prod')).toEqual({
			host: 'db.example.com',
			port: 6543,
			database: 'shop',
			user: 'app',
			sslmode: 'verify-full',
			production: true,
			passwordSource: {kind: 'prompt'},
		});
	});

	it('stores the password with --save-password only, with a warning, and never lists or shows it', async () => {
		const run = await runProfile(
			['add', 'prod', '--url', `postgres://app:${encodedSecret}@db.example.com/shop`, '--save-password'],
			env,
		);
		expect(run.code).toBe(0);
		expect(run.stderr).toContain('stored in plain text');
		expect(run.stderr).toContain('0600');
		expect(run.stdout + run.stderr).not.toContain(secret);
		const file = join(dir.path, 'profiles.json');
		expect(grepFiles(dir.path, secret)).toEqual([file]);
		expect(modeOf(file)).toBe(0o600);
		expect(modeOf(dir.path)).toBe(0o700);
		for (const args of [['list'], ['show', 'prod']]) {
			const shown = await runProfile(args, env);
			expect(shown.code).toBe(0);
			expect(shown.stdout).toContain('stored');
			expect(shown.stdout).not.toContain(secret);
		}
	});

	it('builds a profile from flags, with the password source given by name', async () => {
		const run = await runProfile(
			[
				'add',
				'dev',
				'--host',
				'localhost',
				'--port',
				'5433',
				'--database',
				'app',
				'--user',
				'me',
				'--password-env',
				'DEV_PW',
			],
			env,
		);
		expect(run.code).toBe(0);
		expect(openProfileStore({env}).getProfile('dev')).toEqual({
			host: 'localhost',
			port: 5433,
			database: 'app',
			user: 'me',
			sslmode: 'disable',
			production: false,
			passwordSource: {kind: 'env', variable: 'DEV_PW'},
		});
		const pgpass = await runProfile(
			[
				'add',
				'remote',
				'--host',
				'db.example.com',
				'--database',
				'app',
				'--user',
				'me',
				'--pgpass-file',
				'/secure/pgpass',
				'--sslmode',
				'require',
			],
			env,
		);
		expect(pgpass.code).toBe(0);
		expect(pgpass.stderr).toContain('does not verify');
		expect(openProfileStore({env}).getProfile('remote')).toMatchObject({
			sslmode: 'require',
			passwordSource: {kind: 'pgpass', file: '/secure/pgpass'},
		});
	});

	it('lists profiles as an aligned table with the production badge', async () => {
		await runProfile(['add', 'dev', '--url', 'postgres://me@localhost/app'], env);
		await runProfile(
			[
				'add',
				'production-db',
				'--url',
				'postgres://app@db.example.com:6543/shop?sslmode=verify-full',
				'--production',
				'--password-env',
				'PROD_PW',
			],
			env,
		);
		const run = await runProfile(['list'], env);
		expect(run.code).toBe(0);
		expect(run.stdout.split('\n')).toEqual([
			'NAME           CONNECTION                    SSLMODE      PASSWORD',
			'dev            me@localhost:5432/app         disable      prompt',
			'production-db  app@db.example.com:6543/shop  verify-full  env:PROD_PW  PRODUCTION',
			'',
		]);
	});

	it('shows and removes a profile; unknown names list the existing ones', async () => {
		await runProfile(['add', 'dev', '--url', 'postgres://me@localhost/app', '--production'], env);
		const show = await runProfile(['show', 'dev'], env);
		expect(show.stdout).toContain('Profile "dev": me@localhost:5432/app');
		expect(show.stdout).toContain('production  yes: writing needs --confirm app');
		expect(show.stdout).toContain('password    prompt: asked on the terminal each time');
		const missing = await runProfile(['show', 'prod'], env);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toContain('There is no profile named "prod" (saved profiles: dev)');
		expect(missing.stderr).toContain('→ pgconvoy profile list shows them.');
		// dev is production: removing it is confirmed by its database name, as a write would be.
		const unconfirmed = await runProfile(['remove', 'dev'], env);
		expect(unconfirmed.code).toBe(2);
		expect(unconfirmed.stderr).toContain('removing it needs --confirm app');
		expect(openProfileStore({env}).getProfile('dev')).toBeDefined();
		expect((await runProfile(['remove', 'dev', '--confirm', 'other'], env)).code).toBe(2);
		expect(openProfileStore({env}).getProfile('dev')).toBeDefined();
		expect((await runProfile(['remove', 'dev', '--confirm', 'app'], env)).stdout).toContain('Removed profile "dev"');
		expect((await runProfile(['remove', 'dev'], env)).code).toBe(2);
	});

	it('on a terminal, asks for the fields the flags left open', async () => {
		const run = await runProfile(['add', 'dev', '--password-env', 'DEV_PW'], env, [
			['Host [localhost]: ', ''],
			['Port [5432]: ', '5433'],
			['Database: ', 'app'],
			['User: ', 'me'],
			['Production database?', 'n'],
			['sslmode (disable/prefer/require/verify-ca/verify-full) [disable]: ', ''],
			['Test the connection to profile "dev" now? (Y/n)', 'n'],
		]);
		expect(run.code, run.stderr).toBe(0);
		expect(openProfileStore({env}).getProfile('dev')).toEqual({
			host: 'localhost',
			port: 5433,
			database: 'app',
			user: 'me',
			sslmode: 'disable',
			production: false,
			passwordSource: {kind: 'env', variable: 'DEV_PW'},
		});
	});

	it('on a terminal, --save-password asks for the password without echoing it', async () => {
		const run = await runProfile(
			['add', 'dev', '--host', 'localhost', '--database', 'app', '--user', 'me', '--save-password'],
			env,
			[
				['Password for me@localhost:5432/app: ', secret],
				['Test the connection', 'n'],
			],
		);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout + run.stderr).not.toContain(secret);
		expect(openProfileStore({env}).getProfile('dev')).toMatchObject({
			passwordSource: {kind: 'stored'},
			password: secret,
		});
	});

	it('the form can choose a stored password, then asks for it masked', async () => {
		const run = await runProfile(
			['add', 'dev', '--host', 'db.example.com', '--user', 'me', '--sslmode', 'verify-full', '--production'],
			env,
			[
				['Port [5432]: ', ''],
				['Database: ', 'app'],
				['Password source', 'stored'],
				['Password for me@db.example.com:5432/app: ', secret],
				['Test the connection', 'n'],
			],
		);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stderr).toContain('stored in plain text');
		expect(run.stdout + run.stderr).not.toContain(secret);
		expect(openProfileStore({env}).getProfile('dev')).toMatchObject({
			production: true,
			passwordSource: {kind: 'stored'},
			password: secret,
		});
	});

	it('refuses usage mistakes with exit code 2 and a hint', async () => {
		const cases: Array<[string[], string]> = [
			[['add', 'x', '--url', 'postgres://u@h/db', '--host', 'h'], '--url cannot be combined with --host'],
			[['add', 'x', '--host', 'h'], 'missing --database, --user'],
			[['add', 'x', '--url', 'postgres://u@h/db', '--password-env', 'A', '--pgpass'], 'Choose one password source'],
			[['add', 'x', '--url', 'postgres://u@h/db', '--save-password'], '--save-password needs a password'],
			[
				['add', 'x', '--url', 'postgres://u@h/db', '--password=hunter2'],
				'does not take a password as a command-line argument',
			],
			[['add', 'x', '--url', 'postgres://u@h/db', '--sslmode', 'no-verify'], 'Unknown sslmode'],
			[['add', 'x', '--url', 'postgres://u@h/db', '--bogus'], 'Unknown option --bogus.'],
			[['add', 'x', '--url', 'postgres://u@h/db', '--pasword-env', 'X'], 'Did you mean --password-env?'],
			[['add', 'x', '--url', 'postgres://u@h/db', '--production=yes'], '--production takes no value'],
			[['add', 'x', 'y', '--url', 'postgres://u@h/db'], 'profile add takes one profile name'],
			[['add', '--url', 'postgres://u@h/db'], 'profile add needs a name'],
			[['frobnicate'], 'Unknown command "frobnicate".'],
			[['rmove', 'x'], 'Did you mean pgconvoy profile remove?'],
			[['constructor', '--help'], 'Unknown command "constructor".'],
			[['help', 'toString'], 'Unknown command "toString".'],
			[['show', 'x', '--verbose'], 'Unknown option --verbose.'],
			[['show'], 'profile show needs a profile name.'],
			[['list', 'x'], 'profile list takes no arguments'],
			[[], 'pgconvoy profile needs a command: add, list, show, remove, test. On its own it does nothing'],
		];
		for (const [args, message] of cases) {
			const run = await runProfile(args, env);
			expect(run.code, args.join(' ')).toBe(2);
			expect(run.stderr).toContain(message);
			expect(run.stderr).toContain('→');
			expect(run.stderr).not.toContain('hunter2');
		}
		await runProfile(['add', 'x', '--url', 'postgres://u@h/db'], env);
		const exists = await runProfile(['add', 'x', '--url', 'postgres://u@h/db2', '--production'], env);
		expect(exists.stderr).toContain('already exists');
		// The hint is the command to run, complete: running it as printed replaces the profile.
		const printed = /To replace it: pgconvoy (.+) \(pgconvoy profile show x/.exec(exists.stderr)?.[1];
		expect(printed).toBe('profile add x --url postgres://u@h/db2 --production --force');
		const [profileCommand, ...profileArgs] = printed!.split(' ');
		expect(profileCommand).toBe('profile');
		expect((await runProfile(profileArgs, env)).code).toBe(0);
		expect(openProfileStore({env}).getProfile('x')).toMatchObject({database: 'db2', production: true});
	});

	it('an empty value is a usage error that saves nothing', async () => {
		for (const args of [
			['add', 'x', '--url', ''],
			['add', 'x', '--url'],
			['add', 'x', '--host', '', '--database', 'd', '--user', 'u'],
			['add', 'x', '--url', 'postgres://u@h/db', '--password-env', ''],
			['add', 'x', '--url', 'postgres://u@h/db', '--sslmode', '--production'],
			['add', 'x', '--url', 'postgres://u@h/db', '--pgpass-file='],
		]) {
			const run = await runProfile(args, env);
			expect(run.code, args.join(' ')).toBe(2);
			expect(run.stderr, args.join(' ')).toMatch(/✗ --[a-z-]+ needs a value, but got .*\n {2}→ \S/);
		}
		expect(openProfileStore({env}).profileNames()).toEqual([]);
	});

	it('a wrong name on show, remove or test suggests the close name and profile list, never profile add', async () => {
		await runProfile(['add', 'prod', '--url', 'postgres://u@h/db'], env);
		await runProfile(['add', 'staging', '--url', 'postgres://u@h/db'], env);
		for (const command of ['show', 'remove', 'test']) {
			const run = await runProfile([command, 'prd'], env);
			expect(run.code, command).toBe(2);
			expect(run.stderr, command).toContain('no profile named "prd" (saved profiles: prod, staging)');
			expect(run.stderr, command).toContain('→ Did you mean "prod"? pgconvoy profile list shows them.');
			expect(run.stderr, command).not.toContain('profile add');
		}
		expect((await runProfile(['remove', 'nope'], env)).stderr).toContain('→ pgconvoy profile list shows them.');
		// Where a profile is used (--from, --to), saving it is a fair suggestion, as a command that runs.
		const error = thrown(() => resolveEndpointArgument('prd', '--to', openProfileStore({env})));
		expect(error.hint).toBe(
			'Did you mean "prod"? pgconvoy profile list shows them. To save it: pgconvoy profile add prd (on a terminal, a form asks its fields), or give a URL (it must contain ://).',
		);
	});

	it('with no profiles saved, a wrong name on show, remove or test never suggests adding that name', async () => {
		for (const command of ['show', 'remove', 'test']) {
			const run = await runProfile([command, 'nope'], env);
			expect(run.code, command).toBe(2);
			expect(run.stderr, command).toContain('no profiles are saved yet');
			expect(run.stderr, command).toContain('pgconvoy profile add NAME --url postgresql://user@host:5432/database');
			expect(run.stderr, command).not.toContain('profile add nope');
		}
	});

	it('a password hint for a saved profile gives whole commands that run as printed and keep every field', async () => {
		await runProfile(
			['add', 'prod2', '--url', 'postgres://app@db.example.com:6543/shop', '--sslmode', 'require', '--production'],
			env,
		);
		const endpoint = profileToEndpoint('prod2', openProfileStore({env}).getProfile('prod2')!, 'profile "prod2"');
		const refusal = await resolvePassword(endpoint, {env: {}}).then(
			() => undefined,
			(error: UserError) => error,
		);
		const printed = [
			...((withPasswordCommands(refusal) as UserError | undefined)?.flagHint ?? '').matchAll(
				/pgconvoy (profile add .*?--force)/g,
			),
		].map((match) => match[1]);
		expect(printed).toEqual([
			'profile add prod2 --host db.example.com --port 6543 --database shop --user app --sslmode require --production --password-env PROD2_PASSWORD --force',
			'profile add prod2 --host db.example.com --port 6543 --database shop --user app --sslmode require --production --pgpass --force',
		]);
		for (const [index, kind] of ['env', 'pgpass'].entries()) {
			const [profileCommand, ...args] = printed[index].split(' ');
			expect(profileCommand).toBe('profile');
			expect((await runProfile(args, env)).code).toBe(0);
			expect(openProfileStore({env}).getProfile('prod2')).toMatchObject({
				host: 'db.example.com',
				port: 6543,
				database: 'shop',
				user: 'app',
				sslmode: 'require',
				production: true,
				passwordSource: {kind},
			});
		}
	});

	it('a password typed in --url: says it is in the shell history and how to avoid that, saved or not', async () => {
		for (const extra of [[], ['--save-password']]) {
			const run = await runProfile(
				['add', `p${extra.length}`, '--url', `postgres://app:${encodedSecret}@db.example.com/shop`, ...extra],
				env,
			);
			expect(run.code).toBe(0);
			expect(run.stderr).toContain('The password you put in --url is now in your shell history.');
			expect(run.stderr).toContain('history -d N');
			expect(run.stderr).toContain('--password-env VAR or --pgpass');
			expect(run.stderr).toContain('HISTCONTROL=ignorespace');
			expect(run.stdout + run.stderr).not.toContain(secret);
			const block = run.stderr.slice(run.stderr.indexOf('⚠ The password you put')).split('\n⚠')[0];
			for (const line of block.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
		}
		expect(
			(await runProfile(['add', 'nopw', '--url', 'postgres://app@db.example.com/shop'], env)).stderr,
		).not.toContain('shell history');
	});

	it('help for profile and each of its commands exits 0, on stdout', async () => {
		for (const args of [
			['--help'],
			['-h'],
			['help'],
			['help', 'add'],
			['add', '--help'],
			['add', 'x', '--bogus', '-h'],
			['ls', '--help'],
			['show', '-h'],
			['remove', '--help'],
			['test', '--help'],
		]) {
			const run = await runProfile(args, env);
			expect(run.code, args.join(' ')).toBe(0);
			expect(run.stdout, args.join(' ')).toMatch(/^Usage: pgconvoy profile/);
			expect(run.stderr).toBe('');
		}
		expect((await runProfile(['add', '--help'], env)).stdout).toContain('--password-env <VAR>');
	});
});
