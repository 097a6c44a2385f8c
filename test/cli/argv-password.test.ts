/**
 * A password inside a URL on the command line is readable by every local user for the whole run
 * (`ps`): pgconvoy says so at run time, and offers two ways that are not argv: `env:VAR` and `-`
 * (the URL on standard input).
 */
import {spawn} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {freshPair} from '../support/databases.js';
import {cliPath} from '../support/built-cli.js';
import {scratch, sync, undo} from './helpers.js';

let pair: Awaited<ReturnType<typeof freshPair>>;
let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
	pair = await freshPair();
	await pair.source.client.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2);');
	await pair.target.client.query('CREATE TABLE t (id int PRIMARY KEY);');
	dir = scratch('pgconvoy-argv-');
	env = {PGCONVOY_CONFIG_DIR: dir.path};
});
afterAll(async () => {
	await pair.drop();
	dir.remove();
});

const withoutPassword = (url: string) => url.replace(/:[^:@/]+@/, '@');

describe('a URL with a password in argv', () => {
	it('warns on stderr for --from and --to, every run, and names the ways that are not argv', async () => {
		const run = await sync(['--from', pair.source.url, '--to', pair.target.url, '--dry-run'], {env});
		expect(run.code, run.output).toBe(0);
		for (const flag of ['--from', '--to']) {
			expect(run.stderr).toContain(
				`⚠ The URL given to ${flag} holds a password: every user of this machine can read it (ps)`,
			);
			expect(run.stderr).toContain(
				`Instead: ${flag} env:VAR (a variable holding the URL), ${flag} - (the URL on standard input)`,
			);
		}
		const undone = await undo(['last', '--to', pair.target.url, '--dry-run'], {env});
		expect(undone.stderr).toContain('⚠ The URL given to --to holds a password');
	});

	it('says nothing for env:VAR, for standard input, or for a URL without a password', async () => {
		const viaEnv = await sync(['--from', 'env:SRC', '--to', 'env:DST', '--dry-run'], {
			env: {...env, SRC: pair.source.url, DST: pair.target.url},
		});
		expect(viaEnv.code, viaEnv.output).toBe(0);
		expect(viaEnv.stderr).not.toContain('holds a password');
		const viaStdin = await sync(['--from', 'env:SRC', '--to', '-', '--dry-run'], {
			env: {...env, SRC: pair.source.url},
			stdin: `${pair.target.url}\n`,
		});
		expect(viaStdin.code, viaStdin.output).toBe(0);
		expect(viaStdin.stderr).not.toContain('holds a password');
		const noPassword = await sync(['--from', withoutPassword(pair.source.url), '--to', 'env:DST', '--dry-run'], {
			env: {...env, DST: pair.target.url},
			password: pair.source.endpoint.password!,
		});
		expect(noPassword.code, noPassword.output).toBe(0);
		expect(noPassword.stderr).not.toContain('holds a password');
	});

	it('refuses - for both sides, an unset env:VAR and a name that is not a variable', async () => {
		expect((await sync(['--from', '-', '--to', '-', '--dry-run'], {env, stdin: 'x'})).stderr).toContain(
			'--from - and --to - both read standard input',
		);
		const unset = await sync(['--from', pair.source.url, '--to', 'env:NOPE', '--dry-run'], {env});
		expect(unset.code).toBe(2);
		expect(unset.stderr).toContain('the environment variable NOPE is not set');
		const bad = await sync(['--from', pair.source.url, '--to', 'env:not a name', '--dry-run'], {env});
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('env: takes the name of an environment variable holding the URL');
	});
});

describe('the built CLI', () => {
	it('reads --to - from a pipe, and keeps the password out of its own arguments', async () => {
		const child = spawn(process.execPath, [cliPath, 'sync', '--from', 'env:SRC', '--to', '-', '--dry-run', '--json'], {
			env: {PATH: process.env.PATH, ...env, SRC: pair.source.url},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		// A writer that keeps the pipe open: one line is enough.
		child.stdin!.write(`${pair.target.url}\n`);
		const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
		child.stdin!.end();
		expect(code, stderr).toBe(0);
		expect(JSON.parse(stdout).target).toMatchObject({database: pair.target.name, origin: '--to (standard input)'});
		expect(stderr).not.toContain('holds a password');
	});
});
