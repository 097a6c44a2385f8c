import type {Endpoint} from '../core/connection/endpoint.js';
import {formatCount, plural} from '../present/numbers.js';
import {sumCounts} from '../present/totals.js';
import type {PreviewResult} from '../core/events.js';

/** The filled and empty parts of a progress bar `width` cells wide. */
export function barParts(ratio: number, width: number): {filled: string; empty: string} {
	const clamped = Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 0;
	const cells = Math.max(0, width);
	const filled = Math.round(clamped * cells);
	return {filled: '█'.repeat(filled), empty: '░'.repeat(cells - filled)};
}

/**
 * Hides the password of a PostgreSQL URL while it is being typed: everything between `user:` and
 * the last `@` (or the end, while no `@` is typed yet) becomes `•`. Same length as the input, so a
 * cursor position in the text is the same position on screen.
 */
export function maskUrlPassword(text: string): string {
	const scheme = /^\s*[a-z]*:\/\//i.exec(text);
	const start = scheme ? scheme[0].length : 0;
	const at = text.lastIndexOf('@');
	const end = at >= start ? at : text.length;
	const colon = text.indexOf(':', start);
	if (colon === -1 || colon >= end) return text;
	return text.slice(0, colon + 1) + '•'.repeat(end - colon - 1) + text.slice(end);
}

/** "insert 1,204, update 37, delete 0 rows in 8 tables of systeme_intelligent on db.example.com" */
export function changeSentence(preview: PreviewResult, target: Pick<Endpoint, 'database' | 'host'>): string {
	const totals = sumCounts(preview.tables);
	const tables = preview.tables.length;
	return `insert ${formatCount(totals.insert)}, update ${formatCount(totals.update)}, delete ${formatCount(totals.delete)} rows in ${plural(tables, 'table')} of ${target.database} on ${target.host}`;
}

/** The slice of a list to show so that `cursor` stays visible in `size` lines. */
export function visibleWindow(total: number, cursor: number, size: number): {start: number; end: number} {
	const lines = Math.max(1, size);
	if (total <= lines) return {start: 0, end: total};
	const start = Math.min(Math.max(0, cursor - Math.floor(lines / 2)), total - lines);
	return {start, end: start + lines};
}
