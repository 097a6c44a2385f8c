import {useEffect, useState, type Dispatch} from 'react';
import {isBlocked, type SyncMode, type SyncOptions, type SyncPlan} from '../../core/plan/types.js';
import type {Action} from '../state.js';
import type {WizardSession} from '../services.js';
import {toUserError} from '../errors.js';
import {useCoalesced} from './use-coalesced.js';
import {previewStart, reducePreviewEvent, type LiveCounts} from '../../present/progress.js';

export {reducePreviewEvent, type LiveCounts} from '../../present/progress.js';

/** Memoise it on its fields: a new object is a new run. */
export interface PreviewRequest {
	session: WizardSession;
	selected: string[];
	mode: SyncMode;
	options: Omit<SyncOptions, 'mode'>;
	/** Changes to count again. */
	run: number;
}

/**
 * Plans and counts while the preview step is showing and has no result yet; counts stream in per
 * table. Leaving the step aborts the run. A plan with blocking findings is not counted: the
 * findings are the result.
 */
export function usePreview(
	request: PreviewRequest | undefined,
	dispatch: Dispatch<Action>,
): {plan?: SyncPlan; live: LiveCounts} {
	const [plan, setPlan] = useState<SyncPlan>();
	const live = useCoalesced(reducePreviewEvent, previewStart);
	const {reset, push, flush} = live;
	useEffect(() => {
		if (!request) return;
		const {session, selected, mode, options} = request;
		const controller = new AbortController();
		let planned: SyncPlan;
		try {
			planned = session.plan({tables: selected, exclude: []}, {...options, mode});
		} catch (error) {
			dispatch({type: 'preview-failed', error: toUserError(error)});
			return;
		}
		setPlan(planned);
		reset(previewStart);
		if (isBlocked(planned.findings)) {
			dispatch({type: 'preview-finished', plan: planned, result: {mode, tables: [], findings: planned.findings}});
			return;
		}
		session.preview(planned, {onEvent: push, signal: controller.signal}).then(
			(result) => {
				if (controller.signal.aborted) return;
				flush();
				dispatch({type: 'preview-finished', plan: planned, result});
			},
			(error: unknown) => {
				if (!controller.signal.aborted) dispatch({type: 'preview-failed', error: toUserError(error)});
			},
		);
		return () => controller.abort();
	}, [request, dispatch, reset, push, flush]);
	return {plan, live: live.state};
}
