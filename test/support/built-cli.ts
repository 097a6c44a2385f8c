import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

/** The CLI the global setup built, as users run it. */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliRun {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** The built CLI as a script runs it: stdin a closed pipe, not a terminal, and no PG* variables inherited. */
export function runBuiltCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [cliPath, ...args], {
			env: {PATH: process.env.PATH, ...env},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('exit', (code) => resolve({code, stdout, stderr}));
		child.stdin!.end();
	});
}
