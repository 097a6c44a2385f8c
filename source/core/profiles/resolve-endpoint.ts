/**
 * The one way an endpoint is resolved, for every command and the wizard: what was given (a URL, a
 * profile name, `env:VAR`, `-` for standard input, or nothing: the default), then whether it is
 * production (a property of the database: the same host, port and database as a production profile,
 * or the same server identity once connected; or `--production`), then its TLS default, then its
 * password, then one short connection where production or `prefer` needs settling.
 */
import {endpointDefault} from '../connection/default-endpoints.js';
import {sameIdentity} from '../connection/database-identity.js';
import {sameDatabase, type Endpoint, type EndpointGiven} from '../connection/endpoint.js';
import {resolvePassword, type PasswordIo} from '../connection/password.js';
import {probeDatabase, type DatabaseProbe} from '../connection/probe.js';
import {defaultSslMode, parseConnectionUrl} from '../connection/url.js';
import {UserError} from '../errors.js';
import {closestName} from './closest-name.js';
import {isValidProfileName, openProfileStore, profileToEndpoint, type Profile, type ProfileStore} from './store.js';

export type ProfileLookup = Pick<ProfileStore, 'getProfile' | 'profileNames' | 'listProfiles' | 'recordIdentity'>;

export interface ProfileLookupPurpose {
	/**
	 * `existing`: the command acts on a saved profile (show, remove, test), so a wrong name is a typo to
	 * correct, not a profile to create. `use` (default): a connection to use, which may also be saved.
	 */
	purpose?: 'use' | 'existing';
}

export interface EndpointRequest {
	role: 'source' | 'target';
	/** As given: a URL, a profile name, `env:VAR`, or `-` (standard input). Undefined: the role's default. */
	value?: string;
	/** What gave it, for messages: `--to`, `the target URL`. */
	origin?: string;
	/** `--production`: this database is production, whatever the profiles say. */
	production?: boolean;
}

export interface ResolveContext extends PasswordIo {
	env: NodeJS.ProcessEnv;
	/** Where `.env` is looked for. */
	cwd: string;
	/** Saved profiles; default: the store of `env` (PGCONVOY_CONFIG_DIR), opened when first needed. */
	profiles?: ProfileLookup;
	/** Standard input's text, for `-` (the first line is the URL). Absent: `-` is refused. */
	readStdin?: () => Promise<string>;
}

/** The profile store of `env`, opened only when first asked. */
export function lazyProfileLookup(env: NodeJS.ProcessEnv): ProfileLookup {
	let store: ProfileStore | undefined;
	const open = () => (store ??= openProfileStore({env}));
	return {
		getProfile: (name) => open().getProfile(name),
		profileNames: () => open().profileNames(),
		listProfiles: () => open().listProfiles(),
		recordIdentity: (name, identity) => open().recordIdentity(name, identity),
	};
}

/**
 * Resolves fully: `parseEndpoint` then `completeEndpoint`. Undefined only for a target with no value
 * and no DATABASE_URL_PROD (each command says what that means for it).
 */
export async function resolveEndpoint(
	request: EndpointRequest,
	context: ResolveContext,
): Promise<Endpoint | undefined> {
	const stdin = request.value?.trim() === '-' ? await readStdinUrl(request, context) : undefined;
	const endpoint = parseEndpoint(request, context, {stdin});
	return endpoint && completeEndpoint(endpoint, context, request.role);
}

/**
 * What was given, as an endpoint, production by address and with its TLS default; no password yet,
 * nothing connected. Synchronous, for the wizard's typed values and candidates.
 */
export function parseEndpoint(
	request: EndpointRequest,
	context: Omit<ResolveContext, 'readStdin'>,
	options: ProfileLookupPurpose & {stdin?: string} = {},
): Endpoint | undefined {
	const profiles = context.profiles ?? lazyProfileLookup(context.env);
	const given = givenValue(request, context);
	if (!given) return undefined;
	const {text, origin, how} = given;
	const origins = {origin, how};
	let endpoint: Endpoint;
	if (text === '-') {
		if (options.stdin === undefined)
			throw new UserError(
				'usage',
				`${origin}: "-" reads the URL from standard input, which only a command run from a script can do.`,
				'Give a URL, a profile name or env:VAR instead.',
			);
		endpoint = fromUrl(options.stdin, `${origin} (standard input)`, {kind: 'stdin'});
	} else if (/^env:/i.test(text)) {
		endpoint = fromVariable(text.slice(4), context.env, origins);
	} else if (text.includes('://')) {
		endpoint = fromUrl(text, origin, how ?? {kind: 'url'});
	} else {
		endpoint = fromProfile(text, origin, profiles, options);
		if (how) endpoint = {...endpoint, given: how};
	}
	return withProduction(endpoint, request, profiles);
}

