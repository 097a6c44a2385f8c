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

export async function waitForScreen(session: string, expected: string | RegExp, timeoutMs = 20_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const text = screen(session);
		if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${String(expected)} in the terminal:\n${text}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** Keys (tmux key names or literal text), each followed by a moment for the app to redraw and re-arm its input. */
export async function send(session: string, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		if (key.length > 1 && !/^(Enter|Escape|Space|Up|Down|Left|Right|BSpace|C-c)$/.test(key)) tmux('send-keys', '-t', session, '-l', key);
		else tmux('send-keys', '-t', session, key);
		await new Promise((resolve) => setTimeout(resolve, 150));
	}
}

/** Runs the built CLI in a detached 100×40 terminal; the shell then prints `EXIT:<code>` and keeps the pane. */
export function startCli(name: string, args: string[], env: Record<string, string>, cwd: string): string {
	const session = `${name}-${process.pid}`;
	const exports = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
	const command = [process.execPath, cliPath, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
	tmux('new-session', '-d', '-x', '100', '-y', '40', '-s', session, '-c', cwd, ...exports, `${command}; echo "EXIT:$?"; sleep 600`);
	return session;
}

export function killTerminals(): void {
	try {
		tmux('kill-server');
	} catch {
		// No session was left.
	}
}
