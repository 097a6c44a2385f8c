import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {readFileSync} from 'node:fs';
import {allHelpPaths} from '../../source/commands/command-help.js';
import {freshPair} from '../support/databases.js';
import {runBuiltCli as runCli} from '../support/built-cli.js';
import {databaseChecksums} from '../support/oracle.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string})
	.version;

describe('the built CLI: help, version, mistakes', () => {
	test.each(allHelpPaths().map((path) => [path.join(' ') || '(top)', path] as const))(
		'pgconvoy %s: --help, -h and help print it, exit 0, within 80 columns',
		async (_label, path) => {
			const runs = [await runCli([...path, '--help']), await runCli([...path, '-h']), await runCli(['help', ...path])];
			for (const run of runs) {
				expect(run.code, run.stderr).toBe(0);
				expect(run.stderr).toBe('');
				expect(run.stdout).toMatch(/^Usage: pgconvoy/);
				for (const line of run.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
			}
			expect(runs[1].stdout).toBe(runs[0].stdout);
			expect(runs[2].stdout).toBe(runs[0].stdout);
		},
	);

	test('help wins over other mistakes on the line, as in git', async () => {
		const run = await runCli(['sync', '--tabels', 'x', '--help']);
		expect(run.code).toBe(0);
		expect(run.stdout).toContain('--update-existing = --mode upsert');
	});

	test('--version, -V and version print the version', async () => {
		for (const args of [['--version'], ['-V'], ['version']]) {
			const run = await runCli(args);
			expect(run.code, args.join(' ')).toBe(0);
			expect(run.stdout).toBe(`${version}\n`);
		}
	});

	test('mistyped commands and options get "did you mean", exit 2', async () => {
		const cases: Array<[string[], RegExp]> = [
			[['snyc'], /✗ Unknown command "snyc"\.\n {2}→ Did you mean pgconvoy sync\?/],
			[['profil', 'list'], /→ Did you mean pgconvoy profile\?/],
			[['profile', 'lst'], /→ Did you mean pgconvoy profile list\?/],
			[
				['sync', '--tabels', 'users', '--dry-run'],
				/✗ Unknown option --tabels\.\n {2}→ Did you mean --tables\? pgconvoy sync --help lists the options\./,
			],
			[['sync', '--dryrun'], /→ Did you mean --dry-run\?/],
			[['demo', '--kep'], /→ Did you mean --keep\?/],
			[['--verison'], /✗ Unknown option --verison\.\n {2}→ Did you mean pgconvoy --version\?/],
			[
				['--dry-run', '--to', 'prod'],
				/✗ --dry-run is an option of pgconvoy sync\.\n {2}→ Put it after the command: pgconvoy sync --dry-run --to prod/,
			],
			[['help', 'snyc'], /→ Did you mean pgconvoy sync\?/],
		];
		for (const [args, expected] of cases) {
			const run = await runCli(args);
			expect(run.code, args.join(' ')).toBe(2);
			expect(run.stderr, args.join(' ')).toMatch(expected);
		}
	});

	test('pgconvoy alone without a terminal says why it will not open the wizard', async () => {
		const run = await runCli([]);
		expect(run.code).toBe(2);
		expect(run.stderr).toMatch(/^Usage: pgconvoy/);
		expect(run.stderr).toContain(
			'✗ pgconvoy without a command opens the interactive wizard, which needs a terminal, but stdin is not a terminal.',
		);
		expect(run.stderr).toContain('→ In scripts and CI, use flag mode: pgconvoy sync --dry-run');
		expect(run.stdout).toBe('');
	});
});

describe('the built CLI: an empty value never means "every table"', () => {
	let pair: Awaited<ReturnType<typeof freshPair>>;
	const tables = ['public.users', 'public.classes'];
	beforeAll(async () => {
		pair = await freshPair();
		const schema =
			'CREATE TABLE users (id int PRIMARY KEY, name text); CREATE TABLE classes (id int PRIMARY KEY, label text);';
		await pair.source.client.query(
			`${schema} INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 50) g; INSERT INTO classes SELECT g, 'c' || g FROM generate_series(1, 5) g;`,
		);
		await pair.target.client.query(schema);
	});
	afterAll(async () => pair?.drop());

	test('--tables "", --tables at the end, --tables before another option, --exclude "" and --schema "" with --yes: exit 2, nothing written', async () => {
		const before = await databaseChecksums(pair.target.client, tables);
		const sync = ['sync', '--from', pair.source.url, '--to', pair.target.url];
		const cases: Array<[string[], string]> = [
			[[...sync, '--yes', '--tables', ''], '--tables needs a value, but got "".'],
			[[...sync, '--yes', '--tables'], '--tables needs a value, but got none.'],
			[[...sync, '--tables', '--yes'], '--tables needs a value, but got none: the next argument, --yes, is an option.'],
			[[...sync, '--yes', '--exclude', ''], '--exclude needs a value, but got "".'],
			[[...sync, '--yes', '--schema', ''], '--schema needs a value, but got "".'],
			[[...sync, '--yes', '--key', ''], '--key needs a value, but got "".'],
			[['sync', '--from', '', '--to', pair.target.url, '--yes'], '--from needs a value, but got "".'],
			[['sync', '--from', pair.source.url, '--to', '', '--yes'], '--to needs a value, but got "".'],
			[[...sync, '--yes', '--confirm', ''], '--confirm needs a value, but got "".'],
			[[...sync, '--yes', '--mode='], '--mode needs a value, but got "".'],
		];
		for (const [args, message] of cases) {
			const run = await runCli(args);
			expect(run.code, message).toBe(2);
			expect(run.stderr).toContain(`✗ ${message}`);
			expect(run.stderr).toMatch(/\n {2}→ \S/);
		}
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
		// The same command with a value does write, so the refusals above are what kept the target unchanged.
		const control = await runCli([...sync, '--yes', '--tables', 'classes']);
		expect(control.code, control.stderr).toBe(0);
		const {rows} = await pair.target.client.query<{users: number; classes: number}>(
			'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM classes) AS classes',
		);
		expect(rows[0]).toEqual({users: 0, classes: 5});
	});
});
