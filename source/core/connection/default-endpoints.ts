import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseEnv} from 'node:util';

/** The old sync_db_to_prod script's default source, kept so its users need no flags. */
export const defaultLocalUrl = 'postgresql://root:root@localhost:5432/systeme_intelligent';

export interface EndpointDefaults {
	/** DATABASE_URL_LOCAL, from the environment or `.env`; else the script's default. */
	localUrl: {value: string; origin: string};
	/** DATABASE_URL_PROD, from the environment or `.env`, if set. */
	prodUrl?: {value: string; origin: string};
}

/**
 * Reads DATABASE_URL_LOCAL / DATABASE_URL_PROD from the environment, then from a `.env` file in the
 * working directory (the environment wins, as with dotenv).
 */
export function readEndpointDefaults(env: NodeJS.ProcessEnv, cwd: string): EndpointDefaults {
	const envFile = join(cwd, '.env');
	const fileValues = existsSync(envFile) ? (parseEnv(readFileSync(envFile, 'utf8')) as Record<string, string>) : {};
	const pick = (name: string) => {
		if (env[name]) return {value: env[name]!, origin: name};
		if (fileValues[name]) return {value: fileValues[name]!, origin: `${name} in .env`};
		return undefined;
	};
	return {
		localUrl: pick('DATABASE_URL_LOCAL') ?? {value: defaultLocalUrl, origin: 'the default DATABASE_URL_LOCAL'},
		prodUrl: pick('DATABASE_URL_PROD'),
	};
}
