/**
 * A command that must clean up before it exits owns the process's stop signals while it runs:
 * Ctrl-C (SIGINT), `kill` (SIGTERM) and a closed terminal (SIGHUP).
 */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

const signalNumbers: Record<StopSignal, number> = {SIGHUP: 1, SIGINT: 2, SIGTERM: 15};

export interface Interrupts {
	/** Aborted by the first stop signal. */
	readonly signal: AbortSignal;
	/** The first stop signal received, if any. */
	readonly received: StopSignal | undefined;
	/** The shell's code for it: 128 + its number (130 for Ctrl-C). */
	readonly exitCode: number | undefined;
	/** Called on each signal after the first: the user insists. */
	onRepeat(listener: () => void): void;
	/** Gives the signals back to the listeners that had them. */
	release(): void;
}

export function ownInterrupts(): Interrupts {
	const abort = new AbortController();
	const repeatListeners: Array<() => void> = [];
	let received: StopSignal | undefined;
	// Some dependencies re-raise a signal they see (when-exit, via conf), which would count as a
	// second one, or exit before we have cleaned up: while this command runs, the signals are ours.
	const displaced = new Map<StopSignal, Array<(...args: unknown[]) => void>>();
	const handlers = new Map<StopSignal, () => void>();
	for (const name of Object.keys(signalNumbers) as StopSignal[]) {
		displaced.set(name, process.rawListeners(name) as Array<(...args: unknown[]) => void>);
		process.removeAllListeners(name);
		const handler = () => {
			if (received) {
				for (const listener of repeatListeners) listener();
				return;
			}
			received = name;
			if (name === 'SIGHUP') {
				// The terminal is gone: writing to it fails, and that must not stop the cleanup.
				for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
			}
			abort.abort(new Error(`Interrupted by ${name}.`));
		};
		handlers.set(name, handler);
		process.on(name, handler);
	}
	return {
		signal: abort.signal,
		get received() {
			return received;
		},
		get exitCode() {
			return received ? 128 + signalNumbers[received] : undefined;
		},
		onRepeat(listener) {
			repeatListeners.push(listener);
		},
		release() {
			for (const [name, handler] of handlers) {
				process.off(name, handler);
				for (const listener of displaced.get(name)!) process.on(name, listener);
			}
		},
	};
}

/** `work`, or a rejection as soon as `signal` aborts (the work itself is then left to fail on its own). */
/**
 * Resolves once `signal` aborts, or after `ms`, whichever comes first. A terminal's Ctrl-C reaches
 * every process of the group: the servers may drop a connection before this process has run its
 * own SIGINT handler, so a lost connection is first given a moment to turn out to be the interrupt.
 */
export function abortedWithin(signal: AbortSignal, ms: number): Promise<boolean> {
	if (signal.aborted) return Promise.resolve(true);
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve(false);
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			resolve(true);
		};
		signal.addEventListener('abort', onAbort, {once: true});
	});
}

export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		if (signal.aborted) {
			reject(signal.reason);
			work.catch(() => {});
			return;
		}
		const onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, {once: true});
		work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}
