/**
 * Numbers, durations and sizes as people read them. Neutral: the wizard (ui/) and the flag mode
 * (headless/) both render with these, so a count or a size reads the same everywhere.
 */
const integer = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
	return integer.format(value);
}

/** "1 table", "3 tables": the count formatted, the noun agreeing with it. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
	return `${formatCount(count)} ${count === 1 ? noun : pluralNoun}`;
}

export function formatDuration(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	const minutes = Math.floor(ms / 60_000);
	return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** 1536 → "1.5 kB": database sizes on the connect screen and in `profile test`. */
export function formatBytes(bytes: number): string {
	const units = ['B', 'kB', 'MB', 'GB', 'TB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** A planner estimate: PostgreSQL reports -1 for a table never analysed. */
export function formatEstimate(rows: number): string {
	return rows < 0 ? '?' : `~${formatCount(rows)}`;
}

export function formatPercent(ratio: number): string {
	return `${Math.floor(Math.min(1, Math.max(0, Number.isFinite(ratio) ? ratio : 0)) * 100)}%`;
}

/** Items per second over `ms`; a dash while too little time has passed to say. */
export function formatRate(count: number, ms: number, unit = 'rows'): string {
	if (ms < 250) return `– ${unit}/s`;
	return `${formatCount(Math.round((count * 1000) / ms))} ${unit}/s`;
}

/**
 * The rate of work that is going on, in its own unit: rows written while writing, else the rate of
 * the phase it is in (keys compared, rows copied). Never "0 rows/s" while something is moving;
 * a dash while too little has happened to say.
 */
export function liveRate(count: number, ms: number, unit: string): string {
	return count <= 0 ? `– ${unit}/s` : formatRate(count, ms, unit);
}
