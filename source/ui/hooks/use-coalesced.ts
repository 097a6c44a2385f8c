import {useCallback, useEffect, useRef, useState} from 'react';

/**
 * Folds a fast stream of events into state that React sees at most every `intervalMs`: the engine
 * may report thousands of progress events a second, the terminal needs ten frames.
 */
export function useCoalesced<State, Event>(
	reduce: (state: State, event: Event) => State,
	initial: State,
	intervalMs = 100,
) {
	const [state, setState] = useState(initial);
	const latest = useRef(initial);
	const dirty = useRef(false);
	const flush = useCallback(() => {
		if (!dirty.current) return;
		dirty.current = false;
		setState(latest.current);
	}, []);
	const push = useCallback(
		(event: Event) => {
			latest.current = reduce(latest.current, event);
			dirty.current = true;
		},
		[reduce],
	);
	const reset = useCallback((value: State) => {
		latest.current = value;
		dirty.current = false;
		setState(value);
	}, []);
	/** The folded state including events React has not seen yet. */
	const peek = useCallback(() => latest.current, []);
	useEffect(() => {
		const timer = setInterval(flush, intervalMs);
		return () => clearInterval(timer);
	}, [flush, intervalMs]);
	return {state, push, flush, reset, peek};
}
