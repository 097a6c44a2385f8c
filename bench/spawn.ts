/** A child process run to its exit, and the clock the bench times every run with (spawn to exit). */
import {spawn} from 'node:child_process';

export function secondsSince(start: bigint): number {
	return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `command` to its exit; stdout and stderr are collected whole (the runner prints one JSON line). */
export function run(
	command: string,
	argv: string[],
	env: NodeJS.ProcessEnv = process.env,
): Promise<{stdout: string; stderr: string; code: number | null}> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, argv, {env, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({stdout, stderr, code}));
	});
}
