import {describeEndpoint, publicEndpoint, type Endpoint} from '../core/connection/endpoint.js';
import {UserError} from '../core/errors.js';
import {isServerError, serverError} from '../core/connection/server-errors.js';
import {configDirectory, journalHistory, journalOptions, settleTarget} from '../core/journal/journal-settings.js';
import {journalDirectory, listJournals} from '../core/journal/journal-store.js';
import {undoRun} from '../core/journal/undo-run.js';
import {findRun} from '../core/journal/find-run.js';
import {
	conflictText,
	historyLines,
	historyReport,
	runTime,
	undoReport,
	undoSummary,
	undoTableLines,
} from '../present/journal-report.js';
import {parseFlagTable, unexpectedArgument, type FlagSpec} from './flag-table.js';
import {renderHelp} from './help-text.js';
import {commandLine, endpointArguments} from '../present/command-line.js';
import {terminalText} from '../present/terminal-text.js';
import {flagHelpRows} from './flag-table.js';
import {endpointResolver} from './endpoints.js';
import {withPasswordCommands} from './password-hints.js';
import {checkProductionConfirmation, endpointLabel, type CommandIo} from './sync.js';

const toFlag: FlagSpec = {
	name: 'to',
	kind: 'value',
	aliases: ['prod-db-url'],
	placeholder: '<profile|url>',
	help: 'the target database: a profile, a URL, env:VAR or - (stdin); default: DATABASE_URL_PROD',
	emptyHint: 'Give a saved profile, a postgresql:// URL or env:VAR, or leave --to out to use DATABASE_URL_PROD.',
};
const productionFlag: FlagSpec = {
	name: 'production',
	kind: 'boolean',
	help: 'the target is a production database (as if a production profile named it)',
};
const jsonFlag: FlagSpec = {name: 'json', kind: 'boolean', help: 'print one JSON document'};

export const historyFlags: FlagSpec[] = [
	{...toFlag, help: "only this target's runs (and settle its pending ones); default: every run kept on this machine"},
	productionFlag,
	jsonFlag,
];

export const undoFlags: FlagSpec[] = [
	toFlag,
	productionFlag,
	{name: 'dry-run', kind: 'boolean', help: 'only show what the undo would do, and what changed since'},
	{name: 'yes', kind: 'boolean', short: 'y', help: 'undo without asking (required when stdin is not a terminal)'},
	{
		name: 'confirm',
		kind: 'value',
		placeholder: '<dbname>',
		help: 'required to write to a production database: its name',
		emptyHint: "Type the production target's database name after --confirm.",
	},
	{name: 'force', kind: 'boolean', help: 'put old values back even over rows changed since the run'},
	{name: 'no-journal', kind: 'boolean', help: 'keep no journal of the undo (it cannot be undone then)'},
	{
		name: 'keep-journals',
		kind: 'value',
		placeholder: '<n>',
		help: 'journals kept per target (default 20, or PGCONVOY_JOURNAL_KEEP)',
		emptyHint: 'Give a number of runs, for example --keep-journals 50.',
	},
	jsonFlag,
];

export const historyHelp = renderHelp({
	usage: ['pgconvoy history [--to <profile|url>] [--json]'],
	summary:
		'The syncs (and undos) this machine journaled, newest first: their row counts and whether each can still be undone. Journals live in the config directory (journal/), the last 20 per target.',
	sections: [
		{title: 'Options', rows: [...flagHelpRows(historyFlags), ['-h, --help', 'this help']]},
		{title: 'Examples', lines: ['pgconvoy history', 'pgconvoy history --to prod --json']},
	],
});

export const undoHelp = renderHelp({
	usage: ['pgconvoy undo <run-id|last> [options]'],
	summary:
		'Take back one committed sync from its journal, in one transaction: rows it inserted are deleted, rows it updated get their old values back, rows it deleted (cascades included) come back. Sequences are left alone; triggers fire as on any write. A row changed on the target since the run blocks the undo (--force overrides). The undo is journaled too, so it can be undone.',
	sections: [
		{title: 'Options', rows: [...flagHelpRows(undoFlags), ['-h, --help', 'this help']]},
		{
			title: 'Examples',
			lines: [
				'pgconvoy undo last --to prod --dry-run',
				'pgconvoy undo 20261130-161502.123-3f9a --to prod --yes --confirm shop',
			],
		},
		{
			title: 'Exit codes',
			paragraphs: [
				'0 done, 2 usage/config (no such run, another database), 3 connection/auth, 4 blocked (rows changed since the run), 5 failed and rolled back, 6 outcome unknown, 130 interrupted',
			],
		},
	],
});

