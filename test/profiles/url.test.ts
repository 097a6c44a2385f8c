import {describe, expect, it} from 'vitest';
import {parseConnectionUrl, redactUrl} from '../../source/core/connection/url.js';
import {UserError} from '../../source/core/errors.js';

function parseError(url: string): UserError {
	try {
		parseConnectionUrl(url, '--to');
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		return error as UserError;
	}
	throw new Error(`expected ${url} to be refused`);
}

describe('parseConnectionUrl', () => {
	it('parses every field of a postgresql:// URL', () => {
		const endpoint = parseConnectionUrl(
			'postgresql://app:secret@db.example.com:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem',
			'--to',
		);
		expect(endpoint).toEqual({
			host: 'db.example.com',
			port: 6543,
			database: 'shop',
			user: 'app',
			sslmode: 'verify-full',
			sslrootcert: '/etc/ca.pem',
			passwordSource: {kind: 'url'},
			password: 'secret',
			production: false,
			origin: '--to',
		});
	});

	it('accepts postgres:// and defaults the port to 5432', () => {
		const endpoint = parseConnectionUrl('postgres://root@localhost/systeme_intelligent', 'DATABASE_URL_LOCAL');
		expect(endpoint).toMatchObject({
			host: 'localhost',
			port: 5432,
			user: 'root',
			database: 'systeme_intelligent',
			origin: 'DATABASE_URL_LOCAL',
		});
	});

	it('without a password in the URL, the password source is prompt', () => {
		const endpoint = parseConnectionUrl('postgres://root@localhost/db', '--from');
		expect(endpoint.passwordSource).toEqual({kind: 'prompt'});
		expect(endpoint).not.toHaveProperty('password');
		expect(parseConnectionUrl('postgres://root:@localhost/db', '--from').passwordSource).toEqual({kind: 'prompt'});
	});

	it('percent-decodes user, password and database', () => {
		const endpoint = parseConnectionUrl('postgres://us%40er:p%40ss%3Aw%2Ford%25@localhost/my%20db', '--to');
		expect(endpoint.user).toBe('us@er');
		expect(endpoint.password).toBe('p@ss:w/ord%');
		expect(endpoint.database).toBe('my db');
	});

	it('keeps URL-special characters of an unencoded password (the last @ ends it)', () => {
		const password = 'g#4624$@F$#v`?x/y';
		const endpoint = parseConnectionUrl(`postgres://app:${password}@db.internal:5432/app`, '--to');
		expect(endpoint.password).toBe(password);
		expect(endpoint.host).toBe('db.internal');
		expect(endpoint.database).toBe('app');
	});

	it('parses a bracketed IPv6 host with and without a port', () => {
		expect(parseConnectionUrl('postgres://u:p@[::1]:5433/db', '--to')).toMatchObject({
			host: '::1',
			port: 5433,
			sslmode: 'disable',
		});
		expect(parseConnectionUrl('postgres://u@[2001:db8::7]/db', '--to')).toMatchObject({
			host: '2001:db8::7',
			port: 5432,
			sslmode: 'require',
		});
		expect(parseError('postgres://u@2001:db8::7/db').hint).toContain('[::1]');
	});

	it('defaults sslmode to disable for local hosts and sockets, require (verify-full with a root certificate) for remote ones', () => {
		expect(parseConnectionUrl('postgres://u@localhost/db', 'x').sslmode).toBe('disable');
		expect(parseConnectionUrl('postgres://u@127.0.0.1/db', 'x').sslmode).toBe('disable');
		expect(parseConnectionUrl('postgres://u@%2Fvar%2Frun%2Fpostgresql/db', 'x')).toMatchObject({
			host: '/var/run/postgresql',
			sslmode: 'disable',
		});
		expect(parseConnectionUrl('postgres://u@/db?host=/tmp', 'x')).toMatchObject({host: '/tmp', sslmode: 'disable'});
		expect(parseConnectionUrl('postgres://u@db.example.com/db', 'x')).toMatchObject({
			sslmode: 'require',
			sslmodeDefaulted: true,
		});
		expect(parseConnectionUrl('postgres://u@db.example.com/db?sslrootcert=/ca.pem', 'x').sslmode).toBe('verify-full');
		expect(parseConnectionUrl('postgres://u@db.example.com/db?sslmode=prefer', 'x')).toMatchObject({sslmode: 'prefer'});
		expect(parseConnectionUrl('postgres://u@db.example.com/db?sslmode=disable', 'x').sslmodeDefaulted).toBeUndefined();
		expect(parseConnectionUrl('postgres://u@LOCALHOST./db', 'x').sslmode).toBe('disable');
	});

	it('accepts libpq query parameters for user, password, dbname and port', () => {
		const endpoint = parseConnectionUrl(
			'postgresql://db.example.com?user=app&password=a%26b&dbname=shop&port=7000&application_name=x',
			'x',
		);
		expect(endpoint).toMatchObject({
			host: 'db.example.com',
			user: 'app',
			password: 'a&b',
			database: 'shop',
			port: 7000,
			passwordSource: {kind: 'url'},
		});
	});

	it('refuses a URL missing the user, the database or the host, without reading PG* variables', () => {
		const saved = {...process.env};
		Object.assign(process.env, {PGUSER: 'envuser', PGDATABASE: 'envdb', PGHOST: 'envhost'});
		try {
			expect(parseError('postgres://localhost/db')).toMatchObject({
				code: 'config',
				message: expect.stringContaining('no user'),
			});
			expect(parseError('postgres://u@localhost')).toMatchObject({
				code: 'config',
				message: expect.stringContaining('no database'),
			});
			expect(parseError('postgres://u@localhost/')).toMatchObject({code: 'config'});
			expect(parseError('postgres://u@/db')).toMatchObject({
				code: 'config',
				message: expect.stringContaining('no host'),
			});
			expect(parseError('postgres://u@/db').hint).toContain('PGHOST is not used');
		} finally {
			process.env = saved;
		}
	});

	it('refuses bad ports, schemes, sslmodes, encodings and unknown parameters, never echoing the password', () => {
		const cases = [
			'postgres://u:hunter2secret@h:99999/db',
			'postgres://u:hunter2secret@h:abc/db',
			'mysql://u:hunter2secret@h/db',
			'postgres://u:hunter2secret@h/db?sslmode=no-verify',
			'postgres://u:hunter2secret@h/db%zz',
			'postgres://u:hunter2secret@h/db?sslkey=/k',
			'postgres://u:hunter2secret@h/db?service=prod',
			'postgres://u:hunter2secret@h1,h2/db',
		];
		for (const url of cases) {
			const error = parseError(url);
			expect(error.code).toBe('config');
			expect(error.hint).toBeTruthy();
			expect(`${error.message} ${error.hint}`).not.toContain('hunter2secret');
		}
	});
});

