/**
 * A real terminal for end-to-end tests: tmux on a private socket (a user's sessions are never
 * touched), keys sent with send-keys, screens read with capture-pane.
 */
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';

export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const socket = `pgconvoy-e2e-${process.pid}`;

export function tmux(...args: string[]): string {
	return execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
}

export function screen(session: string): string {
	return tmux('capture-pane', '-p', '-t', session).replace(/\s+$/, '') + '\n';
}

/**
 * The screen with lines the terminal wrapped joined back (capture-pane -J): a line wider than the
 * terminal shows up as one line longer than its width, which a plain capture would hide.
 */
export function joinedScreen(session: string): string {
	return tmux('capture-pane', '-p', '-J', '-t', session).replace(/\s+$/, '') + '\n';
}

/** The screen and what scrolled off it (up to `lines` back), wrapped lines joined. */
export function history(session: string, lines = 500): string {
	return tmux('capture-pane', '-p', '-J', '-S', `-${lines}`, '-t', session).replace(/\s+$/, '') + '\n';
}

/** Lines of the screen (wrapped lines joined) wider than `columns`: none, for a screen that fits. */
export function overwideLines(session: string, columns: number): string[] {
	return joinedScreen(session)
		.split('\n')
		.map((line) => line.replace(/\s+$/, ''))
		.filter((line) => [...line].length > columns);
}

/**
 * Waits for a state of the screen, not for a time budget: it returns as soon as `expected` shows,
 * and fails as soon as the CLI has exited without showing it (the shell prints EXIT:<code>). The
 * deadline is only a safety net for a hung process, far beyond any machine's slowness.
 */
export async function waitForScreen(
	session: string,
	expected: string | RegExp | ((text: string) => boolean),
	safetyMs = 600_000,
): Promise<string> {
	const deadline = Date.now() + safetyMs;
	const matches = (text: string) =>
		typeof expected === 'function'
			? expected(text)
			: typeof expected === 'string'
				? text.includes(expected)
				: expected.test(text);
	for (;;) {
		const text = screen(session);
		if (matches(text)) return text;
		if (/^EXIT:\d+$/m.test(text)) throw new Error(`The CLI exited before showing ${String(expected)}:\n${text}`);
		if (Date.now() > deadline)
			throw new Error(`Still no ${String(expected)} in the terminal after ${safetyMs / 1000} s:\n${text}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Several keys in one send-keys: the terminal delivers them together, as fast typing, a paste or SSH do. */
export function sendTogether(session: string, ...keys: string[]): void {
	tmux('send-keys', '-t', session, ...keys);
}

/** Keys (tmux key names or literal text), each followed by a moment for the app to redraw and re-arm its input. */
export async function send(session: string, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		if (key.length > 1 && !/^(Enter|Escape|Space|Up|Down|Left|Right|BSpace|C-c)$/.test(key))
			tmux('send-keys', '-t', session, '-l', key);
		else tmux('send-keys', '-t', session, key);
		await new Promise((resolve) => setTimeout(resolve, 150));
	}
}

/** Runs the built CLI in a detached terminal (100×40 unless told); the shell then prints `EXIT:<code>` and keeps the pane. */
export function startCli(
	name: string,
	args: string[],
	env: Record<string, string>,
	cwd: string,
	size: {columns: number; rows: number} = {columns: 100, rows: 40},
): string {
	const session = `${name}-${process.pid}`;
	const exports = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
	const command = [process.execPath, cliPath, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
	tmux(
		'new-session',
		'-d',
		'-x',
		String(size.columns),
		'-y',
		String(size.rows),
		'-s',
		session,
		'-c',
		cwd,
		...exports,
		`${command}; echo "EXIT:$?"; sleep 600`,
	);
	return session;
}

export function killTerminals(): void {
	try {
		tmux('kill-server');
	} catch {
		// No session was left.
	}
}
