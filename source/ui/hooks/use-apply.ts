import {useEffect, useRef, useState, type Dispatch} from 'react';
import type {PreviewResult} from '../../core/events.js';
import {applyStart, reduceApplyEvent, type ApplyProgress} from '../../present/progress.js';
import type {SyncPlan} from '../../core/plan/types.js';
import type {Action} from '../state.js';
import type {WizardSession} from '../services.js';
import {toUserError} from '../errors.js';
import {useCoalesced} from './use-coalesced.js';

export {rowsOf, reduceApplyEvent, type ApplyProgress} from '../../present/progress.js';

export interface ApplyRequest {
	session: WizardSession;
	plan: SyncPlan;
	expected: PreviewResult;
}

/**
 * Runs the one write transaction while the apply step is showing; `abort` (the user confirmed
 * Ctrl-C) cancels it, and the engine rolls back.
 */
export function useApply(
	request: ApplyRequest,
	abort: boolean,
	dispatch: Dispatch<Action>,
): {progress: ApplyProgress; startedAt: number; finishedMs?: number} {
	const [startedAt] = useState(() => performance.now());
	const controller = useRef<AbortController | undefined>(undefined);
	const {state, push, flush, peek} = useCoalesced(reduceApplyEvent, applyStart);
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
	// Once finished, the apply's own duration: the last frame and the summary show the same time.
	return {progress: state, startedAt, finishedMs: outcome?.type === 'apply-finished' ? outcome.result.ms : undefined};
}
