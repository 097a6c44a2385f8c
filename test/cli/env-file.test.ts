/**
 * `.env` is read only as a regular file of at most 64 KiB, verified whole before any value is used:
 * a directory, FIFO, socket or device named `.env` is a clear error that never blocks, and a line
 * that is not NAME=value is named by its number. A symlink to a regular file is followed.
 */
import {execFileSync, spawn} from 'node:child_process';
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {parseEnvText, readEnvFile} from '../../source/core/connection/env-file.js';
import {UserError} from '../../source/core/errors.js';
import {freshPair} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cliPath} from '../support/built-cli.js';
import {scratch, sync} from './helpers.js';

let dir: ReturnType<typeof scratch>;
beforeEach(() => (dir = scratch('pgconvoy-dotenv-')));
afterEach(() => dir.remove());

const envFile = () => join(dir.path, '.env');

function refusal(work: () => unknown): UserError {
	try {
		work();
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).exitCode).toBe(2);
		return error as UserError;
	}
	throw new Error('expected a refusal');
}

describe('what kind of file .env is', () => {
	it('none: nothing is read', () => {
		expect(readEnvFile(envFile())).toBeUndefined();
	});

	it('a directory, a FIFO, a socket and a device are refused by name, and the FIFO never blocks', async () => {
		mkdirSync(envFile());
		expect(refusal(() => readEnvFile(envFile())).message).toBe(
			`${envFile()} is a directory, not a regular file: pgconvoy reads .env only from a regular file.`,
		);
		dir.remove();
		dir = scratch('pgconvoy-dotenv-');
		execFileSync('mkfifo', [envFile()]);
		// Nobody ever writes to this FIFO: reading it would wait forever.
		expect(refusal(() => readEnvFile(envFile())).message).toContain('is a FIFO (named pipe), not a regular file');
		dir.remove();
		dir = scratch('pgconvoy-dotenv-');
		const server = net.createServer();
		await new Promise<void>((resolve) => server.listen(envFile(), resolve));
		try {
			expect(refusal(() => readEnvFile(envFile())).message).toContain('is a socket, not a regular file');
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
		dir.remove();
		dir = scratch('pgconvoy-dotenv-');
		symlinkSync('/dev/zero', envFile());
		expect(refusal(() => readEnvFile(envFile())).message).toContain('is a device, not a regular file');
	});

	it('a symlink to a regular file is followed; one larger than 64 KiB is refused', () => {
		writeFileSync(join(dir.path, 'shared.env'), 'DATABASE_URL_PROD=postgresql://app@db.example.com/shop\n');
		symlinkSync(join(dir.path, 'shared.env'), envFile());
		expect(readEnvFile(envFile())).toEqual({DATABASE_URL_PROD: 'postgresql://app@db.example.com/shop'});
		writeFileSync(join(dir.path, 'shared.env'), `A=${'x'.repeat(64 * 1024)}\n`);
		expect(refusal(() => readEnvFile(envFile())).message).toContain('is larger than 64 KiB');
	});

	it('text that is not UTF-8 is refused', () => {
		writeFileSync(envFile(), Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x0a]));
		expect(refusal(() => readEnvFile(envFile())).message).toContain('it is not UTF-8 text');
	});
});

describe('the dotenv text, verified whole', () => {
	it('reads what dotenv reads: comments, export, quotes, multi-line double quotes, later wins', () => {
		expect(
			parseEnvText(
				[
					'# settings',
					'',
					'export DATABASE_URL_LOCAL=postgresql://me@localhost/app # the laptop',
					"SINGLE='a # not a comment'",
					'DOUBLE="line one\\nline two"',
					'SPANNING="first',
					'second"',
					'BACKTICK=`b`',
					'EMPTY=',
					'DATABASE_URL_LOCAL = postgresql://me@localhost/app2',
				].join('\n'),
				'.env',
			),
		).toEqual({
			DATABASE_URL_LOCAL: 'postgresql://me@localhost/app2',
			SINGLE: 'a # not a comment',
			DOUBLE: 'line one\nline two',
			SPANNING: 'first\nsecond',
			BACKTICK: 'b',
			EMPTY: '',
		});
	});

	it('names the first line that is not NAME=value, an unclosed quote, and text after a quote', () => {
		expect(refusal(() => parseEnvText('A=1\nB=2\nthis is not a setting\n', '.env')).message).toBe(
			'.env is not a valid .env file: line 3 is not NAME=value; nothing in it is used.',
		);
		expect(refusal(() => parseEnvText('A=1\nB="open\nC=3\n', '.env')).message).toContain(
			'the " quote opened on line 2 is never closed',
		);
		expect(refusal(() => parseEnvText("A='x' y\n", '.env')).message).toContain(
			"line 1 has text after the closing ' quote",
		);
		expect(refusal(() => parseEnvText('1A=x\n', '.env')).message).toContain('line 1 is not NAME=value');
	});
});

describe('sync with a bad .env', () => {
	it('refuses before connecting, changes nothing, and a flag that makes .env unnecessary is not blocked by it', async () => {
		const pair = await freshPair();
		try {
			await pair.source.client.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2);');
			await pair.target.client.query('CREATE TABLE t (id int PRIMARY KEY);');
			const before = await databaseChecksums(pair.target.client, ['public.t']);
			writeFileSync(envFile(), `DATABASE_URL_PROD=${pair.target.url}\nnot a line\n`);
			const env = {PGCONVOY_CONFIG_DIR: join(dir.path, 'config')};
			const refused = await sync(['--from', pair.source.url, '--yes'], {env, cwd: dir.path});
			expect(refused.code).toBe(2);
			expect(refused.stderr).toContain('line 2 is not NAME=value');
			expect(refused.stderr).not.toContain('bug');
			expect(await databaseChecksums(pair.target.client, ['public.t'])).toEqual(before);
			mkdirSync(join(dir.path, 'sub'));
			mkdirSync(join(dir.path, 'sub', '.env'));
			const directory = await sync(['--from', pair.source.url, '--dry-run'], {env, cwd: join(dir.path, 'sub')});
			expect(directory.code).toBe(2);
			expect(directory.stderr).toContain('is a directory, not a regular file');
			// Both endpoints given: .env is not needed, so not read.
			const given = await sync(['--from', pair.source.url, '--to', pair.target.url, '--yes'], {env, cwd: dir.path});
			expect(given.code, given.output).toBe(0);
		} finally {
			await pair.drop();
		}
	});
});

describe('the built CLI', () => {
	it('exits 2 at once on a FIFO named .env, instead of waiting for a writer that never comes', async () => {
		execFileSync('mkfifo', [envFile()]);
		const child = spawn(process.execPath, [cliPath, 'sync', '--dry-run'], {
			cwd: dir.path,
			env: {PATH: process.env.PATH, PGCONVOY_CONFIG_DIR: join(dir.path, 'config')},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stderr = '';
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
		expect(code, stderr).toBe(2);
		expect(stderr).toContain('is a FIFO (named pipe), not a regular file');
	});
});
