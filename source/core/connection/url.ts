import {hostKey, sslModes, type Endpoint, type SslMode} from './endpoint.js';
import {UserError} from '../errors.js';

const schemePattern = /^postgres(?:ql)?:\/\//i;

/** Query parameters that mean something to pgconvoy; everything else is refused rather than silently dropped. */
const understoodParameters = new Set(['host', 'port', 'user', 'password', 'dbname', 'sslmode', 'sslrootcert']);
/** Harmless libpq/node-postgres parameters: pgconvoy sets its own application_name and libpq semantics. */
const ignoredParameters = new Set(['application_name', 'connect_timeout', 'uselibpqcompat']);

/** Hosts where plaintext never leaves the machine, so `disable` is the sensible default. */
export function isLocalHost(host: string): boolean {
	return hostKey(host) === 'loopback';
}

/**
 * The sslmode when none is given. libpq's own default, `prefer`, falls back to plaintext without a
 * word; pgconvoy never does that off this machine or for production: `require` there, or
 * `verify-full` when a root certificate is configured (sslrootcert). This machine's servers get
 * `disable`, unless the database is production. An explicit sslmode (even `disable`) always wins.
 */
export function defaultSslMode(host: string, options: {production?: boolean; sslrootcert?: string} = {}): SslMode {
	if (isLocalHost(host) && !options.production) return 'disable';
	return options.sslrootcert ? 'verify-full' : 'require';
}

export function isSslMode(value: string): value is SslMode {
	return (sslModes as readonly string[]).includes(value);
}

/**
 * Parses `postgres://user:password@host:port/database?sslmode=...` once into explicit fields.
 * Nothing missing is filled from PG* environment variables: a URL without a user, host or database
 * is an error. An unencoded `@` is taken as part of the password (the last `@` ends the user info).
 */
export function parseConnectionUrl(url: string, origin: string): Endpoint {
	const text = url.trim();
	if (!schemePattern.test(text)) {
		throw new UserError(
			'config',
			`${origin}: not a PostgreSQL URL.`,
			'Write it as postgres://user:password@host:5432/database.',
		);
	}
	const rest = text.replace(schemePattern, '');
	const at = rest.lastIndexOf('@');
	const userInfo = at === -1 ? undefined : rest.slice(0, at);
	const afterUserInfo = at === -1 ? rest : rest.slice(at + 1);

	const pathStart = afterUserInfo.search(/[/?]/);
	const hostPort = pathStart === -1 ? afterUserInfo : afterUserInfo.slice(0, pathStart);
	const pathAndQuery = pathStart === -1 ? '' : afterUserInfo.slice(pathStart);
	const queryStart = pathAndQuery.indexOf('?');
	const path = queryStart === -1 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
	const query = queryStart === -1 ? '' : pathAndQuery.slice(queryStart + 1);

	const decode = (value: string, what: string) => {
		try {
			return decodeURIComponent(value);
		} catch {
			throw new UserError(
				'config',
				`${origin}: the ${what} in the URL is not valid percent-encoding.`,
				'Encode special characters as %XX, e.g. @ as %40, / as %2F, % as %25.',
			);
		}
	};

	let user = '';
	let password: string | undefined;
	if (userInfo !== undefined) {
		const colon = userInfo.indexOf(':');
		user = decode(colon === -1 ? userInfo : userInfo.slice(0, colon), 'user name');
		if (colon !== -1) password = decode(userInfo.slice(colon + 1), 'password');
	}

	let {host, port} = splitHostPort(hostPort, origin);
	host = decode(host, 'host');
	let database = path.startsWith('/') ? decode(path.slice(1), 'database name') : '';
	let sslmode: SslMode | undefined;
	let sslrootcert: string | undefined;

	for (const pair of query.split('&').filter(Boolean)) {
		const equals = pair.indexOf('=');
		const key = decode(equals === -1 ? pair : pair.slice(0, equals), 'parameter name');
		const value = decode(equals === -1 ? '' : pair.slice(equals + 1), `"${key}" parameter`);
		if (ignoredParameters.has(key)) continue;
		if (key === 'service') {
			throw new UserError(
				'config',
				`${origin}: service= (pg_service.conf) is not supported.`,
				'Give host, port, database and user in the URL, or save them as a profile: pgconvoy profile add <name>.',
			);
		}
		if (!understoodParameters.has(key)) {
			throw new UserError(
				'config',
				`${origin}: unsupported URL parameter "${key}".`,
				`Remove it from the URL. pgconvoy understands: ${[...understoodParameters].join(', ')}.`,
			);
		}
		switch (key) {
			case 'host':
				host = value;
				break;
			case 'port':
				port = parsePort(value, origin);
				break;
			case 'user':
				user = value;
				break;
			case 'password':
				password = value;
				break;
			case 'dbname':
				database = value;
				break;
			case 'sslmode':
				if (!isSslMode(value)) {
					throw new UserError(
						'config',
						`${origin}: unknown sslmode "${value}".`,
						`Use one of: ${sslModes.join(', ')}.`,
					);
				}
				sslmode = value;
				break;
			case 'sslrootcert':
				sslrootcert = value;
				break;
		}
	}

	if (!host) {
		throw new UserError(
			'config',
			`${origin}: the URL has no host.`,
			'Write the host explicitly, e.g. postgres://user@localhost:5432/database (PGHOST is not used).',
		);
	}
	if (!user) {
		throw new UserError(
			'config',
			`${origin}: the URL has no user name.`,
			'Write it before the host: postgres://USER@host:5432/database (PGUSER is not used).',
		);
	}
	if (!database) {
		throw new UserError(
			'config',
			`${origin}: the URL has no database name.`,
			'Write it after the host: postgres://user@host:5432/DATABASE (PGDATABASE is not used).',
		);
	}

	const hasPassword = password !== undefined && password !== '';
	return {
		host,
		port,
		database,
		user,
		sslmode: sslmode ?? defaultSslMode(host, {sslrootcert}),
		...(sslmode ? {} : {sslmodeDefaulted: true}),
		...(sslrootcert ? {sslrootcert} : {}),
		passwordSource: hasPassword ? {kind: 'url'} : {kind: 'prompt'},
		...(hasPassword ? {password} : {}),
		production: false,
		origin,
	};
}

