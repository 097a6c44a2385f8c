import {useEffect, useState} from 'react';

/** The current time, refreshed every `intervalMs` while `active`: elapsed times and rates tick without events. */
export function useClock(active: boolean, intervalMs = 100): number {
	const [now, setNow] = useState(() => performance.now());
	useEffect(() => {
		if (!active) return;
		const timer = setInterval(() => setNow(performance.now()), intervalMs);
		return () => clearInterval(timer);
	}, [active, intervalMs]);
	return now;
}
