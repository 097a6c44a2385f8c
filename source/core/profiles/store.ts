import {chmodSync, mkdirSync, statSync} from 'node:fs';
import {dirname} from 'node:path';
import Conf from 'conf';
import {sslModes, type Endpoint, type PasswordSource, type SslMode} from '../connection/endpoint.js';
import type {DatabaseIdentity} from '../connection/database-identity.js';
import {readableByOthers} from '../connection/password.js';
import {UserError} from '../errors.js';

/** A URL's password is never a profile's source: importing a URL turns it into `stored` or drops it. */
export type ProfilePasswordSource = Exclude<PasswordSource, {kind: 'url'}>;

/** One saved connection, as structured fields (never a URL plus overrides). */
export interface Profile
	extends Pick<Endpoint, 'host' | 'port' | 'database' | 'user' | 'sslmode' | 'sslrootcert' | 'production'> {
	passwordSource: ProfilePasswordSource;
	/** Present only when `passwordSource` is `stored`, which needs `savePassword: true`. */
	password?: string;
	/**
	 * Which database it reached when last connected (profile test, or a run that used it): recorded for
	 * production profiles, so the same database reached by another name is recognised as production.
	 */
	identity?: DatabaseIdentity;
}

export interface ProfileStore {
	/** The profiles file (`profiles.json` in the config directory). */
	readonly file: string;
	/** Names only, without validating the profiles (for messages listing what exists). */
	profileNames(): string[];
	listProfiles(): Array<{name: string; profile: Profile}>;
	getProfile(name: string): Profile | undefined;
	/** Saves (or replaces) a profile and returns what was written. The password is written only with `savePassword`. */
	saveProfile(name: string, profile: Profile, options: {savePassword: boolean}): Profile;
	/** False when there was no such profile. */
	removeProfile(name: string): boolean;
	/** Records which database the profile reaches (see Profile.identity); nothing else changes. */
	recordIdentity(name: string, identity: DatabaseIdentity): void;
}

interface StoreData {
	profiles?: Record<string, unknown>;
}

const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * The profile store in `PGCONVOY_CONFIG_DIR`, else conf's per-user config directory for `pgconvoy`.
 * The directory is kept 0700 and the file 0600; a file others can read is refused on every load.
 */
export function openProfileStore(options: {env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform} = {}): ProfileStore {
	const env = options.env ?? process.env;
	const platform = options.platform ?? process.platform;
	const directory = env.PGCONVOY_CONFIG_DIR || undefined;
	let invalidJson = false;
	let conf: Conf<StoreData>;
	try {
		conf = openConf();
	} catch (error) {
		// conf creates the directory on open: a read-only or missing home is a configuration problem.
		const code = (error as NodeJS.ErrnoException).code ?? 'error';
		throw new UserError(
			'config',
			`Cannot open pgconvoy's config directory ${directory ?? '(the per-user default)'} (${code}).`,
			'Make it writable, or point PGCONVOY_CONFIG_DIR at a directory pgconvoy may use (profiles and undo journals live there).',
			{cause: error},
		);
	}
	function openConf(): Conf<StoreData> {
		return new Conf<StoreData>({
			projectName: 'pgconvoy',
			projectSuffix: '',
			...(directory ? {cwd: directory} : {}),
			configName: 'profiles',
			configFileMode: 0o600,
			accessPropertiesByDotNotation: false,
			clearInvalidConfig: false,
			deserialize: (text) => {
				try {
					return JSON.parse(text) as StoreData;
				} catch {
					invalidJson = true;
					return {};
				}
			},
		});
	}
	const file = conf.path;

	const rawProfiles = (): Record<string, unknown> => {
		refuseOpenPermissions(file, platform);
		invalidJson = false;
		const profiles = conf.get('profiles') ?? {};
		if (invalidJson) {
			throw new UserError(
				'config',
				`The profile file ${file} is not valid JSON.`,
				`Fix it by hand or move it away (mv ${file} ${file}.broken) and add the profiles again.`,
			);
		}
		return profiles;
	};

	const write = (profiles: Record<string, unknown>) => {
		const folder = dirname(file);
		mkdirSync(folder, {recursive: true, mode: 0o700});
		chmodSync(folder, 0o700);
		conf.set('profiles', profiles);
		chmodSync(file, 0o600);
	};

	return {
		file,
		profileNames: () => Object.keys(rawProfiles()).sort(),
		listProfiles() {
			const profiles = rawProfiles();
			return Object.keys(profiles)
				.sort()
				.map((name) => ({name, profile: validateProfile(name, profiles[name], file)}));
		},
		getProfile(name) {
			const profiles = rawProfiles();
			return Object.hasOwn(profiles, name) ? validateProfile(name, profiles[name], file) : undefined;
		},
		saveProfile(name, profile, {savePassword}) {
			checkProfileName(name);
			const stored = profileToStore(name, profile, savePassword);
			write({...rawProfiles(), [name]: stored});
			return stored;
		},
		removeProfile(name) {
			const profiles = rawProfiles();
			if (!Object.hasOwn(profiles, name)) return false;
			const {[name]: _removed, ...rest} = profiles;
			write(rest);
			return true;
		},
		recordIdentity(name, identity) {
			const profiles = rawProfiles();
			const current = profiles[name];
			if (typeof current !== 'object' || current === null) return;
			write({...profiles, [name]: {...current, identity: {...identity}}});
		},
	};
}

export function isValidProfileName(name: string): boolean {
	return profileNamePattern.test(name);
}