/**
 * The password from its source, then one short connection when something is still open: a `prefer`
 * to settle, a production profile whose server identity is not recorded yet, or an endpoint that is
 * not production by address while some production profile has a recorded identity (the same
 * database reached by another name, through a proxy or pooler, is production too). The identity a
 * production profile is first seen with is recorded in it.
 */
export async function completeEndpoint(
	endpoint: Endpoint,
	context: ResolveContext,
	role?: 'source' | 'target',
): Promise<Endpoint> {
	const profiles = context.profiles ?? lazyProfileLookup(context.env);
	const resolved = await resolvePassword(endpoint, context);
	const production = productionProfiles(profiles);
	const own = ownProductionProfile(resolved, production);
	const unsettledPrefer = resolved.sslmode === 'prefer' && !resolved.preferSettled && !resolved.host.startsWith('/');
	const record = own !== undefined && own.profile.identity === undefined;
	const compare = !resolved.production && production.some(({profile}) => profile.identity !== undefined);
	if (!unsettledPrefer && !record && !compare) return resolved;
	return settleWithProbe(
		resolved,
		await probeDatabase(resolved, role ?? 'target', role ? undefined : 'database'),
		profiles,
	);
}

/**
 * What one connection to `endpoint` settles: a `prefer` (TLS or not, from now on), production by
 * server identity (the same database as a production profile that recorded its identity), and the
 * identity of the production profile that names this database, recorded when it has none yet (or
 * always, with `refresh`: profile test, after a database was recreated).
 */
export function settleWithProbe(
	endpoint: Endpoint,
	probe: DatabaseProbe,
	profiles: ProfileLookup,
	options: {refresh?: boolean} = {},
): Endpoint {
	const production = productionProfiles(profiles);
	let result: Endpoint =
		endpoint.sslmode === 'prefer' && !endpoint.preferSettled
			? {...endpoint, preferSettled: probe.encrypted ? 'tls' : 'plain'}
			: endpoint;
	if (!result.production) {
		const match = production.find(({profile}) => profile.identity && sameIdentity(profile.identity, probe.identity));
		if (match)
			result = {...result, production: true, productionReason: `profile "${match.name}" (same server identity)`};
	}
	const own = ownProductionProfile(endpoint, production);
	if (own && (options.refresh || !own.profile.identity)) profiles.recordIdentity(own.name, probe.identity);
	return result;
}

/** The production profile that names this endpoint's database: its own, or one at the same address. */
function ownProductionProfile(
	endpoint: Endpoint,
	production: Array<{name: string; profile: Profile}>,
): {name: string; profile: Profile} | undefined {
	if (!endpoint.production) return undefined;
	return production.find(({name, profile}) => name === endpoint.profileName || sameDatabase(profile, endpoint));
}

/** The production profiles, `[]` when none are saved. */
function productionProfiles(profiles: ProfileLookup): Array<{name: string; profile: Profile}> {
	return profiles.listProfiles().filter(({profile}) => profile.production);
}

/** Production by address (or `--production`), and the TLS default that follows from it. */
function withProduction(endpoint: Endpoint, request: EndpointRequest, profiles: ProfileLookup): Endpoint {
	const match = endpoint.production
		? undefined
		: productionProfiles(profiles).find(({profile}) => sameDatabase(profile, endpoint));
	let result = endpoint;
	if (request.production && !endpoint.production)
		result = {...result, production: true, productionReason: '--production'};
	else if (match) result = {...result, production: true, productionReason: `profile "${match.name}"`};
	else if (endpoint.production && endpoint.profileName)
		result = {...result, productionReason: `profile "${endpoint.profileName}"`};
	if (!result.sslmodeDefaulted || !result.production) return result;
	// A URL without sslmode that names a production database: that profile's TLS settings, else require.
	const tls = match
		? {sslmode: match.profile.sslmode, ...(match.profile.sslrootcert ? {sslrootcert: match.profile.sslrootcert} : {})}
		: {sslmode: defaultSslMode(result.host, {production: true, sslrootcert: result.sslrootcert})};
	return {...result, ...tls};
}

interface GivenValue {
	text: string;
	origin: string;
	/** Set for a default (it applies again by itself); otherwise decided by the form of `text`. */
	how?: EndpointGiven;
}

