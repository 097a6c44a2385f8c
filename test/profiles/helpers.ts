import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {runProfileCommand} from '../../source/commands/profile/index.js';

export interface CommandRun {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * Runs `pgconvoy profile ...` in-process with captured output. With `answers`, it acts as a terminal:
 * each answer is typed once its prompt text has appeared on stderr, as a person would.
 */
export async function runProfile(
	args: string[],
	env: NodeJS.ProcessEnv,
	answers?: Array<[prompt: string, answer: string]>,
): Promise<CommandRun> {
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	const stdin = new PassThrough();
	let out = '';
	let err = '';
	let answered = 0;
	const pending = [...(answers ?? [])];
	stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
	stderr.on('data', (chunk: Buffer) => {
		err += chunk.toString('utf8');
		const next = pending[0];
		if (next && err.indexOf(next[0], answered) !== -1) {
			answered = err.length;
			pending.shift();
			setImmediate(() => stdin.write(next[1] + '\n'));
		}
	});
	const code = await runProfileCommand(args, {
		stdout,
		stderr,
		stdin: stdin as unknown as NodeJS.ReadStream,
		isTTY: answers !== undefined,
		env,
	});
	return {code, stdout: out, stderr: err};
}

export function tempDir(prefix: string): {path: string; remove: () => void} {
	const path = mkdtempSync(join(tmpdir(), prefix));
	return {path, remove: () => rmSync(path, {recursive: true, force: true})};
}

/** Every file under `directory` whose bytes contain `needle` (a recursive grep). */
export function grepFiles(directory: string, needle: string): string[] {
	const hits: string[] = [];
	for (const entry of readdirSync(directory, {withFileTypes: true, recursive: true})) {
		if (!entry.isFile()) continue;
		const file = join(entry.parentPath, entry.name);
		if (readFileSync(file).includes(needle)) hits.push(file);
	}
	return hits;
}

export function modeOf(path: string): number {
	return statSync(path).mode & 0o777;
}
