import {UserError} from '../../core/errors.js';
import {openProfileStore} from '../../core/profiles/store.js';
import {redactUrl} from '../../core/connection/url.js';
import {errorLines} from '../../headless/one-line.js';
import {terminalLines} from '../../present/terminal-text.js';
import {unknownCommand} from '../command-help.js';
import {asksForHelp, parseFlagTable} from '../flag-table.js';
import {withPasswordCommands} from '../password-hints.js';
import {addProfile} from './add.js';
import {profileCommandName, profileCommands, profileHelp, profileHelpFor} from './help.js';
import {removeProfile} from './remove.js';
import {listProfiles, showProfile} from './show.js';
import {testProfile} from './test.js';

export interface ProfileCommandIo {
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	stdin: NodeJS.ReadStream;
	/** stdin and stdout are a terminal: the add form, password prompts and confirmations may ask. */
	isTTY: boolean;
	env: NodeJS.ProcessEnv;
}

export type Write = (text: string) => void;

/** `pgconvoy profile ...`: returns the exit code (0, 2 usage/config, 3 connection/auth), never exits. */
export async function runProfileCommand(args: string[], io: ProfileCommandIo): Promise<number> {
	// Every line is pgconvoy's own text around values already neutralised; URLs lose their passwords here too.
	const out: Write = (text) => void io.stdout.write(redactUrl(text));
	const err: Write = (text) => void io.stderr.write(redactUrl(text));
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
				showProfile(oneName(parseFlagTable(rest, [], 'pgconvoy profile show').positionals, 'show'), io, out);
				return 0;
			case 'remove':
				return await removeProfile(rest, io, out);
			case 'test':
				return await testProfile(
					oneName(parseFlagTable(rest, [], 'pgconvoy profile test').positionals, 'test'),
					io,
					out,
				);
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
	} catch (thrown) {
		const error = withPasswordCommands(thrown);
		if (error instanceof UserError) {
			err(errorLines(error).join('\n') + '\n');
			return error.exitCode;
		}
		err(`✗ Unexpected error: ${terminalLines((error as Error)?.stack ?? String(error))}\n`);
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

/** The one profile name a command acts on. */
export function oneName(positionals: string[], command: string): string {
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
