import {join} from 'node:path';
import {readEnvFile} from './env-file.js';

/** The old sync_db_to_prod script's default source, kept so its users need no flags. */
export const defaultLocalUrl = 'postgresql://root:root@localhost:5432/systeme_intelligent';

/** Where an endpoint comes from when no flag names it. */
export interface EndpointDefault {
	value: string;
	/** `DATABASE_URL_PROD`, `DATABASE_URL_LOCAL in .env`, or `the built-in default`. */
	origin: string;
}

/**
 * The source's default: DATABASE_URL_LOCAL from the environment, then from `.env` in `cwd` (the
 * environment wins, as with dotenv), else the old script's built-in URL. The target's:
 * DATABASE_URL_PROD the same way, else undefined. `.env` is read (and verified whole) only when the
 * environment does not give the variable.
 */
export function endpointDefault(
	role: 'source' | 'target',
	env: NodeJS.ProcessEnv,
	cwd: string,
): EndpointDefault | undefined {
	const name = role === 'source' ? 'DATABASE_URL_LOCAL' : 'DATABASE_URL_PROD';
	if (env[name]) return {value: env[name], origin: name};
	const fromFile = readEnvFile(join(cwd, '.env'))?.[name];
	if (fromFile) return {value: fromFile, origin: `${name} in .env`};
	return role === 'source' ? {value: defaultLocalUrl, origin: 'the built-in default'} : undefined;
}
