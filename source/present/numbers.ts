/**
 * Numbers, durations and sizes as people read them. Neutral: the wizard (ui/) and the flag mode
 * (headless/) both render with these, so a count or a size reads the same everywhere.
 */
import {formatCount} from '../core/counts.js';

// Counts read the same in the engine's messages as on screen: one owner, in core.
export {formatCount, plural} from '../core/counts.js';

/** Rounded to what is shown first, then split: 119,500 ms is "2 min 0 s", never "1 min 60 s"; 999.6 ms is "1.0 s". */
export function formatDuration(ms: number): string {
	if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
	const tenths = Math.round(ms / 100);
	if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
	const seconds = Math.round(ms / 1000);
	return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
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

/** "row" for "rows": the units rates are counted in (rows, keys, statements) are regular plurals. */
function singular(unit: string): string {
	return unit.endsWith('s') ? unit.slice(0, -1) : unit;
}

/**
 * Items per second over `ms`, the unit agreeing with the number; a dash while too little time has
 * passed to say, or while fewer than one a second go by ("0 rows/s" would read as stuck).
 */
export function formatRate(count: number, ms: number, unit = 'rows'): string {
	const perSecond = ms < 250 ? 0 : Math.round((count * 1000) / ms);
	if (perSecond < 1) return `– ${unit}/s`;
	return `${formatCount(perSecond)} ${perSecond === 1 ? singular(unit) : unit}/s`;
}

/**
 * The rate of work that is going on, in its own unit: rows written while writing, else the rate of
 * the phase it is in (keys compared, rows copied). Never "0 rows/s" while something is moving;
 * a dash while too little has happened to say.
 */
export function liveRate(count: number, ms: number, unit: string): string {
	return count <= 0 ? `– ${unit}/s` : formatRate(count, ms, unit);
}
