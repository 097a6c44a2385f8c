import {describeEndpoint, sslModes, type SslMode} from '../../core/connection/endpoint.js';
import {describePasswordSource} from '../../core/connection/password.js';
import {defaultSslMode, isLocalHost, isSslMode, parseConnectionUrl, redactUrl} from '../../core/connection/url.js';
import {UserError} from '../../core/errors.js';
import {
	checkProfileName,
	openProfileStore,
	type Profile,
	type ProfilePasswordSource,
} from '../../core/profiles/store.js';
import {commandLine} from '../../present/command-line.js';
import {terminalText} from '../../present/terminal-text.js';
import {parseFlagTable} from '../flag-table.js';
import {promptHidden} from '../prompt-hidden.js';
import {openForm} from './form.js';
import {profileAddFlags} from './help.js';
import type {ProfileCommandIo, Write} from './index.js';
import {formatProfileDetails} from './show.js';
import {testProfile} from './test.js';

/** `profile add NAME …`: a profile from a URL or fields, completed by a form on a terminal. */
export async function addProfile(rest: string[], io: ProfileCommandIo, out: Write, err: Write): Promise<number> {
	const {values, positionals} = parseAddFlags(rest);
	if (positionals.length === 0)
		throw new UserError(
			'usage',
			'profile add needs a name for the new profile.',
			'For example: pgconvoy profile add local (on a terminal, a form asks the rest; pgconvoy profile add --help lists the options).',
		);
	if (positionals.length > 1)
		throw new UserError(
			'usage',
			`profile add takes one profile name, but got ${positionals.map((arg) => `"${arg}"`).join(', ')}.`,
			'Options start with --: pgconvoy profile add --help lists them.',
		);
	const name = positionals[0];
	checkProfileName(name);
	const store = openProfileStore({env: io.env});
	if (store.profileNames().includes(name) && !values.force) {
		throw new UserError(
			'usage',
			`Profile "${name}" already exists.`,
			`To replace it: ${commandLine(['profile', 'add', ...rest, '--force'])} (pgconvoy profile show ${name} shows the saved one).`,
		);
	}

	const fieldFlags = (['host', 'port', 'database', 'user'] as const).filter((flag) => values[flag] !== undefined);
	if (values.url !== undefined && fieldFlags.length > 0) {
		throw new UserError(
			'usage',
			`--url cannot be combined with ${fieldFlags.map((flag) => `--${flag}`).join(', ')}.`,
			'Give either the URL or the separate fields (--sslmode and --sslrootcert may refine a URL).',
		);
	}
	const chosenSource = passwordSourceFromFlags(values);
	const imported = values.url === undefined ? undefined : parseConnectionUrl(values.url, '--url');

	const draft = imported
		? {host: imported.host, port: String(imported.port), database: imported.database, user: imported.user}
		: {host: values.host, port: values.port, database: values.database, user: values.user};
	const incomplete = !draft.host || !draft.database || !draft.user;
	if (incomplete && !io.isTTY) {
		const missing = (['host', 'database', 'user'] as const)
			.filter((field) => !draft[field])
			.map((field) => `--${field}`);
		throw new UserError(
			'usage',
			`profile add ${name}: missing ${missing.join(', ')}.`,
			'Give --url postgres://user@host:5432/database, or --host, --database and --user (run it on a terminal for a form). PG* variables are not used.',
		);
	}
	// On a terminal, an incomplete profile is completed by a form asking what the flags left open.
	const form = incomplete ? openForm(io) : undefined;
	try {
		const host = draft.host ?? (await form!.ask('Host', 'localhost'));
		const port = parsePortFlag(draft.port ?? (form ? await form.ask('Port', '5432') : '5432'));
		const database = draft.database ?? (await form!.ask('Database'));
		const user = draft.user ?? (await form!.ask('User'));
		const production =
			values.production ??
			(form
				? /^y(es)?$/i.test(await form.ask('Production database? Writes will need its name typed back (y/N)', 'n'))
				: false);
		const sslrootcert = values.sslrootcert ?? imported?.sslrootcert;
		// Never silently unencrypted off this machine or for production (see defaultSslMode).
		const sslDefault = defaultSslMode(host, {production, sslrootcert});
		const sslmode = parseSslModeFlag(
			values.sslmode ??
				(imported && !imported.sslmodeDefaulted ? imported.sslmode : undefined) ??
				(form ? await form.ask(`sslmode (${sslModes.join('/')})`, sslDefault) : sslDefault),
		);
		let source =
			chosenSource ??
			(form
				? parsePasswordSourceAnswer(
						await form.ask('Password source: prompt (ask each time), env:VAR, pgpass, stored, none', 'prompt'),
					)
				: undefined);
		form?.close();

		const savePassword = source === 'stored';
		let password: string | undefined;
		if (savePassword) {
			password = imported?.password;
			if (!password && io.isTTY)
				password = await promptHidden(
					`Password for ${user}@${host}:${port}/${database}: `,
					io.stdin,
					io.stderr as NodeJS.WriteStream,
				);
			if (!password) {
				throw new UserError(
					'usage',
					'--save-password needs a password to save.',
					'Put it in --url (percent-encoded), or run on a terminal to type it.',
				);
			}
		}
		source ??= {kind: 'prompt'};
		const profile: Profile = {
			host,
			port,
			database,
			user,
			sslmode,
			...(sslrootcert ? {sslrootcert} : {}),
			production,
			passwordSource: savePassword ? {kind: 'stored'} : (source as ProfilePasswordSource),
			...(password ? {password} : {}),
		};
		const saved = store.saveProfile(name, profile, {savePassword});

		if (imported && values.url) out(`Parsed ${terminalText(redactUrl(values.url))}\n`);
		out(`Saved profile "${terminalText(name)}": ${terminalText(describeEndpoint(saved))}\n`);
		out(formatProfileDetails(saved, store.file));
		if (imported?.password && !savePassword) {
			out(
				`The password in the URL was not saved; it will come from: ${describePasswordSource(saved.passwordSource)}.\n`,
			);
		}
		if (imported?.password) err(passwordInHistoryWarning);
		if (savePassword) {
			err(
				`⚠ The password is stored in plain text in ${store.file} (mode 0600): anyone who can read your files can read it. --password-env VAR or --pgpass keep it out of pgconvoy's files.\n`,
			);
		}
		if (saved.sslmode === 'disable' && (saved.production || !isLocalHost(saved.host))) {
			err(
				`⚠ sslmode disable: the password and every row cross the network unencrypted to this ${saved.production ? 'production ' : ''}database. Use --sslmode require, or verify-full with --sslrootcert <ca.pem>.\n`,
			);
		} else if (!isLocalHost(saved.host) && saved.sslmode !== 'verify-full' && saved.sslmode !== 'verify-ca') {
			err(
				`⚠ sslmode ${saved.sslmode} does not verify the server's identity; for a remote server use --sslmode verify-full (with --sslrootcert <ca.pem> for a private CA).\n`,
			);
		}
	} finally {
		form?.close();
	}
	// Offered on a terminal (or asked for with --test): a profile is only useful if it connects.
	const test =
		values.test ??
		(io.isTTY ? await askOnce(io, `Test the connection to profile "${terminalText(name)}" now? (Y/n)`, 'y') : false);
	return test ? testProfile(name, io, out) : 0;
}

