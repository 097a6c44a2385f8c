/** The front-end's answer to a pending stop. */
export type StopAnswer = 'stop' | 'continue';

/**
 * Where the write is, as a front-end must know it to word a stop: `writing` (statements run; a
 * cancel rolls back), `awaiting-answer` (every statement done, COMMIT held until the pending stop is
 * answered), `committing` (COMMIT sent: nothing can be taken back, a stop only stops waiting for
 * its outcome), `finished`.
 */
export type WritePhase = 'writing' | 'awaiting-answer' | 'committing' | 'finished';

export interface StopState {
	phase: WritePhase;
	/** A stop was asked for (interrupt) and not answered yet. */
	pending: boolean;
	/** The write is being cancelled (cancelNow, or answer('stop')); once committing: settle at once. */
	cancelled: boolean;
	/** The user gave up waiting for COMMIT's outcome: it is reported unknown. */
	stoppedWaiting: boolean;
}

/**
 * The one stop policy of every write to a target (sync, undo, rehearsal, retry), shared by the
 * wizard and flag mode. The front-end owns the keys and the words; the write owner (runWrite) owns
 * what a stop does to the transaction:
 *
 * - `interrupt()`: a stop is pending (the first Ctrl-C, a signal, a closed terminal). Statements go
 *   on, but COMMIT waits until `answer()`: nothing commits while the question is on screen.
 * - `answer('stop')` cancels now, like `cancelNow()`; `answer('continue')` lets COMMIT go.
 * - `cancelNow()`: cancel at once: the running statement is cancelled, the transaction rolled back,
 *   and its backend ended over a fresh connection if the cancel does not return (flag mode's first
 *   Ctrl-C, the wizard's second).
 * - Once COMMIT is sent (`phase` is `committing`) the transaction cannot be taken back: `interrupt()`
 *   and `cancelNow()` only stop waiting for COMMIT's reply and ask the target at once; `stopWaiting()`
 *   stops asking too, and the outcome is reported unknown.
 *
 * One control serves one write; `onChange` tells the front-end every change (say "cancelling…" at
 * once, or "COMMIT already sent"). Calls that do not apply in the current phase are ignored.
 */
export class StopControl {
	private readonly cancelling = new AbortController();
	private readonly giveUp = new AbortController();
	private state: StopState = {phase: 'writing', pending: false, cancelled: false, stoppedWaiting: false};
	private readonly listeners = new Set<(state: StopState) => void>();
	private readonly answered = new Set<() => void>();

	/**
	 * A control that follows the older signals: `cancel` aborting is cancelNow(), `stopWaiting`
	 * aborting is stopWaiting(). For callers that pass AbortSignals (a step left, a test).
	 */
	static following(cancel?: AbortSignal, stopWaiting?: AbortSignal): StopControl {
		const control = new StopControl();
		const follow = (signal: AbortSignal | undefined, action: () => void) => {
			if (!signal) return;
			if (signal.aborted) action();
			else signal.addEventListener('abort', action, {once: true});
		};
		follow(cancel, () => control.cancelNow());
		follow(stopWaiting, () => control.stopWaiting());
		return control;
	}

	get current(): Readonly<StopState> {
		return this.state;
	}

	/** Aborted when the write is to be cancelled now (or, once committing, settled at once). */
	get cancelSignal(): AbortSignal {
		return this.cancelling.signal;
	}

	/** Aborted when nobody waits for COMMIT's outcome any more. */
	get stopWaitingSignal(): AbortSignal {
		return this.giveUp.signal;
	}

	/** Listens to every change; returns the unsubscribe. */
	onChange(listener: (state: StopState) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	interrupt(): void {
		if (this.state.phase === 'finished' || this.state.cancelled) return;
		// Too late to hold anything: the outcome is asked for at once instead of waited for.
		if (this.state.phase === 'committing') return this.cancelNow();
		if (!this.state.pending) this.update({pending: true});
	}

	answer(answer: StopAnswer): void {
		if (!this.state.pending) return;
		if (answer === 'stop') return this.cancelNow();
		this.update({pending: false});
		this.release();
	}

	cancelNow(): void {
		if (this.state.phase === 'finished' || this.state.cancelled) return;
		this.update({pending: false, cancelled: true});
		this.cancelling.abort(new Error('Cancelled.'));
		this.release();
	}

	stopWaiting(): void {
		if (this.state.phase !== 'committing' || this.state.stoppedWaiting) return;
		this.update({stoppedWaiting: true});
		this.giveUp.abort(new Error('Stopped waiting.'));
	}

	/**
	 * For the write owner: every statement is done; resolves 'continue' when COMMIT may go (no stop
	 * pending, or answered 'continue'), 'stop' when the write is to be cancelled. Waits as long as the
	 * question stays open.
	 */
	async clearance(): Promise<StopAnswer> {
		if (this.state.cancelled) return 'stop';
		if (!this.state.pending) return 'continue';
		this.update({phase: 'awaiting-answer'});
		await new Promise<void>((resolve) => this.answered.add(resolve));
		if (this.state.cancelled) return 'stop';
		this.update({phase: 'writing'});
		return 'continue';
	}

	/** For the write owner: COMMIT is about to be sent, or the write is over. */
	enter(phase: 'committing' | 'finished'): void {
		this.update({phase});
	}

	private release(): void {
		for (const resolve of this.answered) resolve();
		this.answered.clear();
	}

	private update(change: Partial<StopState>): void {
		this.state = {...this.state, ...change};
		for (const listener of this.listeners) listener(this.state);
	}
}