export function checkProfileName(name: string): void {
	if (!isValidProfileName(name)) {
		throw new UserError(
			'usage',
			`"${name}" is not a valid profile name.`,
			'Use letters, digits, ".", "_" and "-" (up to 63 characters), starting with a letter or digit.',
		);
	}
}

/** The endpoint a profile describes; the password is included only when it is stored. */
export function profileToEndpoint(name: string, profile: Profile, origin: string): Endpoint {
	return {
		host: profile.host,
		port: profile.port,
		database: profile.database,
		user: profile.user,
		sslmode: profile.sslmode,
		...(profile.sslrootcert ? {sslrootcert: profile.sslrootcert} : {}),
		passwordSource: profile.passwordSource,
		...(profile.passwordSource.kind === 'stored' && profile.password ? {password: profile.password} : {}),
		production: profile.production,
		origin,
		profileName: name,
	};
}

function refuseOpenPermissions(file: string, platform: NodeJS.Platform): void {
	let mode: number;
	try {
		mode = statSync(file).mode;
	} catch {
		return;
	}
	if (readableByOthers(mode, platform)) {
		throw new UserError(
			'config',
			`The profile file ${file} is readable by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); pgconvoy refuses to use it.`,
			`chmod 600 ${file}`,
		);
	}
}

function profileToStore(name: string, profile: Profile, savePassword: boolean): Profile {
	const fields = {...profile, production: profile.production === true};
	if (savePassword) {
		if (!profile.password) {
			throw new UserError(
				'usage',
				`Profile "${name}": --save-password was given but there is no password to save.`,
				'Put it in the URL, or run on a terminal to type it.',
			);
		}
		fields.passwordSource = {kind: 'stored'};
	} else {
		if (profile.passwordSource.kind === 'stored') {
			throw new UserError(
				'usage',
				`Profile "${name}": storing the password needs --save-password.`,
				'Add --save-password (it is kept in plain text in a 0600 file), or use --password-env VAR or --pgpass.',
			);
		}
		delete fields.password;
	}
	return validateProfile(name, fields, undefined);
}

/** Checks every field, so a hand-edited or partial profile is an error instead of a PG* environment fallback. */
function validateProfile(name: string, raw: unknown, file: string | undefined): Profile {
	const where = file ? `Profile "${name}" in ${file}` : `Profile "${name}"`;
	const fix = file
		? `Fix it in the file, or save it again: pgconvoy profile add ${name} --force (on a terminal, a form asks its fields).`
		: 'Give every field: host, port, database, user.';
	const fail = (problem: string): never => {
		throw new UserError('config', `${where} ${problem}.`, fix);
	};
	if (typeof raw !== 'object' || raw === null) return fail('is not an object');
	const value = raw as Record<string, unknown>;
	const text = (key: string) => {
		const field = value[key];
		if (typeof field !== 'string' || field.trim() === '') return fail(`has no ${key}`);
		return field as string;
	};
	const host = text('host');
	const database = text('database');
	const user = text('user');
	const port = value.port;
	if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535)
		fail('has no valid port (1-65535)');
	const sslmode = value.sslmode;
	if (typeof sslmode !== 'string' || !(sslModes as readonly string[]).includes(sslmode))
		fail(`has no valid sslmode (${sslModes.join(', ')})`);
	if (value.sslrootcert !== undefined && (typeof value.sslrootcert !== 'string' || value.sslrootcert === ''))
		fail('has an invalid sslrootcert');
	if (typeof value.production !== 'boolean') fail('does not say whether it is production (production: true or false)');
	const passwordSource =
		validatePasswordSource(value.passwordSource) ??
		fail('has no valid passwordSource (prompt, env, pgpass, stored or none)');
	const password = value.password;
	if (passwordSource.kind === 'stored' && (typeof password !== 'string' || password === ''))
		fail('says its password is stored, but none is saved');
	if (passwordSource.kind !== 'stored' && password !== undefined)
		fail(`holds a password although its password source is ${passwordSource.kind}`);
	const identity = value.identity;
	const identityText = (field: unknown) => field === undefined || (typeof field === 'string' && field !== '');
	if (
		identity !== undefined &&
		(typeof identity !== 'object' ||
			identity === null ||
			!identityText((identity as DatabaseIdentity).system) ||
			!identityText((identity as DatabaseIdentity).address))
	)
		fail('has an invalid identity (system and address, both text)');
	return {
		host,
		port: port as number,
		database,
		user,
		sslmode: sslmode as SslMode,
		...(value.sslrootcert ? {sslrootcert: value.sslrootcert as string} : {}),
		production: value.production as boolean,
		passwordSource,
		...(passwordSource.kind === 'stored' ? {password: password as string} : {}),
		...(identity ? {identity: pickIdentity(identity as DatabaseIdentity)} : {}),
	};
}

function pickIdentity(identity: DatabaseIdentity): DatabaseIdentity {
	return {
		...(identity.system ? {system: identity.system} : {}),
		...(identity.address ? {address: identity.address} : {}),
	};
}

function validatePasswordSource(raw: unknown): ProfilePasswordSource | undefined {
	if (typeof raw !== 'object' || raw === null) return undefined;
	const source = raw as Record<string, unknown>;
	switch (source.kind) {
		case 'prompt':
		case 'stored':
		case 'none':
			return {kind: source.kind};
		case 'env':
			return typeof source.variable === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(source.variable)
				? {kind: 'env', variable: source.variable}
				: undefined;
		case 'pgpass':
			if (source.file === undefined) return {kind: 'pgpass'};
			return typeof source.file === 'string' && source.file !== '' ? {kind: 'pgpass', file: source.file} : undefined;
		default:
			return undefined;
	}
}
