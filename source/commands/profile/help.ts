import {sslModes} from '../../core/connection/endpoint.js';
import {flagHelpRows, type FlagSpec} from '../flag-table.js';
import {renderHelp} from '../help-text.js';

/** `pgconvoy profile add`'s options; the parser, its errors and the help below are made from these rows. */
export const profileAddFlags: FlagSpec[] = [
	{
		name: 'url',
		kind: 'value',
		placeholder: '<url>',
		help: 'postgresql://user@host:5432/database (leave the password out)',
		emptyHint: 'Give a URL such as postgresql://app@db.example.com:5432/shop, or --host, --database and --user.',
	},
	{
		name: 'host',
		kind: 'value',
		placeholder: '<host>',
		help: 'server name or address',
		emptyHint: 'Give a host name such as localhost, or leave --host out (a form asks on a terminal).',
	},
	{
		name: 'port',
		kind: 'value',
		placeholder: '<port>',
		help: 'server port (default: 5432)',
		emptyHint: 'Give a port number such as 5432, or leave --port out for 5432.',
	},
	{
		name: 'database',
		kind: 'value',
		placeholder: '<name>',
		help: 'database name',
		emptyHint: 'Give the database name, or leave --database out (a form asks on a terminal).',
	},
	{
		name: 'user',
		kind: 'value',
		placeholder: '<role>',
		help: 'role to log in as',
		emptyHint: 'Give the role name, or leave --user out (a form asks on a terminal).',
	},
	{
		name: 'sslmode',
		kind: 'value',
		placeholder: '<mode>',
		help: `${sslModes.join(', ')} (libpq's meanings; default: disable for this machine, require for others and for production, verify-full with --sslrootcert)`,
		emptyHint: `Give one of ${sslModes.join(', ')}, or leave --sslmode out.`,
	},
	{
		name: 'sslrootcert',
		kind: 'value',
		placeholder: '<ca.pem>',
		help: 'CA certificate that signed the server certificate',
		emptyHint: 'Give the path of the CA certificate, or leave --sslrootcert out.',
	},
	{name: 'production', kind: 'boolean', help: 'writes to it need the database name typed back (--confirm)'},
	{
		name: 'password-env',
		kind: 'value',
		placeholder: '<VAR>',
		help: 'read the password from this environment variable when connecting',
		emptyHint: "Give the variable's name, such as --password-env PROD_PG_PASSWORD.",
	},
	{
		name: 'pgpass',
		kind: 'boolean',
		help: 'look it up in the pgpass file (~/.pgpass; on Windows %APPDATA%\\postgresql\\pgpass.conf)',
	},
	{
		name: 'pgpass-file',
		kind: 'value',
		placeholder: '<file>',
		help: 'look it up in this pgpass file',
		emptyHint: 'Give the path of a pgpass file, or use --pgpass for the default one.',
	},
	{name: 'save-password', kind: 'boolean', help: 'store it in the profile file (plain text, mode 0600)'},
	{name: 'no-password', kind: 'boolean', help: 'the server trusts this user without one (trust, peer)'},
	{name: 'force', kind: 'boolean', help: 'replace an existing profile of that name'},
	{
		name: 'test',
		kind: 'boolean',
		help: 'connect once saved, as profile test does (on a terminal, pgconvoy offers it)',
	},
];

/** `pgconvoy profile remove`'s options. */
export const profileRemoveFlags: FlagSpec[] = [
	{
		name: 'confirm',
		kind: 'value',
		placeholder: '<dbname>',
		help: "a production profile: its database's name, to remove it without being asked",
		emptyHint: "Type the production profile's database name after --confirm (pgconvoy profile show NAME shows it).",
	},
];

const rowsFor = (names: string[]) => flagHelpRows(profileAddFlags.filter((spec) => names.includes(spec.name)));

const storeNote =
	'Profiles live in profiles.json in $PGCONVOY_CONFIG_DIR, else the per-user config directory (mode 0600). A password is never taken as a command-line argument.';

