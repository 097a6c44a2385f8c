import {createInterface} from 'node:readline';
import {describeEndpoint, sslModes, type SslMode} from '../core/connection/endpoint.js';
import {openSession, closeSession} from '../core/connection/connect.js';
import {defaultPgpassFile, describePasswordSource, resolvePassword} from '../core/connection/password.js';
import {sslModeMeanings} from '../core/connection/tls.js';
import {defaultSslMode, isLocalHost, isSslMode, parseConnectionUrl, redactUrl} from '../core/connection/url.js';
import {UserError} from '../core/errors.js';
import {resolveEndpointArgument, unknownProfileError} from '../core/profiles/resolve-endpoint.js';
import {
	checkProfileName,
	openProfileStore,
	type Profile,
	type ProfilePasswordSource,
	type ProfileStore,
} from '../core/profiles/store.js';
import {formatBytes, formatCount} from '../present/numbers.js';
import {asksForHelp, parseFlagTable} from './flag-table.js';
import {unknownCommand} from './command-help.js';
import {profileAddFlags, profileCommandName, profileCommands, profileHelp, profileHelpFor} from './profile-help.js';
import {errorLines, oneLine} from '../headless/one-line.js';
import {promptHidden} from './prompt-hidden.js';
import {commandLine} from '../core/profiles/command-line.js';

export interface ProfileCommandIo {
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	stdin: NodeJS.ReadStream;
	/** stdin and stdout are a terminal: the add form and password prompts may ask. */
	isTTY: boolean;
	env: NodeJS.ProcessEnv;
}

