import type {Endpoint} from '../core/connection/endpoint.js';
import {formatCount, plural} from '../present/numbers.js';
import {sumCounts, sumResults} from '../present/totals.js';
import type {PreviewResult, SyncResult} from '../core/events.js';
import type {DeleteReach} from '../core/events.js';

/** The filled and empty parts of a progress bar `width` cells wide. */
export function barParts(ratio: number, width: number): {filled: string; empty: string} {
	const clamped = Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 0;
	const cells = Math.max(0, width);
	const filled = Math.round(clamped * cells);
	return {filled: '█'.repeat(filled), empty: '░'.repeat(cells - filled)};
}

/**
 * Hides the password of a PostgreSQL URL while it is being typed, and only the password: the part
 * between `user:` and the `@`, and a `password=` parameter. Same length as the input, so a cursor
 * position in the text is the same position on screen.
 *
 * Before an `@` is typed, `host:5432` and `user:secret` look alike: a colon followed by a port
 * (digits, then `/`, `?` or the end) is shown; anything else after the colon is masked, so a
 * password is never shown while the `@` is still to come.
 */
export function maskUrlPassword(text: string): string {
	const mask = (from: number, to: number, value: string) =>
		value.slice(0, from) + '•'.repeat(Math.max(0, to - from)) + value.slice(to);
	const scheme = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(text);
	const start = scheme ? scheme[0].length : 0;
	let shown = text;
	const parameter = /([?&]password=)([^&]*)/i.exec(text);
	if (parameter) shown = mask(parameter.index + parameter[1]!.length, parameter.index + parameter[0].length, shown);
	const queryStart = text.indexOf('?', start);
	const authority = text.slice(start, queryStart === -1 ? text.length : queryStart);
	const at = authority.lastIndexOf('@');
	if (at !== -1) {
		const colon = authority.indexOf(':');
		return colon !== -1 && colon < at ? mask(start + colon + 1, start + at, shown) : shown;
	}
	const host = authority.split('/')[0]!;
	const colon = host.indexOf(':');
	if (colon === -1 || /^\d*$/.test(host.slice(colon + 1))) return shown;
	return mask(start + colon + 1, start + authority.length, shown);
}

/** "insert 1,204, update 37, delete 0 rows in 8 tables of systeme_intelligent on db.example.com" */
export function changeSentence(preview: PreviewResult, target: Pick<Endpoint, 'database' | 'host'>): string {
	const totals = sumCounts(preview.tables);
	const tables = preview.tables.length;
	return `insert ${formatCount(totals.insert)}, update ${formatCount(totals.update)}, delete ${plural(totals.delete, 'row')} in ${plural(tables, 'table')} of ${target.database} on ${target.host}`;
}

/** The slice of a list to show so that `cursor` stays visible in `size` lines. */
export function visibleWindow(total: number, cursor: number, size: number): {start: number; end: number} {
	const lines = Math.max(1, size);
	if (total <= lines) return {start: 0, end: total};
	const start = Math.min(Math.max(0, cursor - Math.floor(lines / 2)), total - lines);
	return {start, end: start + lines};
}

const cascadeWords: Record<DeleteReach['action'], string> = {
	cascade: 'also deleted',
	'set null': 'also set to null',
	'set default': 'also set to default',
	restrict: 'refused',
};

/** "also deleted: 10 rows of public.notes (notes_customer_id_fkey, from deletes in public.customers)" */
export function cascadeLine(reach: DeleteReach): string {
	return `${cascadeWords[reach.action]}: ${plural(reach.rows, 'row')} of ${reach.table} (${reach.constraint}, from deletes in ${reach.from})`;
}

/** "inserted 1,204, updated 37, deleted 0 rows in 8 tables" — what an apply (or a rehearsal) wrote. */
export function resultSentence(result: SyncResult): string {
	const totals = sumResults(result);
	return `inserted ${formatCount(totals.inserted)}, updated ${formatCount(totals.updated)}, deleted ${plural(totals.deleted, 'row')} in ${plural(result.tables.length, 'table')}`;
}
