import {render} from 'ink';
import {defaultSyncOptions} from '../core/session/sync-session.js';
import type {SyncCommandOptions} from './sync-flags.js';
import {App} from '../ui/app.js';
import {initialState} from '../ui/state.js';
import {createEngineServices} from '../ui/engine-services.js';
import {toUserError} from '../ui/errors.js';
import {argvPasswordWarning} from './endpoints.js';

/** Flags given on a terminal: each one fills in (and skips) its step. */
export type WizardPrefill = Partial<Omit<SyncCommandOptions, 'dryRun' | 'yes' | 'json'>>;

export interface WizardOptions {
	prefill?: WizardPrefill;
	env: NodeJS.ProcessEnv;
	cwd: string;
	stdin?: NodeJS.ReadStream;
	stdout?: NodeJS.WriteStream;
	stderr?: NodeJS.WritableStream;
}

/**
 * The interactive wizard. Resolves with the exit code: 0 done or quit, 5 (or 4) rolled back after a
 * failure, 130 interrupted. Every connection is closed before it resolves.
 */
export async function runWizard(options: WizardOptions): Promise<number> {
	const prefill = options.prefill ?? {};
	const timeouts = {
		lockTimeoutMs: prefill.lockTimeoutMs ?? defaultSyncOptions.lockTimeoutMs,
		statementTimeoutMs: prefill.statementTimeoutMs ?? defaultSyncOptions.statementTimeoutMs,
	};
	const services = createEngineServices({
		env: options.env,
		cwd: options.cwd,
		targetProduction: prefill.production === true,
		schemas: {
			schemas: prefill.schemas && prefill.schemas.length > 0 ? prefill.schemas : ['public'],
			allSchemas: prefill.allSchemas ?? false,
		},
	});
	const endpoint = (value: string | undefined, origin: '--from' | '--to') => {
		if (value === undefined) return undefined;
		try {
			const parsed = services.parseEndpoint(value, origin);
			// Said before the wizard draws: the password is readable in `ps` while it runs.
			if (parsed.given?.kind === 'url' && parsed.passwordSource.kind === 'url')
				(options.stderr ?? process.stderr).write(argvPasswordWarning(origin));
			return parsed;
		} catch (error) {
			return toUserError(error);
		}
	};
	const initial = initialState({
		source: endpoint(prefill.from, '--from'),
		target: endpoint(prefill.to, '--to'),
		tables: prefill.tables,
		exclude: prefill.exclude,
		mode: prefill.mode,
		confirm: prefill.confirm,
		options: {
			maxDeleteRatio: prefill.maxDeleteRatio ?? defaultSyncOptions.maxDeleteRatio,
			...(prefill.maxDeleteRows !== undefined ? {maxDeleteRows: prefill.maxDeleteRows} : {}),
			allowEmptySource: prefill.allowEmptySource ?? defaultSyncOptions.allowEmptySource,
			allowCascade: prefill.allowCascade ?? defaultSyncOptions.allowCascade,
			keys: prefill.keys ?? defaultSyncOptions.keys,
			...timeouts,
		},
	});
	let code = 0;
	const instance = render(<App services={services} initial={initial} onExit={(exitCode) => (code = exitCode)} />, {
		// Ctrl-C is ours: during the apply it must cancel and roll back before anything exits.
		exitOnCtrlC: false,
		...(options.stdin ? {stdin: options.stdin} : {}),
		...(options.stdout ? {stdout: options.stdout} : {}),
	});
	try {
		await instance.waitUntilExit();
	} finally {
		await services.dispose();
	}
	return code;
}
