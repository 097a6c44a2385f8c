/**
 * The front door as a user meets it, in-process: `sync`, `history`/`undo` and `profile` with their
 * own config directory, working directory, standard input and password prompt; plus a plain TCP
 * forwarder, to reach the same server under another address.
 */
import net from 'node:net';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseSyncFlags} from '../../source/commands/sync-flags.js';
import {runHeadlessSync, type CommandIo} from '../../source/commands/sync.js';
import {runHistory, runUndo} from '../../source/commands/journal-commands.js';

export interface FrontRun {
	code: number;
	stdout: string;
	stderr: string;
	output: string;
}

export interface FrontIo {
	env: NodeJS.ProcessEnv;
	/** Default: a directory without a .env. */
	cwd?: string;
	/** What `--to -` reads. */
	stdin?: string;
	/** Answers a password prompt, as a person at a terminal would. */
	password?: string;
}

function commandIo(io: FrontIo, output: {stdout: string; stderr: string}): CommandIo {
	return {
		stdout: (text) => void (output.stdout += text),
		stderr: (text) => void (output.stderr += text),
		stdinIsTTY: false,
		env: io.env,
		cwd: io.cwd ?? '/nonexistent-dir-without-dotenv',
		...(io.stdin !== undefined ? {readStdin: async () => io.stdin!} : {}),
		...(io.password !== undefined ? {promptPassword: async () => io.password!} : {}),
	};
}

async function run(work: (io: CommandIo) => Promise<number>, io: FrontIo): Promise<FrontRun> {
	const output = {stdout: '', stderr: ''};
	let code: number;
	try {
		code = await work(commandIo(io, output));
	} catch (error) {
		// Flag parsing throws usage errors; cli.tsx turns them into exit codes the same way.
		const failure = error as {exitCode?: number; message?: string; hint?: string};
		if (failure.exitCode === undefined) throw error;
		code = failure.exitCode;
		output.stderr += `✗ ${failure.message}\n${failure.hint ? `  → ${failure.hint}\n` : ''}`;
	}
	return {code, ...output, output: output.stdout + output.stderr};
}

export const sync = (args: string[], io: FrontIo) =>
	run((commandIo) => runHeadlessSync(parseSyncFlags(args), commandIo), io);
export const undo = (args: string[], io: FrontIo) => run((commandIo) => runUndo(args, commandIo), io);
export const history = (args: string[], io: FrontIo) => run((commandIo) => runHistory(args, commandIo), io);

/** A fresh directory, removed by `remove()`. */
export function scratch(prefix: string): {path: string; remove: () => void} {
	const path = mkdtempSync(join(tmpdir(), prefix));
	return {path, remove: () => rmSync(path, {recursive: true, force: true})};
}

/**
 * A TCP forwarder listening on `host` (e.g. 127.0.0.2, another address of this machine's loopback
 * network, which pgconvoy does not count as "this machine") in front of `upstream`.
 */
export async function startForwarder(
	host: string,
	upstream: {host: string; port: number},
): Promise<{host: string; port: number; close: () => Promise<void>}> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		const backend = net.connect(upstream.port, upstream.host);
		for (const socket of [client, backend]) {
			sockets.add(socket);
			socket.on('error', () => {});
			socket.on('close', () => sockets.delete(socket));
		}
		client.pipe(backend).pipe(client);
		client.on('close', () => backend.destroy());
		backend.on('close', () => client.destroy());
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, () => resolve());
	});
	return {
		host,
		port: (server.address() as net.AddressInfo).port,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

/** Splits a printed POSIX command line (words, and '…' quoted as shellQuote writes them) back into argv. */
export function shellWords(line: string): string[] {
	const words: string[] = [];
	const pattern = /'((?:[^']|'\\'')*)'|(\S+)/g;
	for (const match of line.matchAll(pattern))
		words.push(match[1] !== undefined ? match[1].replaceAll(`'\\''`, "'") : match[2]);
	return words;
}
