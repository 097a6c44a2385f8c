import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {Endpoint, PasswordSource} from '../../source/core/connection/endpoint.js';
import {
	defaultPgpassFile,
	findPgpassPassword,
	pgPasswordOption,
	readableByOthers,
	resolvePassword,
} from '../../source/core/connection/password.js';
import {withPasswordCommands} from '../../source/commands/password-hints.js';
import {UserError} from '../../source/core/errors.js';
import {tempDir} from './helpers.js';

const base: Endpoint = {
	host: 'db.example.com',
	port: 5432,
	database: 'shop',
	user: 'app',
	sslmode: 'verify-full',
	passwordSource: {kind: 'prompt'},
	production: false,
	origin: 'profile "shop"',
	profileName: 'shop',
};

const endpoint = (passwordSource: PasswordSource, password?: string): Endpoint => ({
	...base,
	passwordSource,
	...(password ? {password} : {}),
});

async function refusal(promise: Promise<unknown>): Promise<UserError> {
	const error = await promise.then(
		() => undefined,
		(failure: unknown) => failure,
	);
	expect(error).toBeInstanceOf(UserError);
	return error as UserError;
}

describe('resolvePassword', () => {
	let dir: ReturnType<typeof tempDir>;
	beforeEach(() => (dir = tempDir('pgconvoy-pw-')));
	afterEach(() => dir.remove());

	it('uses the password already held for url and stored sources, and fails when it is missing', async () => {
		expect((await resolvePassword(endpoint({kind: 'url'}, 'from-url'))).password).toBe('from-url');
		expect((await resolvePassword(endpoint({kind: 'stored'}, 'saved'))).password).toBe('saved');
		const missing = await refusal(resolvePassword(endpoint({kind: 'stored'})));
		expect(missing.code).toBe('config');
		// Core says what in prose; the commands add the commands that fix it (withPasswordCommands).
		expect(missing.hint).toContain('Save the profile again with its password');
		expect(missing.hint).not.toContain('pgconvoy');
		expect((withPasswordCommands(missing) as UserError).flagHint).toContain('--save-password');
	});

	it('reads env:VAR from the given environment only, and never PGPASSWORD implicitly', async () => {
		const env = {SHOP_PW: 'from-env', PGPASSWORD: 'pg-env'};
		expect((await resolvePassword(endpoint({kind: 'env', variable: 'SHOP_PW'}), {env})).password).toBe('from-env');
		const unset = await refusal(resolvePassword(endpoint({kind: 'env', variable: 'OTHER_PW'}), {env}));
		expect(unset.code).toBe('auth');
		expect(unset.message).toContain('OTHER_PW');
		expect(unset.message).toContain('not set');
		expect(unset.hint).toContain('export OTHER_PW=');
		expect(`${unset.message}${unset.hint}`).not.toContain('pg-env');
		const empty = await refusal(resolvePassword(endpoint({kind: 'env', variable: 'EMPTY'}), {env: {EMPTY: ''}}));
		expect(empty.message).toContain('empty');
	});

	it('prompts through the given function, and refuses without a TTY', async () => {
		const questions: string[] = [];
		const resolved = await resolvePassword(endpoint({kind: 'prompt'}), {
			promptPassword: async (question) => {
				questions.push(question);
				return 'typed';
			},
		});
		expect(resolved.password).toBe('typed');
		expect(questions).toEqual(['Password for app@db.example.com:5432/shop: ']);
		const noTty = await refusal(resolvePassword(endpoint({kind: 'prompt'}), {env: {PGPASSWORD: 'x'}}));
		expect(noTty.code).toBe('auth');
		expect(noTty.message).toContain('no TTY to ask for the password; use env:VAR or pgpass');
		const empty = await refusal(resolvePassword(endpoint({kind: 'prompt'}), {promptPassword: async () => ''}));
		expect(empty.message).toContain('no password entered');
	});

	it('none sends no password, and pg is then given a callback instead of falling back to PGPASSWORD', async () => {
		const resolved = await resolvePassword(endpoint({kind: 'none'}, 'leftover'));
		expect(resolved).not.toHaveProperty('password');
		const option = pgPasswordOption(resolved);
		expect(typeof option).toBe('function');
		expect(() => option()).toThrow(/asks for a password, but the password source is none/);
		expect(pgPasswordOption(endpoint({kind: 'stored'}, 's3'))()).toBe('s3');
	});

	it('reads a 0600 pgpass file and refuses a 0644 one with the chmod hint', async () => {
		const file = join(dir.path, 'pgpass');
		writeFileSync(file, '# comment\nother.example.com:5432:*:app:wrong\ndb.example.com:5432:shop:app:right\n');
		chmodSync(file, 0o600);
		expect((await resolvePassword(endpoint({kind: 'pgpass', file}))).password).toBe('right');
		chmodSync(file, 0o644);
		const open = await refusal(resolvePassword(endpoint({kind: 'pgpass', file})));
		expect(open.code).toBe('config');
		expect(open.message).toContain('0644');
		expect(open.hint).toBe(`chmod 600 ${file}`);
		expect(`${open.message}${open.hint}`).not.toContain('right');
	});

	it('on Windows, where every file reports group and world bits, the mode is not judged (as libpq does)', async () => {
		const file = join(dir.path, 'pgpass');
		writeFileSync(file, 'db.example.com:5432:shop:app:right\n');
		chmodSync(file, 0o666);
		expect((await resolvePassword(endpoint({kind: 'pgpass', file}), {platform: 'win32'})).password).toBe('right');
		for (const platform of ['linux', 'darwin'] as const)
			expect((await refusal(resolvePassword(endpoint({kind: 'pgpass', file}), {platform}))).hint).toBe(
				`chmod 600 ${file}`,
			);
		expect(readableByOthers(0o100666, 'win32')).toBe(false);
		expect(readableByOthers(0o100600, 'linux')).toBe(false);
		expect(readableByOthers(0o100640, 'darwin')).toBe(true);
	});

	it("looks for libpq's default pgpass file where libpq does on each platform", () => {
		expect(defaultPgpassFile('win32', {APPDATA: 'C:\\Users\\ana\\AppData\\Roaming'})).toBe(
			'C:\\Users\\ana\\AppData\\Roaming\\postgresql\\pgpass.conf',
		);
		expect(defaultPgpassFile('linux', {})).toMatch(/\/\.pgpass$/);
		expect(defaultPgpassFile('darwin', {})).toMatch(/\/\.pgpass$/);
	});

	it('fails clearly when no pgpass line matches or the file is missing', async () => {
		const file = join(dir.path, 'pgpass');
		writeFileSync(file, 'db.example.com:5432:other:app:nope\n', {mode: 0o600});
		const noMatch = await refusal(resolvePassword(endpoint({kind: 'pgpass', file})));
		expect(noMatch.code).toBe('auth');
		expect(noMatch.message).toContain('db.example.com:5432:shop:app');
		const missing = await refusal(resolvePassword(endpoint({kind: 'pgpass', file: join(dir.path, 'absent')})));
		expect(missing.code).toBe('config');
		expect(missing.message).toContain('ENOENT');
	});
});

