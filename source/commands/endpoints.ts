import type {Endpoint} from '../core/connection/endpoint.js';
import {
	lazyProfileLookup,
	resolveEndpoint,
	type EndpointRequest,
	type ProfileLookup,
} from '../core/profiles/resolve-endpoint.js';
import {terminalText} from '../present/terminal-text.js';
import {withPasswordCommands} from './password-hints.js';

export interface EndpointIo {
	env: NodeJS.ProcessEnv;
	cwd: string;
	promptPassword?: (question: string) => Promise<string>;
	/** Standard input's first line, for `--to -`; absent when stdin is a terminal. */
	readStdin?: () => Promise<string>;
	/** Where the warning about a password on the command line goes. */
	stderr: (text: string) => void;
}

/**
 * The commands' door to the one resolver (core/profiles/resolve-endpoint): one profile store for the
 * whole command, the warning when a URL given on the command line holds a password (any local user
 * can read a process's arguments while it runs, `ps -ef`), and password refusals completed with the
 * commands that fix them.
 */
export function endpointResolver(io: EndpointIo) {
	const profiles: ProfileLookup = lazyProfileLookup(io.env);
	return async (request: EndpointRequest): Promise<Endpoint | undefined> => {
		try {
			const endpoint = await resolveEndpoint(request, {
				env: io.env,
				cwd: io.cwd,
				profiles,
				...(io.promptPassword ? {promptPassword: io.promptPassword} : {}),
				...(io.readStdin ? {readStdin: io.readStdin} : {}),
			});
			if (
				endpoint &&
				request.value !== undefined &&
				endpoint.given?.kind === 'url' &&
				endpoint.passwordSource.kind === 'url'
			)
				io.stderr(argvPasswordWarning(request.origin ?? (request.role === 'source' ? '--from' : '--to')));
			return endpoint;
		} catch (error) {
			throw withPasswordCommands(error);
		}
	};
}

/** Said on stderr at run time, every time: the password is visible now, not only in the shell's history. */
export function argvPasswordWarning(flag: string): string {
	const name = terminalText(flag);
	return `⚠ The URL given to ${name} holds a password: every user of this machine can read it (ps) while pgconvoy runs, and your shell history keeps it.\n  Instead: ${name} env:VAR (a variable holding the URL), ${name} - (the URL on standard input), or a saved profile (pgconvoy profile add).\n`;
}

/** Standard input's first line (or all of it, up to 64 KiB, when it has no line break), for `--to -`. */
export function readFirstLine(stream: NodeJS.ReadableStream, limit = 64 * 1024): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		const finish = () => {
			stream.off('data', onData);
			stream.off('end', finish);
			stream.off('error', reject);
			stream.pause();
			resolve(text);
		};
		const onData = (chunk: Buffer | string) => {
			text += chunk.toString();
			// A line read is enough: a pipe whose writer stays open must not hold the run.
			if (text.includes('\n') || text.length > limit) finish();
		};
		stream.on('data', onData);
		stream.once('end', finish);
		stream.once('error', reject);
	});
}