/** The target of history/undo, through the one resolver: --to, else DATABASE_URL_PROD; undefined when neither. */
function resolveTarget(
	value: string | undefined,
	production: boolean,
	io: Pick<CommandIo, 'env' | 'cwd' | 'promptPassword' | 'readStdin' | 'stderr'>,
): Promise<Endpoint | undefined> {
	return endpointResolver(io)({role: 'target', value, origin: '--to', production});
}

function failure(thrown: unknown): UserError {
	const error = withPasswordCommands(thrown);
	if (error instanceof UserError) return error;
	if (isServerError(error)) return serverError(error, {during: 'preview'});
	return new UserError(
		'unexpected',
		`Unexpected error: ${(error as Error)?.message ?? String(error)}`,
		'This is a bug in pgconvoy; please report it with the command you ran.',
		{cause: error},
	);
}

/** `pgconvoy history`: plain lines or one JSON document. */
export async function runHistory(argv: readonly string[], io: CommandIo): Promise<number> {
	const flags = parseFlagTable(argv, historyFlags, 'pgconvoy history');
	if (flags.positionals.length > 0) throw unexpectedArgument(flags.positionals[0], historyFlags, 'pgconvoy history');
	const json = flags.boolean('json');
	try {
		const target =
			flags.value('to') !== undefined
				? await resolveTarget(flags.value('to'), flags.boolean('production'), io)
				: undefined;
		const unreadable: string[] = [];
		const {entries, undone, settled} = await journalHistory(io.env, target, unreadable);
		warnUnreadable(unreadable, io);
		if (json) {
			io.stdout(
				JSON.stringify(
					{
						...(target ? {target: describeEndpoint(target), targetEndpoint: publicEndpoint(target)} : {}),
						...(settled ? {settled} : {}),
						runs: historyReport(entries, undone),
					},
					null,
					2,
				) + '\n',
			);
			return 0;
		}
		for (const id of settled?.committed ?? [])
			io.stdout(`Run ${terminalText(id)} was left pending; the target says it committed: it can be undone.\n`);
		for (const id of settled?.discarded ?? [])
			io.stdout(
				`Run ${terminalText(id)} was left pending; the target says it rolled back: nothing was written, its journal is removed.\n`,
			);
		if (target) io.stdout(`Runs journaled for ${endpointLabel(target)}:\n`);
		if (entries.length === 0) {
			io.stdout(
				target
					? `No journaled runs for ${terminalText(describeEndpoint(target))} on this machine.\n`
					: 'No journaled runs on this machine yet: every sync that writes keeps one.\n',
			);
			return 0;
		}
		io.stdout(historyLines(entries, undone).join('\n') + '\n');
		return 0;
	} catch (error) {
		const problem = failure(error);
		if (json) io.stdout(JSON.stringify({error: {code: problem.code, message: problem.message}}, null, 2) + '\n');
		else
			io.stderr(
				`✗ ${problem.message}\n${(problem.flagHint ?? problem.hint) ? `  → ${problem.flagHint ?? problem.hint}\n` : ''}`,
			);
		return problem.exitCode;
	}
}

/** Journal files whose first line cannot be read are not runs: said on stderr, so `last` never silently means an older run. */
function warnUnreadable(files: string[], io: Pick<CommandIo, 'stderr'>): void {
	if (files.length === 0) return;
	const one = files.length === 1;
	io.stderr(
		`⚠ ${one ? 'This file is not a readable journal and is' : `These ${files.length} files are not readable journals and are`} left out: ${files.map(terminalText).join(', ')}. A journal cut short or edited cannot be undone; move ${one ? 'it' : 'them'} away if you do not need ${one ? 'it' : 'them'}.\n`,
	);
}

