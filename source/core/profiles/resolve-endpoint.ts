import type {Endpoint} from '../connection/endpoint.js';
import {parseConnectionUrl} from '../connection/url.js';
import {UserError} from '../errors.js';
import {closestName} from './closest-name.js';
import {isValidProfileName, openProfileStore, profileToEndpoint, type ProfileStore} from './store.js';

export type ProfileLookup = Pick<ProfileStore, 'getProfile' | 'profileNames'>;

export interface ProfileLookupPurpose {
	/**
	 * `existing`: the command acts on a saved profile (show, remove, test), so a wrong name is a typo to
	 * correct, not a profile to create. `use` (default): a connection to use, which may also be saved.
	 */
	purpose?: 'use' | 'existing';
}

/**
 * What `--from`/`--to` (and the wizard) accept: a value containing `://` is a URL, anything else a
 * profile name, looked up in `store` (default: the user's profile store, PGCONVOY_CONFIG_DIR aware).
 * The password is not resolved here; pass the result to `resolvePassword`.
 */
export function resolveEndpointArgument(
	value: string,
	origin: string,
	store?: ProfileLookup,
	options: ProfileLookupPurpose = {},
): Endpoint {
	const text = value.trim();
	if (text === '') {
		throw new UserError(
			'usage',
			`${origin} is empty.`,
			'Give a profile name (pgconvoy profile list) or a URL postgres://user@host:5432/database.',
		);
	}
	if (text.includes('://')) return parseConnectionUrl(text, origin);
	if (!isValidProfileName(text)) {
		// Not echoed: a mistyped URL may hold a password.
		throw new UserError(
			'usage',
			`${origin} is neither a URL nor a profile name.`,
			'Give a URL starting with postgres:// or postgresql://, or a saved profile name (pgconvoy profile list).',
		);
	}
	// Opened only for a profile name, so a URL never touches the config directory.
	const profiles = store ?? openProfileStore();
	const profile = profiles.getProfile(text);
	if (profile) return profileToEndpoint(text, profile, `profile "${text}"`);
	throw unknownProfileError(text, profiles, {...options, origin});
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
