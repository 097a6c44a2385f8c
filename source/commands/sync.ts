import type {Endpoint} from '../core/connection/endpoint.js';
import {describeEndpoint} from '../core/connection/endpoint.js';
import {confirmsTarget} from '../core/connection/production.js';
import {readEndpointDefaults} from '../core/connection/default-endpoints.js';
import {resolvePassword} from '../core/connection/password.js';
import {resolveEndpointArgument, type ProfileLookup} from '../core/profiles/resolve-endpoint.js';
import {openProfileStore} from '../core/profiles/store.js';
import {SyncSession, defaultSyncOptions} from '../core/sync-session.js';
import {isBlocked, type SyncOptions} from '../core/plan/types.js';
import {UserError, exitCodeOf} from '../core/errors.js';
import {isServerError, serverError} from '../core/server-errors.js';
import {checkPlanEndpoints, planPreview, readPlanFile, writePlanFile, type PlanFile} from './plan-file.js';
import {resolve} from 'node:path';
import type {PreviewResult, SyncEventListener} from '../core/events.js';
import type {CommitBudgets} from '../core/apply/settle-commit.js';
import {createPlainRenderer} from '../headless/plain-renderer.js';
import {createProgressLine} from '../headless/progress-line.js';
import {commandLine} from '../core/profiles/command-line.js';
import {redactUrl} from '../core/connection/url.js';
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
}

export interface ResolvedEndpoints {
	source: Endpoint;
	target: Endpoint;
}

/** --from/--to (profile or URL) > DATABASE_URL_LOCAL/PROD (environment, then .env) > the old script's default source. */
export async function resolveSyncEndpoints(
	options: Pick<SyncCommandOptions, 'from' | 'to'>,
	io: Pick<CommandIo, 'env' | 'cwd' | 'promptPassword'>,
): Promise<ResolvedEndpoints> {
	const defaults = readEndpointDefaults(io.env, io.cwd);
	const sourceValue = options.from !== undefined ? {value: options.from, origin: '--from'} : defaults.localUrl;
	const targetValue = options.to !== undefined ? {value: options.to, origin: '--to'} : defaults.prodUrl;
	if (!targetValue) {
		throw new UserError(
			'usage',
			'No target database: give --to <profile|url> or set DATABASE_URL_PROD (in the environment or .env).',
			'For example: pgconvoy sync --to postgres://user@prod.example.com/app --dry-run',
		);
	}
	const profiles = lazyProfileLookup(io.env);
	const source = resolveEndpointArgument(sourceValue.value, sourceValue.origin, profiles);
	const target = resolveEndpointArgument(targetValue.value, targetValue.origin, profiles);
	return {
		source: await resolvePassword(source, {promptPassword: io.promptPassword, env: io.env}),
		target: await resolvePassword(target, {promptPassword: io.promptPassword, env: io.env}),
	};
}

/** The profile store of this command's environment (PGCONVOY_CONFIG_DIR), opened only if a profile name is used. */
export function lazyProfileLookup(env: NodeJS.ProcessEnv): ProfileLookup {
	let store: ProfileLookup | undefined;
	const open = () => (store ??= openProfileStore({env}));
	return {getProfile: (name) => open().getProfile(name), profileNames: () => open().profileNames()};
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

/** A production target is written to only when its database name is typed back. */
export function checkProductionConfirmation(target: Endpoint, confirm: string | undefined): void {
	if (confirmsTarget(target, confirm)) return;
	throw new UserError(
		'usage',
		confirm === undefined
			? `The target ${describeEndpoint(target)} is tagged production: writing to it needs --confirm ${target.database}.`
			: `--confirm ${confirm} does not match the production target's database ${target.database}.`,
		`Check that ${target.database} is the database you mean, then add --confirm ${target.database}. Try --dry-run first.`,
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
			plain.header(describeEndpoint(source), describeEndpoint(target), mode, options.dryRun);
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
						`Plan saved to ${planFile}: apply it with ${applyPlanCommand(options, planFile, target)} (it refuses if the data changed).\n`,
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
			if (result.journalSkipped) io.stdout(`No undo journal: ${result.journalSkipped}.\n`);
			// A password typed in --to is never echoed back, not even in a command to paste.
			if (result.journal)
				io.stdout(
					`Journaled as run ${result.journal.id}: ${redactUrl(commandLine(['undo', result.journal.id, ...(options.to !== undefined ? ['--to', options.to] : []), '--dry-run']))} shows how to take it back.\n`,
				);
		}
		return 0;
	} catch (error) {
		// A server's refusal (while opening or introspecting) is the server's word, never "a bug".
		const failure =
			error instanceof UserError
				? error
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

/** The command that applies a saved plan to the same databases, as it runs when pasted. */
function applyPlanCommand(options: SyncCommandOptions, planFile: string, target: Endpoint): string {
	const endpoints = [
		...(options.from !== undefined ? ['--from', options.from] : []),
		...(options.to !== undefined ? ['--to', options.to] : []),
	];
	return redactUrl(
		commandLine([
			'sync',
			...endpoints,
			'--plan',
			planFile,
			'--yes',
			...(target.production ? ['--confirm', target.database] : []),
		]),
	);
}