async function askOnce(io: ProfileCommandIo, question: string, defaultAnswer: string): Promise<boolean> {
	const form = openForm(io);
	try {
		return /^y(es)?$/i.test(await form.ask(question, defaultAnswer));
	} finally {
		form.close();
	}
}

/*
 * A URL's password was typed on the command line: saving it or not, the shell has recorded it. Say so,
 * and how to take it back and avoid it next time.
 */
const passwordInHistoryWarning = `⚠ The password you put in --url is now in your shell history.
  Remove it: in bash, history | tail shows the entry's number N; history -d N
  deletes it (zsh: edit ~/.zsh_history; PowerShell: the file named by
  (Get-PSReadLineOption).HistorySavePath).
  Next time leave the password out of the URL: the prompt asks for it, or use
  --password-env VAR or --pgpass. In bash with HISTCONTROL=ignorespace, a
  command typed with a leading space is not recorded.
`;

/** The add options as the code below reads them: undefined when not given, so the form asks for it. */
function parseAddFlags(rest: string[]) {
	const flags = parseFlagTable(rest, profileAddFlags, 'pgconvoy profile add');
	const given = (name: string) => flags.boolean(name) || undefined;
	return {
		positionals: flags.positionals,
		values: {
			url: flags.value('url'),
			host: flags.value('host'),
			port: flags.value('port'),
			database: flags.value('database'),
			user: flags.value('user'),
			sslmode: flags.value('sslmode'),
			sslrootcert: flags.value('sslrootcert'),
			production: given('production'),
			'password-env': flags.value('password-env'),
			pgpass: given('pgpass'),
			'pgpass-file': flags.value('pgpass-file'),
			'save-password': given('save-password'),
			'no-password': given('no-password'),
			force: given('force'),
			test: given('test'),
		},
	};
}