function splitHostPort(hostPort: string, origin: string): {host: string; port: number} {
	if (hostPort.includes(',')) {
		throw new UserError(
			'config',
			`${origin}: URLs with several hosts are not supported.`,
			'Give the one server to sync with.',
		);
	}
	if (hostPort.startsWith('[')) {
		const close = hostPort.indexOf(']');
		if (close === -1)
			throw new UserError(
				'config',
				`${origin}: the IPv6 address in the URL has no closing "]".`,
				'Write it as postgres://user@[::1]:5432/database.',
			);
		const after = hostPort.slice(close + 1);
		if (after !== '' && !after.startsWith(':'))
			throw new UserError(
				'config',
				`${origin}: unexpected text after the IPv6 address.`,
				'Write it as postgres://user@[::1]:5432/database.',
			);
		return {host: hostPort.slice(1, close), port: after ? parsePort(after.slice(1), origin) : 5432};
	}
	const colon = hostPort.lastIndexOf(':');
	if (colon === -1) return {host: hostPort, port: 5432};
	if (hostPort.indexOf(':') !== colon) {
		throw new UserError(
			'config',
			`${origin}: an IPv6 address in a URL needs brackets.`,
			'Write it as postgres://user@[::1]:5432/database.',
		);
	}
	return {host: hostPort.slice(0, colon), port: parsePort(hostPort.slice(colon + 1), origin)};
}

function parsePort(value: string, origin: string): number {
	const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
	if (!(port >= 1 && port <= 65_535)) {
		throw new UserError(
			'config',
			`${origin}: "${value}" is not a port number.`,
			'Use a number from 1 to 65535; PostgreSQL listens on 5432 by default.',
		);
	}
	return port;
}

/**
 * The endpoint as a URL without its password (`postgresql://user@host:port/database?sslmode=…`), for a
 * command to print: psql and pgconvoy both read it, and ask for (or look up) the password themselves.
 */
export function endpointUrl(
	endpoint: Pick<Endpoint, 'user' | 'host' | 'port' | 'database' | 'sslmode' | 'sslrootcert'>,
): string {
	const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : encodeURIComponent(endpoint.host);
	const query = [
		`sslmode=${endpoint.sslmode}`,
		...(endpoint.sslrootcert ? [`sslrootcert=${encodeURIComponent(endpoint.sslrootcert)}`] : []),
	];
	return `postgresql://${encodeURIComponent(endpoint.user)}@${host}:${endpoint.port}/${encodeURIComponent(endpoint.database)}?${query.join('&')}`;
}

/*
 * The password runs to the last `@` before the next URL on the same line, so passwords holding `@`,
 * `/` or spaces are hidden whole; over-redacting a line is preferable to leaking part of a secret.
 */
const urlPasswordPattern = /(postgres(?:ql)?:\/\/[^:@\s/]*):(?:(?!postgres(?:ql)?:\/\/)[^\n])*@/gi;
const parameterPasswordPattern = /((?:^|[?&\s"'])password=)[^&\s"']*/gi;

/** Replaces every password inside PostgreSQL URLs (and `password=` parameters) in arbitrary text with `***`. */
export function redactUrl(text: string): string {
	return text.replace(urlPasswordPattern, '$1:***@').replace(parameterPasswordPattern, '$1***');
}
