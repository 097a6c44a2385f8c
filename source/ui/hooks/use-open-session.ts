import {useEffect, type Dispatch} from 'react';
import type {Endpoint} from '../../core/connection/endpoint.js';
import type {Action} from '../state.js';
import type {WizardServices} from '../services.js';
import {toUserError} from '../errors.js';

/** Entering the tables step: connect both sides and read their catalogs. A session that arrives too late is closed. */
export function useOpenSession(
	source: Endpoint,
	target: Endpoint,
	keys: Record<string, string[]>,
	services: WizardServices,
	dispatch: Dispatch<Action>,
): void {
	useEffect(() => {
		let left = false;
		void (async () => {
			try {
				const session = await services.openSession(source, target);
				if (left) {
					await session.close();
					return;
				}
				dispatch({type: 'session-opened', session, tables: session.tableChoices(keys)});
			} catch (error) {
				if (!left) dispatch({type: 'session-failed', error: toUserError(error)});
			}
		})();
		return () => {
			left = true;
		};
	}, [source, target, keys, services, dispatch]);
}