/** `pgconvoy profile ...`: returns the exit code (0, 2 usage/config, 3 connection/auth), never exits. */
export async function runProfileCommand(args: string[], io: ProfileCommandIo): Promise<number> {
	const out = (text: string) => void io.stdout.write(redactUrl(text));
	const err = (text: string) => void io.stderr.write(redactUrl(text));
	const [typed, ...rest] = args;
	const command = typed === undefined ? undefined : profileCommandName(typed);
	try {
		if (typed === 'help' || typed === '--help' || typed === '-h') {
			const help = profileHelpFor(typed === 'help' ? rest[0] : undefined);
			if (!help) throw unknownCommand(rest[0], profileCommands, 'pgconvoy profile');
			out(help);
			return 0;
		}
		if (command !== undefined && profileHelpFor(command) && asksForHelp(rest)) {
			out(profileHelpFor(command)!);
			return 0;
		}
		refusePasswordArguments(args);
		switch (command) {
			case 'add':
				return await addProfile(rest, io, out, err);
			case 'list':
				noArguments(rest, 'list');
				listProfiles(openProfileStore({env: io.env}), io, out);
				return 0;
			case 'show':
				showProfile(oneName(rest, 'show'), openProfileStore({env: io.env}), out);
				return 0;
			case 'remove':
				removeProfile(oneName(rest, 'remove'), openProfileStore({env: io.env}), out);
				return 0;
			case 'test':
				return await testProfile(oneName(rest, 'test'), io, out);
			case undefined:
				err(profileHelp);
				throw new UserError(
					'usage',
					`pgconvoy profile needs a command: ${profileCommands.join(', ')}. On its own it does nothing, so it printed its help above and exits 2.`,
					`For example: pgconvoy profile list (pgconvoy profile --help prints the help alone, exit 0).`,
				);
			default:
				throw unknownCommand(typed!, profileCommands, 'pgconvoy profile');
		}
	} catch (error) {
		if (error instanceof UserError) {
			err(errorLines(error).join('\n') + '\n');
			return error.exitCode;
		}
		err(`✗ Unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
		return 1;
	}
}

/** Arguments end up in `ps` output and shell history, so no flag may carry a password. */
function refusePasswordArguments(args: string[]): void {
	if (args.some((arg) => /^--?(password|pass|pw)(=|$)/i.test(arg))) {
		throw new UserError(
			'usage',
			'pgconvoy does not take a password as a command-line argument (it would show in ps and your shell history).',
			'Use --password-env VAR, --pgpass, or --save-password on a terminal to type it.',
		);
	}
}

function noArguments(rest: string[], command: string): void {
	const {positionals} = parseFlagTable(rest, [], `pgconvoy profile ${command}`);
	if (positionals.length > 0)
		throw new UserError(
			'usage',
			`profile ${command} takes no arguments, but got "${positionals[0]}".`,
			`Run it alone: pgconvoy profile ${command}`,
		);
}

function oneName(rest: string[], command: string): string {
	const {positionals} = parseFlagTable(rest, [], `pgconvoy profile ${command}`);
	if (positionals.length === 0)
		throw new UserError(
			'usage',
			`profile ${command} needs a profile name.`,
			'pgconvoy profile list shows the saved ones.',
		);
	if (positionals.length > 1)
		throw new UserError(
			'usage',
			`profile ${command} takes one profile name, but got ${positionals.length}.`,
			`One at a time: pgconvoy profile ${command} ${positionals[0]}`,
		);
	return positionals[0];
}

// ---------------------------------------------------------------------------------------------- add

type Write = (text: string) => void;

async function addProfile(rest: string[], io: ProfileCommandIo, out: Write, err: Write): Promise<number> {
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
		const sslmode = parseSslModeFlag(
			values.sslmode ??
				imported?.sslmode ??
				(form ? await form.ask(`sslmode (${sslModes.join('/')})`, defaultSslMode(host)) : defaultSslMode(host)),
		);
		const sslrootcert = values.sslrootcert ?? imported?.sslrootcert;
		const production =
			values.production ??
			(form
				? /^y(es)?$/i.test(await form.ask('Production database? Writes will need its name typed back (y/N)', 'n'))
				: false);
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

		if (imported && values.url) out(`Parsed ${redactUrl(values.url)}\n`);
		out(`Saved profile "${name}": ${describeEndpoint(saved)}\n`);
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
		if (!isLocalHost(saved.host) && saved.sslmode !== 'verify-full' && saved.sslmode !== 'verify-ca') {
			err(
				`⚠ sslmode ${saved.sslmode} does not verify the server's identity; for a remote server use --sslmode verify-full (with --sslrootcert <ca.pem> for a private CA).\n`,
			);
		}
		return 0;
	} finally {
		form?.close();
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

interface Form {
	ask(question: string, defaultValue?: string): Promise<string>;
	close(): void;
}

/** A plain readline form on stderr; required answers are asked again until given. */
function openForm(io: ProfileCommandIo): Form {
	const lines = createInterface({input: io.stdin, output: io.stderr, terminal: Boolean(io.stdin.isTTY)});
	let closed = false;
	lines.once('close', () => (closed = true));
	const askOnce = (prompt: string) =>
		new Promise<string>((resolve, reject) => {
			const formClosed = () =>
				new UserError(
					'usage',
					'The form was closed before it was complete; nothing was saved.',
					'Run it again and answer each question, or give every field as an option: pgconvoy profile add NAME --url postgresql://user@host:5432/database',
				);
			if (closed) return reject(formClosed());
			const onClose = () => reject(formClosed());
			lines.once('close', onClose);
			lines.question(prompt, (answer) => {
				lines.off('close', onClose);
				resolve(answer.trim());
			});
		});
	return {
		async ask(question, defaultValue) {
			for (;;) {
				const answer = await askOnce(defaultValue ? `${question} [${defaultValue}]: ` : `${question}: `);
				if (answer) return answer;
				if (defaultValue) return defaultValue;
			}
		},
		close() {
			if (!closed) lines.close();
		},
	};
}

// ------------------------------------------------------------------------------------ list, show, remove

function listProfiles(store: ProfileStore, io: ProfileCommandIo, out: Write): void {
	const profiles = store.listProfiles();
	if (profiles.length === 0) {
		out('No profiles saved. Add one (on a terminal, a form asks for its fields): pgconvoy profile add local\n');
		return;
	}
	const badge = io.isTTY && !io.env.NO_COLOR ? '\u001B[1;97;41m PRODUCTION \u001B[0m' : 'PRODUCTION';
	const rows = profiles.map(({name, profile}) => [
		name,
		describeEndpoint(profile),
		profile.sslmode,
		describePasswordSource(profile.passwordSource),
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

function showProfile(name: string, store: ProfileStore, out: Write): void {
	const profile = store.getProfile(name);
	if (!profile) throw unknownProfileError(name, store, {purpose: 'existing'});
	out(`Profile "${name}": ${describeEndpoint(profile)}\n`);
	out(formatProfileDetails(profile, store.file));
}

function formatProfileDetails(profile: Profile, file: string): string {
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
	];
	return rows.map(([key, value]) => `  ${key.padEnd(11)} ${value}\n`).join('');
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

function removeProfile(name: string, store: ProfileStore, out: Write): void {
	if (!store.removeProfile(name)) throw unknownProfileError(name, store, {purpose: 'existing'});
	out(`Removed profile "${name}".\n`);
}

// ---------------------------------------------------------------------------------------------- test

interface ServerFacts {
	server_version: string;
	database: string;
	size_bytes: string;
	role: string;
	superuser: boolean;
	read_only: string;
	in_recovery: boolean;
	tls: string | null;
	tables: number;
	insertable: number;
}

/*
 * "Can write" is judged from what the server says, not guessed: a standby or a session that starts
 * read-only cannot write at all; otherwise it counts the tables outside system schemas on which the
 * role holds INSERT.
 */
const factsQuery = `
SELECT pg_catalog.current_setting('server_version') AS server_version,
       pg_catalog.current_database() AS database,
       pg_catalog.pg_database_size(pg_catalog.current_database()) AS size_bytes,
       CURRENT_USER AS role,
       (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER) AS superuser,
       pg_catalog.current_setting('transaction_read_only') AS read_only,
       pg_catalog.pg_is_in_recovery() AS in_recovery,
       (SELECT CASE WHEN s.ssl THEN s.version ELSE NULL END FROM pg_catalog.pg_stat_ssl s WHERE s.pid = pg_catalog.pg_backend_pid()) AS tls,
       t.tables::int AS tables,
       t.insertable::int AS insertable
  FROM (SELECT count(*) AS tables,
               count(*) FILTER (WHERE pg_catalog.has_table_privilege(c.oid, 'INSERT')) AS insertable
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p')
           AND n.nspname <> 'information_schema'
           AND n.nspname NOT LIKE 'pg\\_%') t`;

async function testProfile(value: string, io: ProfileCommandIo, out: Write): Promise<number> {
	const store = openProfileStore({env: io.env});
	const endpoint = resolveEndpointArgument(value, 'profile test', store, {purpose: 'existing'});
	const promptPassword = io.isTTY
		? (question: string) => promptHidden(question, io.stdin, io.stderr as NodeJS.WriteStream)
		: undefined;
	const resolved = await resolvePassword(endpoint, {promptPassword, env: io.env});
	out(
		`Connecting to ${describeEndpoint(resolved)} (${resolved.origin}, sslmode ${resolved.sslmode}, password ${describePasswordSource(resolved.passwordSource)})…\n`,
	);
	// The same session opener as sync, so a profile that passes here connects the same way there.
	const client = await openSession(resolved, 'target');
	try {
		const facts = (await client.query<ServerFacts>(factsQuery)).rows[0];
		out(`  server      PostgreSQL ${oneLine(facts.server_version)}\n`);
		// The wizard's formatter, so the same database reads the same size in both (pg's bigint arrives as text).
		out(`  database    ${oneLine(facts.database)}, ${formatBytes(Number(facts.size_bytes))}\n`);
		out(`  TLS         ${facts.tls ? `on (${facts.tls})` : 'off'}\n`);
		out(
			`  role        ${oneLine(facts.role)}${facts.superuser ? ' (superuser: a role limited to the synced tables is safer)' : ''}\n`,
		);
		out(`  can write   ${writeVerdict(facts)}\n`);
		out(`✓ ${resolved.profileName ? `Profile "${resolved.profileName}"` : 'The connection'} works.\n`);
		return 0;
	} finally {
		await closeSession(client);
	}
}

function writeVerdict(facts: ServerFacts): string {
	if (facts.in_recovery) return 'no: the server is a standby in recovery (read-only)';
	if (facts.read_only === 'on') return 'no: sessions start read-only (default_transaction_read_only = on)';
	if (facts.tables === 0)
		return 'unknown: the session is read-write, but there are no tables outside system schemas to check INSERT on';
	// One table reads "the only table", never "none of the 1 tables".
	const all = facts.tables === 1 ? 'the only table' : `${formatCount(facts.tables)} tables`;
	if (facts.insertable === 0)
		return `no: INSERT is ${facts.tables === 1 ? `not granted on ${all}` : `granted on none of the ${all}`} outside system schemas`;
	return `yes: the session is read-write and INSERT is granted on ${facts.tables === 1 ? all : `${formatCount(facts.insertable)} of ${all}`} outside system schemas`;
}
