/**
 * A bench run through the headless sync command, as `pgconvoy sync … --json` makes it, for features
 * that only sync's flags reach. The flags are parsed by sync's own flag table, so a flag pgconvoy
 * does not know yet is refused here exactly as the CLI refuses it, and the bench says "not built yet".
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runHeadlessSync} from '../source/commands/sync.js';
import {parseSyncFlags} from '../source/commands/sync-flags.js';
import {UserError} from '../source/core/errors.js';
import type {DatabaseAddress, ProbeReport, RunnerRequest} from './runner.js';

const url = (address: DatabaseAddress) =>
	`postgresql://${encodeURIComponent(address.user)}:${encodeURIComponent(address.password)}@${address.host}:${address.port}/${encodeURIComponent(address.database)}`;

/** The command line the request stands for: sync's flags, as a user would type them. */
function syncArgv(request: RunnerRequest): string[] {
	return [
		'--from',
		url(request.source),
		'--to',
		url(request.target),
		'--mode',
		request.mode,
		'--json',
		...(request.dryRun ? ['--dry-run'] : ['--yes']),
		...(request.tables.length > 0 ? ['--tables', request.tables.join(',')] : []),
		...(request.journal === false ? ['--no-journal'] : []),
		...(request.flags ?? []),
	];
}

export function probeFlags(request: RunnerRequest): ProbeReport {
	try {
		parseSyncFlags(syncArgv(request));
		return {};
	} catch (error) {
		if (error instanceof UserError) return {unsupported: error.message};
		throw error;
	}
}

/** Runs the command to its end; its `--json` document is the result. Throws on any exit code but 0. */
export async function runSyncCommand(request: RunnerRequest): Promise<{result: unknown; journalBytes?: number}> {
	// Journals go to a throw-away config directory, as in the engine-only runs.
	const configDirectory = mkdtempSync(join(tmpdir(), 'pgconvoy-bench-config-'));
	try {
		let stdout = '';
		let stderr = '';
		const code = await runHeadlessSync(parseSyncFlags(syncArgv(request)), {
			stdout: (text) => (stdout += text),
			stderr: (text) => (stderr += text),
			stdinIsTTY: false,
			env: {...process.env, PGCONVOY_CONFIG_DIR: configDirectory},
			cwd: configDirectory,
		});
		if (code !== 0) throw new Error(`pgconvoy sync exited ${code}: ${stdout}${stderr}`);
		const result = JSON.parse(stdout) as {journal?: {file: string}};
		const journalBytes = result.journal ? statSync(result.journal.file).size : undefined;
		return {result, ...(journalBytes !== undefined ? {journalBytes} : {})};
	} finally {
		rmSync(configDirectory, {recursive: true, force: true});
	}
}
