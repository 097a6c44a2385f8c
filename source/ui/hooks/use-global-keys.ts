import type {Dispatch} from 'react';
import {acceptsText, type Action, type WizardState} from '../state.js';
import {useKeys} from './use-keys.js';

/**
 * The keys that mean the same on every screen, in one place: Ctrl-C (Ink's own handler is off, so
 * that a sync can be rolled back first), Esc back, q quit — unless q is being typed into a field.
 */
export function useGlobalKeys(state: WizardState, dispatch: Dispatch<Action>): void {
	const typing = acceptsText(state);
	useKeys((input, key) => {
		if (key.ctrl && input === 'c') dispatch({type: 'interrupt'});
		else if (key.escape) dispatch({type: 'back'});
		else if (input === 'q' && !typing && !key.ctrl && !key.meta) dispatch({type: 'quit'});
	});
}
