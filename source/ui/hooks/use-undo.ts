import {useEffect, useRef, type Dispatch} from 'react';
import type {Endpoint} from '../../core/connection/endpoint.js';
import type {Action, UndoPhase} from '../state.js';
import type {WizardServices} from '../services.js';
import {toUserError} from '../errors.js';

/**
 * The summary's undo: its preview (a dry run) while `previewing`, the one undo transaction while
 * `undoing`; Ctrl-C (`abort`) cancels the undo, which then rolls back.
 */
export function useUndo(
	phase: UndoPhase | undefined,
	target: Endpoint,
	run: string | undefined,
	services: WizardServices,
	dispatch: Dispatch<Action>,
): void {
	const kind = phase?.kind;
	const controller = useRef<AbortController | undefined>(undefined);
	useEffect(() => {
		if (run === undefined || (kind !== 'previewing' && kind !== 'undoing')) return;
		let left = false;
		const running = new AbortController();
		controller.current = running;
		const work =
			kind === 'previewing'
				? services.previewUndo(target, run).then((preview): Action => ({type: 'undo-previewed', preview}))
				: services.undo(target, run, running.signal).then((result): Action => ({type: 'undo-finished', result}));
		work.then(
			(action) => !left && dispatch(action),
			(error: unknown) => !left && dispatch({type: 'undo-failed', error: toUserError(error)}),
		);
		return () => {
			left = true;
		};
	}, [kind, target, run, services, dispatch]);
	const abort = phase?.kind === 'undoing' && phase.abort;
	useEffect(() => {
		if (abort) controller.current?.abort();
	}, [abort]);
}
