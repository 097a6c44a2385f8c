import {closeSync, constants, fstatSync, openSync, readSync, statSync} from 'node:fs';
import {UserError} from '../errors.js';

/** A `.env` larger than this is not a list of settings: refused rather than read. */
export const envFileLimit = 64 * 1024;

/**
 * Reads and verifies a dotenv file whole: undefined when there is none; otherwise every line must be
 * blank, a `#` comment or `[export] NAME=value` (quoted values may span lines), or the whole file is
 * refused naming the line. Only a regular file of at most 64 KiB is read; a symlink is followed to
 * one (a `.env` linked to a shared file is common). A directory, FIFO, socket or device is refused
 * before anything is read from it, and the file is opened O_NONBLOCK so that nothing swapped in
 * between the check and the open can block.
 */
export function readEnvFile(file: string): Record<string, string> | undefined {
	let kind: string;
	try {
		kind = fileKind(statSync(file));
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return undefined;
		throw unreadable(file, code);
	}
	if (kind !== 'file') throw notAFile(file, kind);
	let fd: number;
	try {
		fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
	} catch (error) {
		throw unreadable(file, (error as NodeJS.ErrnoException).code);
	}
	try {
		const stats = fstatSync(fd);
		if (fileKind(stats) !== 'file') throw notAFile(file, fileKind(stats));
		if (stats.size > envFileLimit) throw tooLarge(file);
		const buffer = Buffer.alloc(envFileLimit + 1);
		let length = 0;
		for (;;) {
			const read = readSync(fd, buffer, length, buffer.length - length, null);
			if (read === 0) break;
			length += read;
			if (length > envFileLimit) throw tooLarge(file);
		}
		let text: string;
		try {
			text = new TextDecoder('utf-8', {fatal: true}).decode(buffer.subarray(0, length));
		} catch {
			throw invalid(file, 'it is not UTF-8 text');
		}
		return parseEnvText(text, file);
	} catch (error) {
		if (error instanceof UserError) throw error;
		throw unreadable(file, (error as NodeJS.ErrnoException).code);
	} finally {
		closeSync(fd);
	}
}

function fileKind(stats: import('node:fs').Stats): string {
	if (stats.isFile()) return 'file';
	if (stats.isDirectory()) return 'a directory';
	if (stats.isFIFO()) return 'a FIFO (named pipe)';
	if (stats.isSocket()) return 'a socket';
	if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
	return 'not a regular file';
}

const fix = 'pgconvoy reads DATABASE_URL_LOCAL and DATABASE_URL_PROD from .env in the working directory';

function notAFile(file: string, kind: string): UserError {
	return new UserError(
		'config',
		`${file} is ${kind}, not a regular file: pgconvoy reads .env only from a regular file.`,
		`Move it away, or run pgconvoy from another directory (${fix}); or give --from/--to.`,
	);
}

function tooLarge(file: string): UserError {
	return new UserError(
		'config',
		`${file} is larger than ${envFileLimit / 1024} KiB: too large for a list of settings, so it is not read.`,
		`Keep .env to NAME=value settings (${fix}), or give --from/--to.`,
	);
}

function unreadable(file: string, code: string | undefined): UserError {
	return new UserError(
		'config',
		`Cannot read ${file} (${code ?? 'error'}).`,
		`Make it readable, or move it away (${fix}); or give --from/--to.`,
	);
}

function invalid(file: string, problem: string): UserError {
	return new UserError(
		'config',
		`${file} is not a valid .env file: ${problem}; nothing in it is used.`,
		`Fix it: each line is NAME=value, a # comment or blank; quote a value with spaces or # in it (${fix}).`,
	);
}

const assignment = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/;

/**
 * Parses dotenv text as dotenv does (later assignments win; `\n` in double quotes is a line break;
 * an unquoted value ends at ` #`), but strictly: any other line is an error naming its number.
 */
export function parseEnvText(text: string, file: string): Record<string, string> {
	const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
	const values: Record<string, string> = {};
	for (let index = 0; index < lines.length; index++) {
		const line = lines[index];
		if (/^[ \t]*(#.*)?$/.test(line)) continue;
		const match = assignment.exec(line);
		if (!match) throw invalid(file, `line ${index + 1} is not NAME=value`);
		const [, name, rest] = match;
		const quote = rest[0];
		if (quote !== '"' && quote !== "'" && quote !== '`') {
			values[name] = rest.replace(/(^|[ \t]+)#.*$/, '').trim();
			continue;
		}
		// A quoted value runs to the same quote, on this line or a later one.
		const start = index;
		let body = rest.slice(1);
		let close = body.indexOf(quote);
		while (close === -1 && index + 1 < lines.length) {
			index++;
			body += `\n${lines[index]}`;
			close = body.indexOf(quote);
		}
		if (close === -1) throw invalid(file, `the ${quote} quote opened on line ${start + 1} is never closed`);
		const after = body.slice(close + 1);
		if (!/^[ \t]*(#.*)?$/.test(after))
			throw invalid(file, `line ${index + 1} has text after the closing ${quote} quote`);
		const value = body.slice(0, close);
		values[name] = quote === '"' ? value.replace(/\\n/g, '\n').replace(/\\r/g, '\r') : value;
	}
	return values;
}
