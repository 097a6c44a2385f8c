import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {freshPair} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';

const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

interface Run {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/** Runs the built CLI with stdin not a TTY (as CI does); `onStdout` may act on what it printed so far. */
function runCli(
	args: string[],
	options: {env?: NodeJS.ProcessEnv; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void} = {},
): Promise<Run> {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [cliPath, ...args], {
			env: {PATH: process.env.PATH, ...options.env},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			options.onStdout?.(stdout, child);
		});
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('exit', (code, signal) => resolve({code, signal, stdout, stderr}));
		child.stdin!.end();
	});
}

let pair: Awaited<ReturnType<typeof freshPair>>;
beforeEach(async () => {
	pair = await freshPair();
	const schema = `CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, payload jsonb, at timestamptz NOT NULL);`;
	await pair.source.client.query(
		schema +
			`INSERT INTO events SELECT g, 'kind ' || (g % 7), jsonb_build_object('n', g, 'pad', repeat('p', 80)), now() FROM generate_series(1, 300000) g;`,
	);
	await pair.target.client.query(
		schema + `INSERT INTO events SELECT g, 'old', NULL, now() FROM generate_series(1, 1000) g;`,
	);
});
afterEach(async () => pair.drop());

describe('the built CLI, headless', () => {
	test('SIGINT mid-apply rolls back and exits 130', async () => {
		const tables = ['public.events'];
		const before = await databaseChecksums(pair.target.client, tables);
		let signalled = false;
		const run = await runCli(
			['sync', '--from', pair.source.url, '--to', pair.target.url, '--mode', 'upsert', '--yes'],
			{
				onStdout: (text, child) => {
					if (!signalled && text.includes('in one transaction')) {
						signalled = true;
						// Let the COPY get going, then interrupt as Ctrl-C would.
						setTimeout(() => child.kill('SIGINT'), 300);
					}
				},
			},
		);
		expect(signalled).toBe(true);
		expect(run.code, run.stdout + run.stderr).toBe(130);
		expect(run.stderr).toMatch(/Interrupted: the sync was cancelled and rolled back; the target is unchanged/);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
		// Nothing of pgconvoy is left on the target server.
		const leftovers = await pair.target.client.query(
			`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgconvoy' AND datname = $1`,
			[pair.target.name],
		);
		expect(leftovers.rows[0].n).toBe(0);
	});

	test('a full run prints the stats, exits 0 and the target holds the rows; the password never shows', async () => {
		const run = await runCli(['sync', '--from', pair.source.url, '--to', pair.target.url, '--mode', 'upsert', '--yes']);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stdout).toMatch(/✓ public\.events\s+inserted\s+299,000\s+updated\s+1,000\s+skipped\s+0\s+deleted\s+0/);
		expect(run.stdout).toMatch(/Committed\./);
		expect(run.stdout + run.stderr).not.toContain(':pgconvoy@');
		const {rows} = await pair.target.client.query(
			`SELECT count(*)::int AS n, count(*) FILTER (WHERE kind = 'old')::int AS old FROM events`,
		);
		expect(rows[0]).toEqual({n: 300000, old: 0});
	});

	test('usage errors exit 2 with a hint; --help prints the options', async () => {
		const bad = await runCli(['sync', '--mode', 'sideways', '--dry-run']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/--mode must be one of insert, upsert, mirror/);
		const help = await runCli(['sync', '--help']);
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(/--update-existing = --mode upsert/);
		const unknown = await runCli(['frobnicate']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
	});

	test('a wrong password in the URL is never echoed, in plain or JSON output', async () => {
		const wrong = pair.target.url.replace(':pgconvoy@', ':Sup3r-S3cret@');
		for (const extra of [[], ['--json']]) {
			const run = await runCli(['sync', '--from', pair.source.url, '--to', wrong, '--dry-run', ...extra]);
			expect(run.code).toBe(3);
			expect(run.stdout + run.stderr).not.toContain('Sup3r-S3cret');
			expect(run.stdout + run.stderr).toMatch(/rejected the password/);
		}
	});
});
