import {readFileSync, statSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import {describeEndpoint, type Endpoint, type PasswordSource} from './endpoint.js';
import {UserError} from '../errors.js';

/**
 * A password source that cannot give a password here. `endpoint` (never its secret) lets a front-end
 * add the commands that fix it (a profile with another source): core says what, in prose only.
 * `need`: `stored` when the fix is to save the password again, `unattended` for a source that works
 * without a terminal.
 */
export class PasswordSourceError extends UserError {
	readonly endpoint: Omit<Endpoint, 'password'>;
	readonly need: 'stored' | 'unattended';
	constructor(
		code: 'config' | 'auth',
		message: string,
		hint: string,
		endpoint: Endpoint,
		need: 'stored' | 'unattended',
	) {
		super(code, message, hint);
		const {password: _secret, ...withoutSecret} = endpoint;
		this.endpoint = withoutSecret;
		this.need = need;
	}
}

/** The sources that work without a terminal, in prose (front-ends add the commands). */
const unattendedSources =
	'through an environment variable or a ~/.pgpass line (a profile whose password source is env:VAR or pgpass)';

export interface PasswordIo {
	/** Asks on the terminal without echo. Absent when there is no TTY. */
	promptPassword?: (question: string) => Promise<string>;
	/** Where `env:VAR` sources are read; defaults to process.env. PGPASSWORD is never read unless named. */
	env?: NodeJS.ProcessEnv;
	/** Decides the pgpass file's default place and whether its mode bits mean anything; defaults to process.platform. */
	platform?: NodeJS.Platform;
}

/** How a password source is shown: `prompt`, `env:VAR`, `pgpass`, `pgpass:FILE`, `stored`, `url`, `none`. */
export function describePasswordSource(source: PasswordSource): string {
	switch (source.kind) {
		case 'env':
			return `env:${source.variable}`;
		case 'pgpass':
			return source.file ? `pgpass:${source.file}` : 'pgpass';
		default:
			return source.kind;
	}
}

/**
 * The one way every command gets an endpoint's secret (test connection, preview and sync alike).
 * Returns the endpoint with `password` set (none for `none`); a password that cannot be found is an
 * error naming the source, never a fallback to another source or to PGPASSWORD.
 */
export async function resolvePassword(endpoint: Endpoint, io: PasswordIo = {}): Promise<Endpoint> {
	const where = `${describeEndpoint(endpoint)} (${endpoint.origin})`;
	const source = endpoint.passwordSource;
	const withPassword = (password: string): Endpoint => ({...endpoint, password});
	switch (source.kind) {
		case 'url':
			if (endpoint.password) return withPassword(endpoint.password);
			throw new PasswordSourceError(
				'config',
				`${where}: the URL has no password.`,
				`Put it in the URL (percent-encoded), or give it ${unattendedSources}.`,
				endpoint,
				'unattended',
			);
		case 'stored':
			if (endpoint.password) return withPassword(endpoint.password);
			throw new PasswordSourceError(
				'config',
				`${where}: the profile says its password is stored, but none is saved.`,
				`Save the profile again with its password, or give it ${unattendedSources}.`,
				endpoint,
				'stored',
			);
		case 'env': {
			const value = (io.env ?? process.env)[source.variable];
			if (value) return withPassword(value);
			throw new UserError(
				'auth',
				`${where}: the password comes from the environment variable ${source.variable}, which is ${value === undefined ? 'not set' : 'empty'}.`,
				`Set it before running: export ${source.variable}=... (or read -s ${source.variable} && export ${source.variable}).`,
			);
		}
		case 'pgpass': {
			const platform = io.platform ?? process.platform;
			return withPassword(
				passwordFromPgpass(
					endpoint,
					source.file ?? defaultPgpassFile(platform, io.env ?? process.env),
					where,
					platform,
				),
			);
		}
		case 'prompt': {
			if (!io.promptPassword) {
				throw new PasswordSourceError(
					'auth',
					`${where}: no TTY to ask for the password; use env:VAR or pgpass.`,
					`Give it ${unattendedSources}.`,
					endpoint,
					'unattended',
				);
			}
			const answer = await io.promptPassword(`Password for ${describeEndpoint(endpoint)}: `);
			if (answer) return withPassword(answer);
			throw new UserError(
				'auth',
				`${where}: no password entered.`,
				'Type the password, or use the none password source for a server that trusts this user without one.',
			);
		}
		case 'none': {
			const {password: _ignored, ...withoutPassword} = endpoint;
			return withoutPassword;
		}
	}
}

/**
 * The value for node-postgres' `password` option. A function, so that pg never substitutes
 * PGPASSWORD or reads ~/.pgpass on its own (it does both for an empty or missing string); it is only
 * called if the server actually asks for a password.
 */
export function pgPasswordOption(endpoint: Endpoint): () => string {
	return () => {
		if (endpoint.password) return endpoint.password;
		throw new PasswordSourceError(
			'auth',
			`${describeEndpoint(endpoint)} (${endpoint.origin}) asks for a password, but the password source is ${describePasswordSource(endpoint.passwordSource)}.`,
			`Give it ${unattendedSources}.`,
			endpoint,
			'unattended',
		);
	};
}

/** libpq's default password file: ~/.pgpass, or %APPDATA%\postgresql\pgpass.conf on Windows. */
export function defaultPgpassFile(
	platform: NodeJS.Platform = process.platform,
	env: NodeJS.ProcessEnv = process.env,
): string {
	if (platform !== 'win32') return path.posix.join(homedir(), '.pgpass');
	return path.win32.join(env.APPDATA ?? path.win32.join(homedir(), 'AppData', 'Roaming'), 'postgresql', 'pgpass.conf');
}

/**
 * Whether a secret file (a pgpass file, the profiles file) is open to other users. These are POSIX
 * mode bits; on Windows every file reports them, so there is nothing to judge, and libpq skips its
 * pgpass check on WIN32 too (access is governed by ACLs there).
 */
export function readableByOthers(mode: number, platform: NodeJS.Platform = process.platform): boolean {
	return platform !== 'win32' && (mode & 0o077) !== 0;
}

function passwordFromPgpass(endpoint: Endpoint, file: string, where: string, platform: NodeJS.Platform): string {
	let mode: number;
	try {
		const stats = statSync(file);
		if (!stats.isFile())
			throw new UserError(
				'config',
				`${where}: the password file ${file} is not a plain file.`,
				'Point --pgpass at a regular file with lines host:port:database:user:password.',
			);
		mode = stats.mode;
	} catch (error) {
		if (error instanceof UserError) throw error;
		throw new UserError(
			'config',
			`${where}: cannot read the password file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
			'Create it with a line host:port:database:user:password and chmod 600, or choose another password source.',
			{cause: error},
		);
	}
	// libpq ignores a password file others can read; a profile that relies on one fails instead.
	if (readableByOthers(mode, platform)) {
		throw new UserError(
			'config',
			`${where}: the password file ${file} is readable by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}), so it is not used.`,
			`chmod 600 ${file}`,
		);
	}
	const password = findPgpassPassword(readFileSync(file, 'utf8'), endpoint);
	if (password) return password;
	throw new UserError(
		'auth',
		`${where}: no line in ${file} matches ${endpoint.host}:${endpoint.port}:${endpoint.database}:${endpoint.user}.`,
		`Add a line ${escapePgpassField(endpoint.host)}:${endpoint.port}:${escapePgpassField(endpoint.database)}:${escapePgpassField(endpoint.user)}:PASSWORD (fields may be *).`,
	);
}

const defaultSocketDirectories = new Set(['/tmp', '/var/run/postgresql', '/run/postgresql']);

/**
 * libpq's lookup: the first line whose host, port, database and user match wins; a field of `*`
 * matches anything; `\` escapes `:` and `\`; `localhost` also matches the default socket directory.
 * An empty password on the matching line counts as none, as in libpq.
 */
export function findPgpassPassword(
	text: string,
	endpoint: Pick<Endpoint, 'host' | 'port' | 'database' | 'user'>,
): string | undefined {
	const hosts = defaultSocketDirectories.has(endpoint.host) ? [endpoint.host, 'localhost'] : [endpoint.host];
	const wanted = [hosts, [String(endpoint.port)], [endpoint.database], [endpoint.user]];
	for (const rawLine of text.split('\n')) {
		const line = rawLine.replace(/\r$/, '');
		if (line === '' || line.startsWith('#')) continue;
		const fields = splitPgpassLine(line);
		if (fields.length < 5) continue;
		const matches = wanted.every((candidates, index) => {
			const field = fields[index];
			return field.raw === '*' || candidates.includes(field.value);
		});
		if (matches) return fields[4].value || undefined;
	}
	return undefined;
}

function splitPgpassLine(line: string): Array<{raw: string; value: string}> {
	const fields: Array<{raw: string; value: string}> = [];
	let raw = '';
	let value = '';
	for (let index = 0; index < line.length; index++) {
		const char = line[index];
		if (char === '\\' && index + 1 < line.length) {
			raw += char + line[index + 1];
			value += line[++index];
		} else if (char === ':' && fields.length < 4) {
			fields.push({raw, value});
			raw = '';
			value = '';
		} else if (char === ':') {
			// libpq ends the password at the next unescaped colon.
			break;
		} else {
			raw += char;
			value += char;
		}
	}
	fields.push({raw, value});
	return fields;
}

function escapePgpassField(value: string): string {
	return value.replace(/[\\:]/g, '\\$&');
}
