import type {Endpoint} from '../connection/endpoint.js';

/** Quotes an argument for a POSIX shell only when it needs it, so a printed command runs as printed. */
export function shellQuote(arg: string): string {
	return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** `pgconvoy` and its arguments as one line to paste back into the shell. */
export function commandLine(args: readonly string[]): string {
	return ['pgconvoy', ...args].map(shellQuote).join(' ');
}

type ProfileFields = Pick<Endpoint, 'host' | 'port' | 'database' | 'user' | 'sslmode' | 'sslrootcert' | 'production'>;

/**
 * `pgconvoy profile add NAME --host … --force` with every field of an existing connection, plus the
 * given password flags: a hint that changes one thing of a saved profile must repeat the rest, or the
 * command would stop at "missing --host" (or replace the profile with less than it had).
 */
export function profileAddCommand(
	name: string,
	fields: ProfileFields,
	extraArgs: readonly string[],
	options: {replace: boolean},
): string {
	return commandLine([
		'profile',
		'add',
		name,
		'--host',
		fields.host,
		'--port',
		String(fields.port),
		'--database',
		fields.database,
		'--user',
		fields.user,
		'--sslmode',
		fields.sslmode,
		...(fields.sslrootcert ? ['--sslrootcert', fields.sslrootcert] : []),
		...(fields.production ? ['--production'] : []),
		...extraArgs,
		...(options.replace ? ['--force'] : []),
	]);
}

/** An environment variable name to suggest for a profile's password: `prod-2` → `PROD_2_PASSWORD`. */
export function suggestedPasswordVariable(name: string): string {
	return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`;
}