function givenValue(request: EndpointRequest, context: Pick<ResolveContext, 'env' | 'cwd'>): GivenValue | undefined {
	if (request.value !== undefined) {
		const text = request.value.trim();
		const origin = request.origin ?? (request.role === 'source' ? '--from' : '--to');
		if (text === '')
			throw new UserError(
				'usage',
				`${origin} is empty.`,
				'Give a profile name (pgconvoy profile list), a URL postgres://user@host:5432/database, or env:VAR.',
			);
		return {text, origin};
	}
	const fallback = endpointDefault(request.role, context.env, context.cwd);
	return fallback && {text: fallback.value, origin: fallback.origin, how: {kind: 'default'}};
}

function fromUrl(text: string, origin: string, how: EndpointGiven): Endpoint {
	return {...parseConnectionUrl(text, origin), given: how};
}

function fromVariable(
	variable: string,
	env: NodeJS.ProcessEnv,
	{origin}: {origin: string; how?: EndpointGiven},
): Endpoint {
	if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
		throw new UserError(
			'usage',
			`${origin}: env: takes the name of an environment variable holding the URL.`,
			'For example: export PROD_URL=postgresql://app@db.example.com/shop, then --to env:PROD_URL.',
		);
	const value = env[variable];
	if (!value)
		throw new UserError(
			'usage',
			`${origin}: the environment variable ${variable} is ${value === undefined ? 'not set' : 'empty'}.`,
			`Set it to the database's URL first: export ${variable}=postgresql://user@host:5432/database`,
		);
	return fromUrl(value, `${origin} env:${variable}`, {kind: 'env', variable});
}

/** A profile name, looked up in `profiles` (opened only now, so a URL never needs the config directory). */
function fromProfile(text: string, origin: string, profiles: ProfileLookup, options: ProfileLookupPurpose): Endpoint {
	if (!isValidProfileName(text)) {
		// Not echoed: a mistyped URL may hold a password.
		throw new UserError(
			'usage',
			`${origin} is neither a URL nor a profile name.`,
			'Give a URL starting with postgres:// or postgresql://, a saved profile name (pgconvoy profile list), or env:VAR.',
		);
	}
	const profile = profiles.getProfile(text);
	if (profile) return {...profileToEndpoint(text, profile, `profile "${text}"`), given: {kind: 'profile', name: text}};
	throw unknownProfileError(text, profiles, {...options, origin});
}

const stdinLimit = 64 * 1024;

async function readStdinUrl(request: EndpointRequest, context: ResolveContext): Promise<string> {
	const origin = request.origin ?? (request.role === 'source' ? '--from' : '--to');
	if (!context.readStdin)
		throw new UserError(
			'usage',
			`${origin} -: standard input is a terminal here (or already used), so there is no URL to read from it.`,
			'Pipe the URL in (printf %s "$URL" | pgconvoy …), or give env:VAR.',
		);
	const text = await context.readStdin();
	const line = text.length > stdinLimit ? '' : (text.split(/\r?\n/).find((entry) => entry.trim() !== '') ?? '');
	if (line.trim() === '')
		throw new UserError(
			'usage',
			`${origin} -: standard input held no URL${text.length > stdinLimit ? ' (only its first 64 KiB are read)' : ''}.`,
			'Pipe one line, the URL: printf %s "$URL" | pgconvoy …',
		);
	return line.trim();
}

/** "No such profile", naming the ones that exist and the closest one; every hint runs as printed. */
export function unknownProfileError(
	name: string,
	store: Pick<ProfileStore, 'profileNames'>,
	options: ProfileLookupPurpose & {origin?: string} = {},
): UserError {
	const names = store.profileNames();
	const guess = closestName(name, names);
	const list = names.length > 0 ? 'pgconvoy profile list shows them.' : '';
	const next =
		options.purpose === 'existing'
			? names.length > 0
				? list
				: // Never "add" the name being removed or shown: that is not what was asked for.
					'Save a profile first, under a name of your choice: pgconvoy profile add NAME --url postgresql://user@host:5432/database (pgconvoy profile add --help lists the options; pgconvoy profile list shows what is saved).'
			: `${list} To save it: pgconvoy profile add ${name} (on a terminal, a form asks its fields), or give a URL (it must contain ://).`;
	return new UserError(
		'config',
		`${options.origin ? `${options.origin}: there` : 'There'} is no profile named "${name}"${names.length > 0 ? ` (saved profiles: ${names.join(', ')})` : ' (no profiles are saved yet)'}.`,
		`${guess ? `Did you mean "${guess}"? ` : ''}${next}`.trim(),
	);
}