describe('findPgpassPassword', () => {
	const target = {host: 'db.example.com', port: 5432, database: 'shop', user: 'app'};

	it('takes the first matching line, with * wildcards', () => {
		expect(findPgpassPassword('*:*:*:*:any\ndb.example.com:5432:shop:app:exact\n', target)).toBe('any');
		expect(findPgpassPassword('db.example.com:*:shop:app:one\n*:*:*:*:two\n', target)).toBe('one');
		expect(findPgpassPassword('db.example.com:5433:shop:app:x\n', target)).toBeUndefined();
	});

	it('honours backslash escapes of : and \\ in fields and password', () => {
		const text = 'db.example.com:5432:sh\\:op:app:p\\:a\\\\ss\n';
		expect(findPgpassPassword(text, {...target, database: 'sh:op'})).toBe('p:a\\ss');
		// An escaped * is a literal star, not a wildcard.
		expect(findPgpassPassword('db.example.com:5432:\\*:app:star\n', target)).toBeUndefined();
		expect(findPgpassPassword('db.example.com:5432:\\*:app:star\n', {...target, database: '*'})).toBe('star');
	});

	it('ignores comments, blank lines and CRLF endings; an empty password counts as none', () => {
		expect(
			findPgpassPassword(
				'# db.example.com:5432:shop:app:commented\r\n\r\ndb.example.com:5432:shop:app:crlf\r\n',
				target,
			),
		).toBe('crlf');
		expect(findPgpassPassword('db.example.com:5432:shop:app:\n*:*:*:*:later\n', target)).toBeUndefined();
	});

	it('matches localhost for the default socket directory', () => {
		expect(findPgpassPassword('localhost:5432:shop:app:sock\n', {...target, host: '/var/run/postgresql'})).toBe('sock');
	});
});