type AddFlags = ReturnType<typeof parseAddFlags>['values'];
type ChosenSource = ProfilePasswordSource | 'stored';

function passwordSourceFromFlags(values: AddFlags): ChosenSource | undefined {
	const chosen: Array<[string, ChosenSource]> = [];
	if (values['password-env'] !== undefined) chosen.push(['--password-env', envSource(values['password-env'])]);
	if (values.pgpass || values['pgpass-file'] !== undefined) {
		chosen.push(['--pgpass', values['pgpass-file'] ? {kind: 'pgpass', file: values['pgpass-file']} : {kind: 'pgpass'}]);
	}
	if (values['save-password']) chosen.push(['--save-password', 'stored']);
	if (values['no-password']) chosen.push(['--no-password', {kind: 'none'}]);
	if (chosen.length > 1) {
		throw new UserError(
			'usage',
			`Choose one password source, not ${chosen.map(([flag]) => flag).join(' and ')}.`,
			'pgconvoy profile add --help lists them.',
		);
	}
	return chosen[0]?.[1];
}

function envSource(variable: string): ProfilePasswordSource {
	if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
		throw new UserError(
			'usage',
			'The password environment variable needs a name such as PROD_PG_PASSWORD.',
			"Give the variable's name, not its value: --password-env PROD_PG_PASSWORD.",
		);
	}
	return {kind: 'env', variable};
}

function parsePasswordSourceAnswer(answer: string): ChosenSource {
	const text = answer.trim();
	if (text === 'prompt' || text === 'none') return {kind: text};
	if (text === 'stored') return 'stored';
	if (text === 'pgpass') return {kind: 'pgpass'};
	if (text.startsWith('pgpass:')) return {kind: 'pgpass', file: text.slice('pgpass:'.length)};
	if (text.startsWith('env:')) return envSource(text.slice('env:'.length));
	throw new UserError(
		'usage',
		'Unknown password source.',
		'Answer prompt, env:VAR, pgpass, pgpass:FILE, stored or none.',
	);
}

function parsePortFlag(value: string): number {
	const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : Number.NaN;
	if (!(port >= 1 && port <= 65_535))
		throw new UserError(
			'usage',
			`"${value}" is not a port number.`,
			'Use a number from 1 to 65535 (PostgreSQL listens on 5432 by default).',
		);
	return port;
}

function parseSslModeFlag(value: string): SslMode {
	if (!isSslMode(value))
		throw new UserError('usage', `Unknown sslmode "${value}".`, `Use one of: ${sslModes.join(', ')}.`);
	return value;
}
