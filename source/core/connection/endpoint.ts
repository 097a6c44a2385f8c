/** One database to talk to, fully explicit: nothing here falls back to PG* environment variables. */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export const sslModes: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Where the password comes from. The secret itself is only ever held in `Endpoint.password`. */
export type PasswordSource =
	| {kind: 'prompt'}
	| {kind: 'env'; variable: string}
	| {kind: 'pgpass'; file?: string}
	| {kind: 'stored'}
	| {kind: 'url'}
	| {kind: 'none'};

/**
 * How an endpoint was named, so a printed command can name it again without a secret: a profile,
 * `env:VAR` (a URL in an environment variable), a URL (typed, or read from standard input), or a
 * default (DATABASE_URL_LOCAL / DATABASE_URL_PROD, or the built-in source), which applies again by itself.
 */
export type EndpointGiven =
	| {kind: 'profile'; name: string}
	| {kind: 'env'; variable: string}
	| {kind: 'url'}
	| {kind: 'stdin'}
	| {kind: 'default'};

export interface Endpoint {
	host: string;
	port: number;
	database: string;
	user: string;
	sslmode: SslMode;
	/** Set when the URL gave no sslmode and pgconvoy chose it (loopback: disable; otherwise require). */
	sslmodeDefaulted?: boolean;
	sslrootcert?: string;
	/**
	 * sslmode `prefer`, settled once by a first connection: `tls` when the server took TLS, `plain`
	 * when it did not. Every later session then uses that alone, so a run never changes encryption halfway.
	 */
	preferSettled?: 'tls' | 'plain';
	passwordSource: PasswordSource;
	/** The resolved secret. Never rendered, logged or serialised. */
	password?: string;
	production: boolean;
	/** Why it is production: `profile "prod"`, `--production`, `profile "prod" (same server identity)`. */
	productionReason?: string;
	/** Where this endpoint came from, for messages: `profile "prod"`, `--to`, `DATABASE_URL_PROD`. */
	origin: string;
	profileName?: string;
	given?: EndpointGiven;
}

/** `user@host:port/database`, the form every message uses. Never contains the password. */
export function describeEndpoint(endpoint: Pick<Endpoint, 'user' | 'host' | 'port' | 'database'>): string {
	return `${endpoint.user}@${endpoint.host}:${endpoint.port}/${endpoint.database}`;
}

/**
 * Whether a session to this endpoint is encrypted, and what of the server is verified, with libpq's
 * meanings (PostgreSQL docs, "SSL Support" table 34.1): `full` = chain and host name, `chain` = the
 * certificate chain only (verify-ca, or require/prefer given a root certificate), `none` = nothing.
 * `encrypted` is null only for a `prefer` not yet settled by a first connection.
 */
export interface TlsState {
	encrypted: boolean | null;
	verified: 'full' | 'chain' | 'none';
}

export function tlsState(endpoint: Pick<Endpoint, 'host' | 'sslmode' | 'sslrootcert' | 'preferSettled'>): TlsState {
	// PostgreSQL never speaks TLS over a Unix socket.
	if (endpoint.host.startsWith('/') || endpoint.sslmode === 'disable') return {encrypted: false, verified: 'none'};
	if (endpoint.sslmode === 'prefer' && endpoint.preferSettled !== 'tls')
		return {encrypted: endpoint.preferSettled === 'plain' ? false : null, verified: 'none'};
	if (endpoint.sslmode === 'verify-full') return {encrypted: true, verified: 'full'};
	if (endpoint.sslmode === 'verify-ca' || endpoint.sslrootcert) return {encrypted: true, verified: 'chain'};
	return {encrypted: true, verified: 'none'};
}

/** `TLS, verified` / `TLS, chain verified (not the host name)` / `TLS, not verified` / `not encrypted`. */
export function describeTls(endpoint: Parameters<typeof tlsState>[0]): string {
	const state = tlsState(endpoint);
	if (state.encrypted === false) return 'not encrypted';
	if (state.encrypted === null) return 'TLS if the server offers it, not verified';
	if (state.verified === 'full') return 'TLS, verified';
	if (state.verified === 'chain') return 'TLS, certificate chain verified (not the host name)';
	return 'TLS, not verified';
}

/** The endpoint as it may appear in JSON output: everything but the secret. */
export function publicEndpoint(endpoint: Endpoint) {
	const tls = tlsState(endpoint);
	return {
		host: endpoint.host,
		port: endpoint.port,
		database: endpoint.database,
		user: endpoint.user,
		sslmode: endpoint.sslmode,
		tls: {encrypted: tls.encrypted, verified: tls.verified},
		production: endpoint.production,
		...(endpoint.productionReason ? {productionReason: endpoint.productionReason} : {}),
		origin: endpoint.origin,
		...(endpoint.profileName ? {profile: endpoint.profileName} : {}),
	};
}

/**
 * A host as a key for "the same server": case-folded, and every name of this machine
 * (localhost, 127.0.0.1, ::1, a Unix socket directory) as one.
 */
export function hostKey(host: string): string {
	const name = host
		.trim()
		.toLowerCase()
		.replace(/^\[(.*)\]$/, '$1')
		.replace(/\.$/, '');
	return name === 'localhost' || name === '127.0.0.1' || name === '::1' || name.startsWith('/') ? 'loopback' : name;
}

/** The same database by address: host (see hostKey), port and database name (names are case-sensitive in PostgreSQL). */
export function sameDatabase(
	a: Pick<Endpoint, 'host' | 'port' | 'database'>,
	b: Pick<Endpoint, 'host' | 'port' | 'database'>,
): boolean {
	return hostKey(a.host) === hostKey(b.host) && a.port === b.port && a.database === b.database;
}
