import type {Endpoint} from '../core/connection/endpoint.js';
import {describeEndpoint, describeTls} from '../core/connection/endpoint.js';
import {confirmsTarget} from '../core/connection/production.js';
import {endpointDefault} from '../core/connection/default-endpoints.js';
import {SyncSession, defaultSyncOptions} from '../core/session/sync-session.js';
import {isBlocked, type SyncOptions} from '../core/plan/types.js';
import {UserError, exitCodeOf} from '../core/errors.js';
import {isServerError, serverError} from '../core/connection/server-errors.js';
import {checkPlanEndpoints, planPreview, readPlanFile, writePlanFile, type PlanFile} from './plan-file.js';
import {resolve} from 'node:path';
import type {PreviewResult, SyncEventListener} from '../core/events.js';
import type {CommitBudgets} from '../core/write/settle-commit.js';
import {createPlainRenderer} from '../headless/plain-renderer.js';
import {createProgressLine} from '../headless/progress-line.js';
import {commandLine, endpointArguments} from '../present/command-line.js';
import {terminalText} from '../present/terminal-text.js';
import {endpointResolver} from './endpoints.js';
import {withPasswordCommands} from './password-hints.js';
import {errorReport, previewReport, resultReport} from '../present/json-report.js';
import type {SyncCommandOptions} from './sync-flags.js';
import {journalOptions, settleTarget} from '../core/journal/journal-settings.js';

export interface CommandIo {
	stdout: (text: string) => void;
	stderr: (text: string) => void;
	stdinIsTTY: boolean;
	env: NodeJS.ProcessEnv;
	cwd: string;
	signal?: AbortSignal;
	/** Aborted by a second Ctrl-C while committing: stop waiting for COMMIT's outcome, which is then reported unknown. */
	stopWaiting?: AbortSignal;
	/** Told when COMMIT is sent: from then on Ctrl-C cannot roll back, and must not exit as if it had. */
	onCommitting?: () => void;
	/** How long COMMIT's reply is waited for and its outcome looked for (tests shorten them). */
	commitBudgets?: Partial<CommitBudgets>;
	promptPassword?: (question: string) => Promise<string>;
	/** Standard input's first line, for `--from -`/`--to -`; absent when stdin is a terminal. */
	readStdin?: () => Promise<string>;
}

export interface ResolvedEndpoints {
	source: Endpoint;
	target: Endpoint;
}

/**
 * --from/--to (a profile, a URL, env:VAR, or - for standard input) > DATABASE_URL_LOCAL/PROD
 * (environment, then .env) > the old script's default source; through the one resolver.
 */
export async function resolveSyncEndpoints(
	options: Pick<SyncCommandOptions, 'from' | 'to' | 'production'>,
	io: Pick<CommandIo, 'env' | 'cwd' | 'promptPassword' | 'readStdin' | 'stderr'>,
): Promise<ResolvedEndpoints> {
	if (options.from?.trim() === '-' && options.to?.trim() === '-')
		throw new UserError(
			'usage',
			'--from - and --to - both read standard input, which holds one URL.',
			'Give one of them as env:VAR (a variable holding the URL) or a saved profile.',
		);
	if (options.to === undefined && !endpointDefault('target', io.env, io.cwd)) {
		throw new UserError(
			'usage',
			'No target database: give --to <profile|url> or set DATABASE_URL_PROD (in the environment or .env).',
			'For example: pgconvoy sync --to postgres://user@prod.example.com/app --dry-run',
		);
	}
	const resolve = endpointResolver(io);
	const source = (await resolve({role: 'source', value: options.from, origin: '--from'}))!;
	const target = (await resolve({role: 'target', value: options.to, origin: '--to', production: options.production}))!;
	return {source, target};
}

/** An endpoint in a header: `user@host:port/db PRODUCTION (TLS, verified)`, safe to print. */
export function endpointLabel(endpoint: Endpoint): string {
	return `${terminalText(describeEndpoint(endpoint))}${endpoint.production ? ' PRODUCTION' : ''} (${describeTls(endpoint)})`;
}

