import {describeEndpoint} from '../../core/connection/endpoint.js';
import {defaultPgpassFile, describePasswordSource} from '../../core/connection/password.js';
import {sslModeMeanings} from '../../core/connection/tls.js';
import {unknownProfileError} from '../../core/profiles/resolve-endpoint.js';
import {
	openProfileStore,
	type Profile,
	type ProfilePasswordSource,
	type ProfileStore,
} from '../../core/profiles/store.js';
import {terminalText} from '../../present/terminal-text.js';
import type {ProfileCommandIo, Write} from './index.js';

/** `profile list`: an aligned table, with the production badge; never a password. */
export function listProfiles(store: ProfileStore, io: Pick<ProfileCommandIo, 'isTTY' | 'env'>, out: Write): void {
	const profiles = store.listProfiles();
	if (profiles.length === 0) {
		out('No profiles saved. Add one (on a terminal, a form asks for its fields): pgconvoy profile add local\n');
		return;
	}
	const badge = io.isTTY && !io.env.NO_COLOR ? '\u001B[1;97;41m PRODUCTION \u001B[0m' : 'PRODUCTION';
	const rows = profiles.map(({name, profile}) => [
		terminalText(name),
		terminalText(describeEndpoint(profile)),
		profile.sslmode,
		terminalText(describePasswordSource(profile.passwordSource)),
		profile.production ? badge : '',
	]);
	const header = ['NAME', 'CONNECTION', 'SSLMODE', 'PASSWORD', ''];
	const widths = header
		.slice(0, -1)
		.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
	const format = (row: string[]) =>
		row
			.map((cell, column) => (column < widths.length ? cell.padEnd(widths[column]) : cell))
			.join('  ')
			.trimEnd() + '\n';
	out(format(header));
	for (const row of rows) out(format(row));
}

/** `profile show NAME`. */
export function showProfile(name: string, io: Pick<ProfileCommandIo, 'env'>, out: Write): void {
	const store = openProfileStore({env: io.env});
	const profile = store.getProfile(name);
	if (!profile) throw unknownProfileError(name, store, {purpose: 'existing'});
	out(`Profile "${terminalText(name)}": ${terminalText(describeEndpoint(profile))}\n`);
	out(formatProfileDetails(profile, store.file));
}

/** One `  key  value` line per field; every value from the profile file neutralised. */
export function formatProfileDetails(profile: Profile, file: string): string {
	const rows: Array<[string, string]> = [
		['host', profile.host],
		['port', String(profile.port)],
		['database', profile.database],
		['user', profile.user],
		['sslmode', `${profile.sslmode} (${sslModeMeanings[profile.sslmode]})`],
		...(profile.sslrootcert ? [['sslrootcert', profile.sslrootcert] as [string, string]] : []),
		['production', profile.production ? `yes: writing needs --confirm ${profile.database}` : 'no'],
		[
			'password',
			`${describePasswordSource(profile.passwordSource)}: ${passwordSourceNote(profile.passwordSource, file)}`,
		],
		...(profile.production
			? [
					[
						'identity',
						profile.identity
							? 'recorded: the same database reached by another name counts as production too'
							: 'not recorded yet (profile test records it)',
					] as [string, string],
				]
			: []),
	];
	return rows.map(([key, value]) => `  ${key.padEnd(11)} ${terminalText(value)}\n`).join('');
}

function passwordSourceNote(source: ProfilePasswordSource, file: string): string {
	switch (source.kind) {
		case 'prompt':
			return 'asked on the terminal each time';
		case 'env':
			return `read from $${source.variable} when connecting`;
		case 'pgpass':
			return `looked up in ${source.file ?? defaultPgpassFile()}${process.platform === 'win32' ? '' : ' (must be chmod 600)'}`;
		case 'stored':
			return `saved in plain text in ${file} (mode 0600)`;
		case 'none':
			return 'none sent (the server must trust this user)';
	}
}
