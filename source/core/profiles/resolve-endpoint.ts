import type {Endpoint} from '../connection/endpoint.js';
import {parseConnectionUrl} from '../connection/url.js';
import {UserError} from '../errors.js';
import {isValidProfileName, openProfileStore, profileToEndpoint, type ProfileStore} from './store.js';

export type ProfileLookup = Pick<ProfileStore, 'getProfile' | 'profileNames'>;

/**
 * What `--from`/`--to` (and the wizard) accept: a value containing `://` is a URL, anything else a
 * profile name, looked up in `store` (default: the user's profile store, PGCONVOY_CONFIG_DIR aware).
 * The password is not resolved here; pass the result to `resolvePassword`.
 */
export function resolveEndpointArgument(value: string, origin: string, store?: ProfileLookup): Endpoint {
	const text = value.trim();
	if (text === '') {
		throw new UserError('usage', `${origin} is empty.`, 'Give a profile name (pgconvoy profile list) or a URL postgres://user@host:5432/database.');
	}
	if (text.includes('://')) return parseConnectionUrl(text, origin);
	if (!isValidProfileName(text)) {
		// Not echoed: a mistyped URL may hold a password.
		throw new UserError('usage', `${origin} is neither a URL nor a profile name.`, 'Give a URL starting with postgres:// or postgresql://, or a saved profile name (pgconvoy profile list).');
	}
	// Opened only for a profile name, so a URL never touches the config directory.
	const profiles = store ?? openProfileStore();
	const profile = profiles.getProfile(text);
	if (profile) return profileToEndpoint(text, profile, `profile "${text}"`);
	throw unknownProfileError(text, profiles, origin);
}

/** "No such profile", naming the ones that exist. */
export function unknownProfileError(name: string, store: Pick<ProfileStore, 'profileNames'>, origin?: string): UserError {
	const names = store.profileNames();
	return new UserError(
		'config',
		`${origin ? `${origin}: there` : 'There'} is no profile named "${name}"${names.length > 0 ? ` (saved profiles: ${names.join(', ')})` : ' (no profiles are saved yet)'}.`,
		`Save it with pgconvoy profile add ${name} --url postgres://user@host:5432/database${origin ? ', or give a URL (it must contain ://)' : ''}.`,
	);
}
