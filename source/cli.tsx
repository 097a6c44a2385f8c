#!/usr/bin/env node
import {errorReport} from './present/json-report.js';
import {createRequire} from 'node:module';
import {redactUrl} from './core/connection/url.js';
import {UserError, exitCodeOf} from './core/errors.js';
import {closestName} from './core/profiles/closest-name.js';
import {commands, demoFlags, helpFor, topHelp, unknownCommand} from './commands/command-help.js';
import {asksForHelp, parseFlagTable, unexpectedArgument} from './commands/flag-table.js';
import {parseSyncFlags, syncFlags} from './commands/sync-flags.js';
import {commandLine} from './present/command-line.js';
import {readFirstLine} from './commands/endpoints.js';
import {runHeadlessSync, type CommandIo} from './commands/sync.js';
import {promptHidden} from './commands/prompt-hidden.js';
import {errorLines} from './headless/one-line.js';

/**
 * Ink draws only a final frame when it thinks it runs in CI (is-in-ci reads CI when ink is first
 * imported). The wizard opens only on a real terminal, where live frames are the point.
 */
function allowLiveRendering(): void {
	for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (process.env[name]) process.env[name] = 'false';
}

/** The only place that exits the process: every command returns its exit code here. */
async function main(argv: string[]): Promise<number> {
	const abort = new AbortController();
	const stopWaiting = new AbortController();
	let interrupts = 0;
	let committing = false;
	const onSigint = () => {
		interrupts++;
		if (committing) {
			// COMMIT is sent: nothing can be cancelled any more, only its outcome found out (in bounded time).
			if (interrupts === 1)
				io.stderr(
					'COMMIT was already sent, so the sync cannot be cancelled: asking the target whether it committed… (Ctrl-C again to stop waiting; the outcome is then unknown)\n',
				);
			else if (interrupts === 2) stopWaiting.abort();
			else {
				io.stderr(
					'✗ Stopped: whether COMMIT took effect is unknown. Check the target before running the sync again.\n',
				);
				process.exit(exitCodeOf('outcome-unknown'));
			}
			abort.abort();
			return;
		}
		// First Ctrl-C: cancel and roll back cleanly. A second one: stop waiting.
		if (interrupts > 1) process.exit(130);
		abort.abort();
	};
	const io: CommandIo = {
		stdout: (text) => process.stdout.write(redactUrl(text)),
		stderr: (text) => process.stderr.write(redactUrl(text)),
		stdinIsTTY: Boolean(process.stdin.isTTY),
		env: process.env,
		cwd: process.cwd(),
		signal: abort.signal,
		stopWaiting: stopWaiting.signal,
		onCommitting: () => (committing = true),
		promptPassword: process.stdin.isTTY
			? (question) => promptHidden(question, process.stdin, process.stderr)
			: undefined,
		// `--to -`: the URL arrives on a pipe, never as an argument others can read.
		readStdin: process.stdin.isTTY ? undefined : () => readFirstLine(process.stdin),
	};
	const [command, ...rest] = argv;
	const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
	try {
		if (command === '--version' || command === '-V' || command === '-v' || command === 'version') {
			if (asksForHelp(rest)) return printHelp(io, ['version']);
			if (rest.length > 0) throw unexpectedArgument(rest[0], [], 'pgconvoy version');
			const require = createRequire(import.meta.url);
			io.stdout(`${(require('../package.json') as {version: string}).version}\n`);
			return 0;
		}
		if (command === '--help' || command === '-h') return printHelp(io, []);
		if (command === 'help') return printHelp(io, asksForHelp(rest) ? ['help'] : rest);
		switch (command) {
			case undefined:
			case 'sync': {
				if (asksForHelp(rest)) return printHelp(io, ['sync']);
				const options = parseSyncFlags(rest);
				if (interactive && !options.yes && !options.json && !options.dryRun && !options.rehearse) {
					allowLiveRendering();
					const {runWizard} = await import('./commands/wizard.js');
					return await runWizard({prefill: options, env: process.env, cwd: process.cwd()});
				}
				if (command === undefined) {
					io.stderr(topHelp + '\n');
					const notTerminal = process.stdin.isTTY
						? 'stdout is not a terminal (it is piped or redirected)'
						: 'stdin is not a terminal';
					throw new UserError(
						'usage',
						`pgconvoy without a command opens the interactive wizard, which needs a terminal, but ${notTerminal}.`,
						'In scripts and CI, use flag mode: pgconvoy sync --dry-run (pgconvoy sync --help lists its options).',
					);
				}
				// Some dependencies (when-exit, via conf) re-raise SIGINT to end the process, which would
				// skip our cancel-and-rollback and count as a second Ctrl-C: this run owns SIGINT.
				process.removeAllListeners('SIGINT');
				process.on('SIGINT', onSigint);
				return await runHeadlessSync(options, io);
			}
			case 'history':
			case 'undo': {
				if (asksForHelp(rest)) return printHelp(io, [command]);
				// Owned before anything loads: a Ctrl-C during the imports must cancel, not be swallowed.
				process.removeAllListeners('SIGINT');
				process.on('SIGINT', onSigint);
				const {runHistory, runUndo} = await import('./commands/journal-commands.js');
				// Dependencies loaded just now (conf's when-exit) may have added their own.
				process.removeAllListeners('SIGINT');
				process.on('SIGINT', onSigint);
				if (command === 'history') return await runHistory(rest, io);
				return await runUndo(rest, io);
			}
			case 'profile': {
				const {runProfileCommand} = await import('./commands/profile/index.js');
				return await runProfileCommand(rest, {
					stdout: process.stdout,
					stderr: process.stderr,
					stdin: process.stdin,
					isTTY: interactive,
					env: process.env,
				});
			}
			case 'demo': {
				if (asksForHelp(rest)) return printHelp(io, ['demo']);
				const flags = parseFlagTable(rest, demoFlags, 'pgconvoy demo');
				if (flags.positionals.length > 0) throw unexpectedArgument(flags.positionals[0], demoFlags, 'pgconvoy demo');
				if (interactive) allowLiveRendering();
				const {runDemo} = await import('./commands/demo.js');
				return await runDemo(rest, {
					env: process.env,
					cwd: process.cwd(),
					stdout: io.stdout,
					stderr: io.stderr,
					interactive,
				});
			}
			default:
				throw command.startsWith('-') ? misplacedOption(command) : unknownCommand(command, commands, 'pgconvoy');
		}
	} catch (error) {
		if (error instanceof UserError) {
			io.stderr(errorLines(error).join('\n') + '\n');
			// `sync --json` promises one JSON document on stdout, also for a flag it could not parse.
			if (command === 'sync' && rest.includes('--json'))
				io.stdout(JSON.stringify(errorReport(error, undefined, rest.includes('--dry-run')), null, 2) + '\n');
			return error.exitCode;
		}
		io.stderr(`✗ Unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
		return 1;
	}
}

function printHelp(io: CommandIo, path: readonly string[]): number {
	io.stdout(helpFor(path));
	return 0;
}

/** `pgconvoy --dry-run`: an option before any command. Sync's options go after `sync`. */
function misplacedOption(option: string): UserError {
	const name = option.split('=')[0];
	if (
		syncFlags.some(
			(spec) =>
				[spec.name, ...(spec.aliases ?? [])].some((alias) => `--${alias}` === name) ||
				(spec.short && `-${spec.short}` === name),
		)
	) {
		return new UserError(
			'usage',
			`${name} is an option of pgconvoy sync.`,
			`Put it after the command: ${commandLine(['sync', ...process.argv.slice(2)])}`,
		);
	}
	const guess = closestName(name, ['--help', '--version']);
	return new UserError(
		'usage',
		`Unknown option ${name}.`,
		`${guess ? `Did you mean pgconvoy ${guess}? ` : ''}pgconvoy --help lists the commands; each has its own --help.`,
	);
}

const code = await main(process.argv.slice(2));
// Let stdout drain (a piped JSON document may still be in flight) before exiting.
process.stdout.write('', () => process.exit(code));