/** `pgconvoy undo <run-id|last>`. */
export async function runUndo(argv: readonly string[], io: CommandIo): Promise<number> {
	const flags = parseFlagTable(argv, undoFlags, 'pgconvoy undo');
	const json = flags.boolean('json');
	const dryRun = flags.boolean('dry-run');
	try {
		if (flags.positionals.length === 0)
			throw new UserError(
				'usage',
				'pgconvoy undo needs the run to undo: a run id, or last.',
				'pgconvoy history lists the runs; pgconvoy undo last --to <target> --dry-run shows what undoing the newest would do.',
			);
		if (flags.positionals.length > 1) throw unexpectedArgument(flags.positionals[1], undoFlags, 'pgconvoy undo');
		if (!dryRun && !flags.boolean('yes')) {
			throw new UserError(
				'usage',
				io.stdinIsTTY
					? 'pgconvoy undo writes only with --yes.'
					: 'Refusing to write: stdin is not a terminal, so nobody can confirm.',
				'Look first with --dry-run, then add --yes to undo (and --confirm <dbname> for a production target).',
			);
		}
		const target = await resolveTarget(flags.value('to'), flags.boolean('production'), io);
		if (!target)
			throw new UserError(
				'usage',
				'No target database: give --to <profile|url> (the database the run wrote to) or set DATABASE_URL_PROD.',
				'For example: pgconvoy undo last --to prod --dry-run',
			);
		if (!dryRun) checkProductionConfirmation(target, flags.value('confirm'));
		const {identity} = await settleTarget(io.env, target, true);
		const unreadable: string[] = [];
		const entry = findRun(
			listJournals(journalDirectory(configDirectory(io.env)), unreadable),
			flags.positionals[0]!,
			identity!,
			describeEndpoint(target),
		);
		warnUnreadable(unreadable, io);
		if (!json) {
			io.stdout(
				`${dryRun ? 'Would undo' : 'Undoing'} run ${terminalText(entry.run.id)} (${entry.run.kind === 'undo' ? `undo of ${terminalText(entry.run.undoes ?? '')}` : entry.run.mode}, ${runTime(entry)}) on ${endpointLabel(target)}\n`,
			);
		}
		const result = await undoRun({
			entry,
			target,
			dryRun,
			force: flags.boolean('force'),
			...(flags.boolean('no-journal')
				? {}
				: {journal: journalOptions(io.env, target, undefined, flags.value('keep-journals'))}),
			signal: io.signal,
			stopWaiting: io.stopWaiting,
			commitBudgets: io.commitBudgets,
			onPhase: (phase) => phase === 'committing' && io.onCommitting?.(),
		});
		const blocked = dryRun && result.conflicts.length > 0 && !flags.boolean('force');
		if (json) {
			io.stdout(
				JSON.stringify(
					{...undoReport(result, dryRun), target: publicEndpoint(target), ...(blocked ? {blocked: true} : {})},
					null,
					2,
				) + '\n',
			);
			return blocked ? 4 : 0;
		}
		io.stdout(
			undoTableLines(result)
				.map((line) => `  ${line}`)
				.join('\n') + '\n',
		);
		if (dryRun) {
			if (result.conflicts.length > 0)
				io.stdout(
					`Changed on the target since the run (the undo refuses these unless --force):\n${result.conflicts.map((conflict) => `  ${conflictText(conflict)}`).join('\n')}\n`,
				);
			io.stdout('Dry run: nothing was written.\n');
			return blocked ? 4 : 0;
		}
		// Names the target as it was given (a profile, env:VAR, a URL without its password): runs as printed.
		const takeBack = result.journal
			? commandLine(['undo', result.journal.id, ...endpointArguments('--to', target), '--dry-run'])
			: undefined;
		io.stdout(
			`✓ ${undoSummary(result)}${result.journal ? ` This undo is journaled as ${result.journal.id}: ${takeBack} shows how to take it back.` : ''}\n`,
		);
		return 0;
	} catch (error) {
		const problem = failure(error);
		if (json)
			io.stdout(
				JSON.stringify(
					{
						dryRun,
						committed: problem.code === 'outcome-unknown' ? null : false,
						error: {
							code: problem.code,
							message: problem.message,
							...((problem.flagHint ?? problem.hint) ? {hint: problem.flagHint ?? problem.hint} : {}),
						},
					},
					null,
					2,
				) + '\n',
			);
		else
			io.stderr(
				`✗ ${problem.message}\n${(problem.flagHint ?? problem.hint) ? `  → ${problem.flagHint ?? problem.hint}\n` : ''}`,
			);
		return problem.exitCode;
	}
}