export function syncOptionsFrom(options: SyncCommandOptions): SyncOptions {
	return {
		...defaultSyncOptions,
		mode: options.mode ?? 'insert',
		maxDeleteRatio: options.maxDeleteRatio,
		...(options.maxDeleteRows !== undefined ? {maxDeleteRows: options.maxDeleteRows} : {}),
		allowEmptySource: options.allowEmptySource,
		allowCascade: options.allowCascade,
		keys: options.keys,
		lockTimeoutMs: options.lockTimeoutMs,
		statementTimeoutMs: options.statementTimeoutMs,
	};
}

/** A production target is written to only when its database name is typed back (the one rule: production.ts). */
export function checkProductionConfirmation(target: Endpoint, confirm: string | undefined): void {
	if (confirmsTarget(target, confirm)) return;
	// Raw here: whatever prints an error neutralises it (errorLines, the wizard's error view).
	const database = target.database;
	const why = target.productionReason ? ` (${target.productionReason})` : '';
	throw new UserError(
		'usage',
		confirm === undefined
			? `The target ${describeEndpoint(target)} is production${why}: writing to it needs --confirm ${database}.`
			: `--confirm ${confirm} does not match the production target's database ${database}${why}.`,
		`Check that ${database} is the database you mean, then add --confirm ${database}. Try --dry-run first.`,
	);
}

