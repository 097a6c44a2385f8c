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

export interface Endpoint {
	host: string;
	port: number;
	database: string;
	user: string;
	sslmode: SslMode;
	sslrootcert?: string;
	passwordSource: PasswordSource;
	/** The resolved secret. Never rendered, logged or serialised. */
	password?: string;
	production: boolean;
	/** Where this endpoint came from, for messages: `profile "prod"`, `--to`, `DATABASE_URL_PROD`. */
	origin: string;
	profileName?: string;
}

/** `user@host:port/database`, the form every message uses. Never contains the password. */
export function describeEndpoint(endpoint: Pick<Endpoint, 'user' | 'host' | 'port' | 'database'>): string {
	return `${endpoint.user}@${endpoint.host}:${endpoint.port}/${endpoint.database}`;
}

/** The endpoint as it may appear in JSON output: everything but the secret. */
export function publicEndpoint(endpoint: Endpoint) {
	return {
		host: endpoint.host,
		port: endpoint.port,
		database: endpoint.database,
		user: endpoint.user,
		sslmode: endpoint.sslmode,
		production: endpoint.production,
		origin: endpoint.origin,
		...(endpoint.profileName ? {profile: endpoint.profileName} : {}),
	};
}

export function sameDatabase(a: Endpoint, b: Endpoint): boolean {
	const normalHost = (host: string) => (host === 'localhost' || host === '::1' ? '127.0.0.1' : host.toLowerCase());
	return normalHost(a.host) === normalHost(b.host) && a.port === b.port && a.database === b.database;
}
