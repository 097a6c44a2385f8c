import {useEffect, type Dispatch} from 'react';
import type {Endpoint} from '../../core/connection/endpoint.js';
import type {Action} from '../state.js';
import type {WizardServices} from '../services.js';
import {toUserError} from '../errors.js';

/** While the target's history is asked for: settle its pending journals and list its runs. */
export function useHistory(
	target: Endpoint,
	loading: boolean,
	services: WizardServices,
	dispatch: Dispatch<Action>,
): void {
	useEffect(() => {
		if (!loading) return;
		let left = false;
		services.history(target).then(
			(history) => !left && dispatch({type: 'history-loaded', history}),
			(error: unknown) => !left && dispatch({type: 'history-failed', error: toUserError(error)}),
		);
		return () => {
			left = true;
		};
	}, [target, loading, services, dispatch]);
}