describe('redactUrl', () => {
	it('replaces the password of a URL in arbitrary text', () => {
		expect(redactUrl('cannot reach postgres://app:s3cret@db:5432/shop now')).toBe(
			'cannot reach postgres://app:***@db:5432/shop now',
		);
		expect(redactUrl('postgresql://app:s3cret@db/shop')).toBe('postgresql://app:***@db/shop');
		expect(redactUrl('POSTGRES://app:s3cret@db/shop')).toBe('POSTGRES://app:***@db/shop');
	});

	it('hides passwords with URL-special characters whole', () => {
		for (const password of ['g#4624$@F$#v`', 'p@ss/w:rd?', 'with space@', 'p%40ss']) {
			const text = `failed: postgres://app:${password}@db.example.com:5432/app (origin --to)`;
			const redacted = redactUrl(text);
			expect(redacted).toContain('postgres://app:***@db.example.com:5432/app');
			expect(redacted).not.toContain(password);
		}
	});

	it('redacts each of several URLs on one line, and password= parameters', () => {
		const text = 'from postgres://a:one@h1/d1 to postgresql://b:two@h2/d2?password=three&sslmode=require';
		const redacted = redactUrl(text);
		expect(redacted).toBe('from postgres://a:***@h1/d1 to postgresql://b:***@h2/d2?password=***&sslmode=require');
	});

	it('leaves URLs without a password alone', () => {
		const text = 'postgres://app@db:5432/shop and postgres://[::1]:5432/x';
		expect(redactUrl(text)).toBe(text);
	});
});
