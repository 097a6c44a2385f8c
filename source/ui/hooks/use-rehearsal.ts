import {useEffect, useState, type Dispatch} from 'react';
import type {PreviewResult} from '../../core/events.js';
import type {SyncPlan} from '../../core/plan/types.js';
import {applyStart, reduceApplyEvent, type ApplyProgress} from '../../present/progress.js';
import type {Action} from '../state.js';
import type {WizardSession} from '../services.js';
import {toUserError} from '../errors.js';
import {useCoalesced} from './use-coalesced.js';

/** Memoise it on its fields: a new object is a new rehearsal. */
export interface RehearsalRequest {
	session: WizardSession;
	plan: SyncPlan;
	expected: PreviewResult;
}

/**
 * Runs the real apply in the target transaction and rolls it back, while the preview step shows it
 * running; unmounting (Esc, leaving the step) aborts it, and the engine rolls back as it would anyway.
 */
export function useRehearsal(
	request: RehearsalRequest | undefined,
	dispatch: Dispatch<Action>,
): {progress: ApplyProgress; startedAt: number} {
	const [startedAt, setStartedAt] = useState(() => performance.now());
	const {state, reset, push, flush} = useCoalesced(reduceApplyEvent, applyStart);
	useEffect(() => {
		if (!request) return;
		const controller = new AbortController();
		reset(applyStart);
		setStartedAt(performance.now());
		request.session
			.apply(request.plan, {rehearse: true, expected: request.expected, onEvent: push, signal: controller.signal})
			.then(
				(result) => {
					if (controller.signal.aborted) return;
					flush();
					dispatch({type: 'rehearsal-finished', result});
				},
				(error: unknown) => {
					if (!controller.signal.aborted) dispatch({type: 'rehearsal-failed', error: toUserError(error)});
				},
			);
		return () => controller.abort();
	}, [request, dispatch, reset, push, flush]);
	return {progress: state, startedAt};
}