const addHelp = renderHelp({
	usage: ['pgconvoy profile add <name> [options]'],
	summary: 'Save a connection. On a terminal, a form asks for whatever the options leave open.',
	sections: [
		{
			title: 'Connection',
			rows: rowsFor(['url', 'host', 'port', 'database', 'user', 'sslmode', 'sslrootcert', 'production']),
		},
		{
			title: 'Password source (default: prompt, asked on the terminal each time)',
			rows: rowsFor(['password-env', 'pgpass', 'pgpass-file', 'save-password', 'no-password']),
		},
		{title: 'Other', rows: [...rowsFor(['force', 'test']), ['-h, --help', 'this help']]},
		{
			title: 'Examples',
			lines: [
				'pgconvoy profile add prod --production --sslmode verify-full \\',
				'  --url postgresql://app@db.example.com:5432/shop --password-env PROD_PW',
				'pgconvoy profile add local --host localhost --database shop --user me',
				'pgconvoy profile add staging     # on a terminal: a form asks the rest',
			],
		},
		{title: 'Notes', paragraphs: [storeNote]},
	],
});

const subcommandHelps: Record<string, string> = {
	add: addHelp,
	list: renderHelp({
		usage: ['pgconvoy profile list'],
		summary: 'The saved profiles: name, connection, sslmode, password source, production badge. Never their passwords.',
		sections: [{title: 'Example', lines: ['pgconvoy profile list']}],
	}),
	show: renderHelp({
		usage: ['pgconvoy profile show <name>'],
		summary: "One profile's settings, and where its password comes from (never the password).",
		sections: [{title: 'Example', lines: ['pgconvoy profile show prod']}],
	}),
	remove: renderHelp({
		usage: ['pgconvoy profile remove <name> [--confirm <dbname>]'],
		summary:
			'Delete a saved profile. A production profile asks for its database name first (typed on a terminal, or --confirm): it is what marks that database production.',
		sections: [
			{title: 'Options', rows: [...flagHelpRows(profileRemoveFlags), ['-h, --help', 'this help']]},
			{title: 'Examples', lines: ['pgconvoy profile remove staging', 'pgconvoy profile remove prod --confirm shop']},
		],
	}),
	test: renderHelp({
		usage: ['pgconvoy profile test <name|url>'],
		summary:
			'Connect to the database as sync would; print the server version, its size, TLS, the role and whether it can write. For a production profile, records which database it is, so that the same database reached by another name counts as production too.',
		sections: [
			{
				title: 'Examples',
				lines: ['pgconvoy profile test prod', 'pgconvoy profile test postgresql://me@localhost:5432/shop'],
			},
		],
	}),
};

export const profileHelp = renderHelp({
	usage: ['pgconvoy profile <command> [name]'],
	summary: 'Saved connections, usable as --from and --to and listed first in the wizard.',
	sections: [
		{
			title: 'Commands',
			rows: [
				['add <name>', 'save a connection (pgconvoy profile add --help)'],
				['list', 'the saved profiles (never their passwords)'],
				['show <name>', "one profile's settings"],
				['remove <name>', 'delete a profile'],
				['test <name>', 'connect; print the server version, database size and whether the role can write'],
			],
		},
		{
			title: 'Examples',
			lines: [
				'pgconvoy profile add prod --url postgresql://app@db.example.com/shop',
				'pgconvoy profile test prod',
				'pgconvoy sync --from local --to prod --dry-run',
			],
		},
		{title: 'Notes', paragraphs: [storeNote]},
	],
});

export const profileCommands = ['add', 'list', 'show', 'remove', 'test'] as const;
/** Short spellings people type from other tools. */
const profileCommandAliases: Record<string, (typeof profileCommands)[number]> = {ls: 'list', rm: 'remove'};

/** The help of `pgconvoy profile [command]`; undefined for a command that does not exist. */
export function profileHelpFor(command?: string): string | undefined {
	if (command === undefined) return profileHelp;
	const name = profileCommandName(command);
	return Object.hasOwn(subcommandHelps, name) ? subcommandHelps[name] : undefined;
}

/** `rm` → `remove`; anything else unchanged (own keys only: `constructor` is not an alias). */
export function profileCommandName(typed: string): string {
	return Object.hasOwn(profileCommandAliases, typed) ? profileCommandAliases[typed] : typed;
}
