import {useEffect, useRef, useState, type Dispatch} from 'react';
import type {ApplyPhase, PreviewResult, SyncEvent, TableResult} from '../../core/events.js';
import type {SyncPlan} from '../../core/plan/types.js';
import type {Action} from '../state.js';
import type {WizardSession} from '../services.js';
import {toUserError} from '../errors.js';
import {useCoalesced} from './use-coalesced.js';

export interface ApplyProgress {
	/** The transaction is open and the tables are locked. */
	started: boolean;
	/** Rows written so far per table (copied and merged; deletes count when the table finishes). */
	written: Record<string, number>;
	/** Rows each table will write, as announced when it starts. */
	toWrite: Record<string, number>;
	current?: string;
	finished: TableResult[];
	phase?: 'deleting' | 'sequences' | 'committing';
	/** What the current table is busy with (comparing, copying, merging) and how far it got. */
	activity?: Activity;
}

/** One phase of one table's apply; `since` and `from` date its start, so its own rate can be shown. */
export interface Activity {
	table: string;
	phase: ApplyPhase;
	done: number;
	total: number;
	since: number;
	from: number;
	at: number;
}

/** Folds a progress report into the running activity: a new table or phase starts a new one. */
export function nextActivity(previous: Activity | undefined, table: string, phase: ApplyPhase, done: number, total: number, now: number): Activity {
	if (previous && previous.table === table && previous.phase === phase && done >= previous.done) return {...previous, done, total, at: now};
	return {table, phase, done, total, since: now, from: done, at: now};
}

const start: ApplyProgress = {started: false, written: {}, toWrite: {}, finished: []};

export function rowsOf(result: TableResult): number {
	return result.inserted + result.updated + result.deleted;
}

export function reduceApplyEvent(progress: ApplyProgress, event: SyncEvent, now = performance.now()): ApplyProgress {
	switch (event.type) {
		case 'apply-table-activity':
			return {...progress, current: event.table, activity: nextActivity(progress.activity, event.table, event.phase, event.done, event.total, now)};
		case 'apply-started':
			return {...progress, started: true};
		case 'apply-table-started':
			return {...progress, current: event.table, activity: undefined, toWrite: {...progress.toWrite, [event.table]: event.rowsToWrite}, written: {...progress.written, [event.table]: 0}};
		case 'apply-table-progress':
			return {...progress, toWrite: {...progress.toWrite, [event.table]: event.rowsToWrite}, written: {...progress.written, [event.table]: event.rowsWritten}};
		case 'apply-table-finished':
			return {
				...progress,
				current: progress.current === event.result.table ? undefined : progress.current,
				activity: undefined,
				written: {...progress.written, [event.result.table]: rowsOf(event.result)},
				finished: [...progress.finished, event.result],
			};
		case 'apply-phase':
			return {...progress, current: undefined, activity: undefined, phase: event.phase};
		default:
			return progress;
	}
}

export interface ApplyRequest {
	session: WizardSession;
	plan: SyncPlan;
	expected: PreviewResult;
}

/**
 * Runs the one write transaction while the apply step is showing; `abort` (the user confirmed
 * Ctrl-C) cancels it, and the engine rolls back.
 */
export function useApply(request: ApplyRequest, abort: boolean, dispatch: Dispatch<Action>): {progress: ApplyProgress; startedAt: number} {
	const [startedAt] = useState(() => performance.now());
	const controller = useRef<AbortController | undefined>(undefined);
	const {state, push, flush, peek} = useCoalesced(reduceApplyEvent, start);
	const [outcome, setOutcome] = useState<Action>();
	useEffect(() => {
		const running = new AbortController();
		controller.current = running;
		request.session.apply(request.plan, {expected: request.expected, onEvent: push, signal: running.signal}).then(
			(result) => {
				flush();
				setOutcome({type: 'apply-finished', result});
			},
			(error: unknown) => {
				flush();
				setOutcome({type: 'apply-failed', error: toUserError(error), written: peek().finished});
			},
		);
		return () => running.abort();
	}, [request, push, flush, peek]);
	// Moving on only after the last events are on screen: tables that finished in the final batch
	// must reach <Static> before this step (and its <Static>) unmounts.
	useEffect(() => {
		if (outcome) dispatch(outcome);
	}, [outcome, dispatch]);
	useEffect(() => {
		if (abort) controller.current?.abort();
	}, [abort]);
	return {progress: state, startedAt};
}
