import {useEffect, type Dispatch} from 'react';
import type {Endpoint} from '../../core/connection/endpoint.js';
import type {Action, Role} from '../state.js';
import type {WizardServices} from '../services.js';
import {toUserError} from '../errors.js';

/** While an endpoint step is connecting: resolve its password, connect, describe the database. */
export function useConnect(endpoint: Endpoint, role: Role, services: WizardServices, dispatch: Dispatch<Action>): void {
	useEffect(() => {
		let left = false;
		void (async () => {
			try {
				const resolved = await services.resolvePassword(endpoint);
				const summary = await services.inspect(resolved, role);
				if (!left) dispatch({type: 'connected', connected: {endpoint: resolved, summary}});
			} catch (error) {
				if (!left) dispatch({type: 'connect-failed', error: toUserError(error)});
			}
		})();
		return () => {
			left = true;
		};
	}, [endpoint, role, services, dispatch]);
}