/** `pgconvoy sync` without the wizard: plain lines or one JSON document, and an exit code. */
export async function runHeadlessSync(given: SyncCommandOptions, io: CommandIo): Promise<number> {
	let reviewed: PlanFile | undefined;
	let options = given;
	// A status line on a terminal's stderr while long phases run (never in --json, never when piped).
	const progress = options.json ? undefined : createProgressLine(process.stderr);
	const plain = createPlainRenderer((line) => io.stdout(line + '\n'), progress);
	const problems = createPlainRenderer((line) => io.stderr(line + '\n'), progress);
	let mode = options.mode ?? 'insert';
	let session: SyncSession | undefined;
	try {
		if (options.planOut !== undefined && !options.dryRun)
			throw new UserError(
				'usage',
				'--plan-out saves what a dry run reviewed: it needs --dry-run.',
				'pgconvoy sync … --dry-run --plan-out plan.json, then pgconvoy sync … --plan plan.json --yes',
			);
		if (options.plan !== undefined) {
			if (options.tables.length > 0 || options.exclude.length > 0 || options.mode !== undefined || options.dryRun) {
				throw new UserError(
					'usage',
					'--plan applies the reviewed plan as it is: its tables and mode come from the file.',
					'Leave out --tables, --exclude, --mode and --dry-run, or make a new plan.',
				);
			}
			reviewed = readPlanFile(options.plan);
			options = {...options, ...reviewed.selection, mode: reviewed.mode};
			mode = reviewed.mode;
		}
		// A rehearsal keeps nothing: like a dry run, it needs no --yes.
		if (!options.dryRun && !options.rehearse && !options.yes) {
			throw new UserError(
				'usage',
				io.stdinIsTTY
					? 'Headless mode writes only with --yes.'
					: 'Refusing to write: stdin is not a terminal, so nobody can confirm.',
				'Preview with --dry-run, then add --yes to write (and --confirm <dbname> for a production target).',
			);
		}
		const {source, target} = await resolveSyncEndpoints(options, io);
		if (reviewed) checkPlanEndpoints(reviewed, options.plan!, source, target);
		if (!options.dryRun && !options.rehearse) checkProductionConfirmation(target, options.confirm);
		// Journals a killed run left pending on this target are settled first (committed → undoable).
		const journal =
			options.dryRun || options.rehearse || options.noJournal
				? undefined
				: journalOptions(io.env, target, source, options.keepJournals);
		if (journal) await settleTarget(io.env, target);
		session = await SyncSession.open(source, target, {schemas: options.schemas, allSchemas: options.allSchemas});
		const plan = session.plan({tables: options.tables, exclude: options.exclude}, syncOptionsFrom(options));
		if (!options.json) {
			plain.header(endpointLabel(source), endpointLabel(target), mode, options.dryRun);
			plain.setTableWidth(
				plan.tables.map((table) => ({
					id: table.id,
					rows: Math.max(table.source.estimatedRows, table.target.estimatedRows),
				})),
			);
		}
		if (isBlocked(plan.findings)) {
			const preview: PreviewResult = {mode, tables: [], findings: plan.findings};
			// One JSON document, also when blocked: the findings say why (exit code 4).
			if (options.json) {
				io.stdout(
					JSON.stringify({...previewReport(preview, source, target), dryRun: options.dryRun, blocked: true}, null, 2) +
						'\n',
				);
				return exitCodeOf('blocked');
			}
			plain.findings(plan.findings);
			throw new UserError(
				'blocked',
				'Blocked by the findings above: nothing was written.',
				'Fix them (each says how), then run again.',
			);
		}
		const onEvent = options.json ? undefined : plain.event;
		if (options.dryRun) {
			const preview = await session.preview(plan, {onEvent, signal: io.signal});
			// A plan worth applying only: one the findings do not block.
			const planFile =
				options.planOut !== undefined && !isBlocked(preview.findings) ? resolve(io.cwd, options.planOut) : undefined;
			if (planFile) writePlanFile(planFile, options, source, target, preview);
			if (options.json)
				io.stdout(
					JSON.stringify({...previewReport(preview, source, target), ...(planFile ? {planFile} : {})}, null, 2) + '\n',
				);
			else {
				plain.findings(preview.findings);
				plain.previewTotals(preview);
				if (planFile)
					io.stdout(
						`Plan saved to ${terminalText(planFile)}: apply it with ${terminalText(applyPlanCommand(source, planFile, target))} (it refuses if the data changed).\n`,
					);
			}
			return isBlocked(preview.findings) ? 4 : 0;
		}
		if (!options.json) plain.findings(plan.findings);
		const watched: SyncEventListener = (event) => {
			if (event.type === 'apply-phase' && event.phase === 'committing') io.onCommitting?.();
			onEvent?.(event);
		};
		const result = await session.apply(plan, {
			onEvent: watched,
			signal: io.signal,
			stopWaiting: io.stopWaiting,
			commitBudgets: io.commitBudgets,
			rehearse: options.rehearse,
			...(journal ? {journal} : {}),
			...(reviewed ? {expected: planPreview(reviewed)} : {}),
		});
		if (io.signal?.aborted) io.stderr('Ctrl-C came after COMMIT was sent: the target confirms the sync committed.\n');
		if (options.json) io.stdout(JSON.stringify(resultReport(result, source, target), null, 2) + '\n');
		else {
			plain.stats(result);
			io.stdout(`Sessions: source ${describeTls(source)}; target ${describeTls(target)}.\n`);
			if (result.journalSkipped) io.stdout(`No undo journal: ${result.journalSkipped}.\n`);
			// Names the target as it was given (a profile, env:VAR, a URL without its password): runs as printed.
			if (result.journal)
				io.stdout(
					`Journaled as run ${result.journal.id}: ${terminalText(commandLine(['undo', result.journal.id, ...endpointArguments('--to', target), '--dry-run']))} shows how to take it back.\n`,
				);
		}
		return 0;
	} catch (error) {
		// A server's refusal (while opening or introspecting) is the server's word, never "a bug".
		const known = withPasswordCommands(error);
		const failure =
			known instanceof UserError
				? known
				: isServerError(error)
					? serverError(error, {during: options.dryRun ? 'preview' : 'apply', mode})
					: new UserError(
							'unexpected',
							`Unexpected error: ${(error as Error)?.message ?? String(error)}`,
							'This is a bug in pgconvoy; please report it with the command you ran.',
							{cause: error},
						);
		if (options.json)
			io.stdout(
				JSON.stringify(
					{...errorReport(failure, mode, options.dryRun), ...(options.rehearse ? {rehearsed: true} : {})},
					null,
					2,
				) + '\n',
			);
		else problems.error(failure);
		return failure.exitCode;
	} finally {
		await session?.close();
	}
}

/** The command that applies a saved plan to the same databases, as it runs when pasted (never with a password). */
function applyPlanCommand(source: Endpoint, planFile: string, target: Endpoint): string {
	return commandLine([
		'sync',
		...endpointArguments('--from', source),
		...endpointArguments('--to', target),
		'--plan',
		planFile,
		'--yes',
		...(target.production ? ['--confirm', target.database] : []),
	]);
}
