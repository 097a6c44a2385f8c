import type {Endpoint} from '../core/connection/endpoint.js';
import {PasswordSourceError} from '../core/connection/password.js';
import {UserError} from '../core/errors.js';
import {commandLine} from '../present/command-line.js';

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

/** A profile name for an endpoint that has none (given as a URL): its database's name, made valid. */
function profileNameFor(endpoint: Omit<Endpoint, 'password'>): string {
	const name = endpoint.database
		.replace(/[^A-Za-z0-9_.-]/g, '-')
		.replace(/^[^A-Za-z0-9]+/, '')
		.slice(0, 63);
	return name || 'db';
}

/**
 * A password source that failed, with the commands that fix it as `flagHint`, each runnable as
 * printed: the endpoint's profile saved again with all its fields (or a new profile for a URL), its
 * password from an environment variable or ~/.pgpass (or, for a stored one, saved again). Any other
 * error is returned as it is.
 */
export function withPasswordCommands(error: unknown): unknown {
	if (!(error instanceof PasswordSourceError)) return error;
	const endpoint = error.endpoint;
	const name = endpoint.profileName ?? profileNameFor(endpoint);
	const replace = endpoint.profileName !== undefined;
	const variable = suggestedPasswordVariable(name);
	const unattended = `through an environment variable: ${profileAddCommand(name, endpoint, ['--password-env', variable], {replace})} (then export ${variable}=...), or through a ~/.pgpass line: ${profileAddCommand(name, endpoint, ['--pgpass'], {replace})}`;
	const flagHint =
		error.need === 'stored'
			? `Save it again on a terminal (it asks for the password): ${profileAddCommand(name, endpoint, ['--save-password'], {replace})}; or ${unattended}.`
			: endpoint.passwordSource.kind === 'url'
				? `Put it in the URL (percent-encoded), or save a profile that gives it ${unattended}.`
				: `Give it ${unattended}.`;
	return new UserError(error.code, error.message, error.hint, {cause: error, flagHint});
}
