import {UserError} from '../core/errors.js';
import {closestName} from '../core/profiles/closest-name.js';
import type {SyncMode} from '../core/plan/types.js';
import {syncModes} from '../core/plan/types.js';

/* The values of sync's options, each parsed strictly: a value that could mean two things is refused. */

/** "5s", "500ms", "2m", "1500" (ms) → milliseconds. */
export function parseDuration(value: string, flag: string): number {
	const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(value.trim());
	if (!match)
		throw new UserError(
			'usage',
			`${flag} takes a duration like 5s, 500ms or 2m, not "${value}".`,
			`For example: ${flag} 5s (units: ms, s, m; a bare number is milliseconds).`,
		);
	const unit = match[2] ?? 'ms';
	return Math.round(Number(match[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}

/**
 * --max-delete: `N%` (a share of each table's rows, up to 4 decimals, 0% to 100%) or `N` (a whole
 * number of rows per table). Nothing in between: `1` is one row and `1%` one percent, and a bare
 * fraction such as `0.5` (a ratio? half a percent?) is refused with both readings spelled out.
 */
export function parseMaxDelete(value: string): {maxDeleteRatio: number; maxDeleteRows?: number} {
	const text = value.trim();
	const percent = /^(\d{1,3}(?:\.\d{1,4})?)\s*%$/.exec(text);
	if (percent) {
		const share = Number(percent[1]);
		if (share > 100)
			throw new UserError(
				'usage',
				`--max-delete cannot exceed 100%, but got "${value}".`,
				'Give a share from 0% to 100%: --max-delete 100% allows deleting every row of a table.',
			);
		return {maxDeleteRatio: Math.round(share * 10_000) / 1_000_000};
	}
	if (/^\d{1,15}$/.test(text)) return {maxDeleteRatio: 1, maxDeleteRows: Number(text)};
	const fraction = /^0?\.\d+$|^\d+\.\d+$/.test(text);
	throw new UserError(
		'usage',
		`--max-delete takes a percentage (50%) or a whole number of rows (100), not "${value}".`,
		fraction
			? `Say which you mean: --max-delete ${text}% for ${text} percent, --max-delete ${Math.round(Number(text) * 100)}% if ${text} is a ratio, or --max-delete 10 for at most 10 rows per table.`
			: 'For example: --max-delete 50% (half of a table at most), or --max-delete 100 (at most 100 rows per table).',
	);
}

export function parseKeys(values: string[]): Record<string, string[]> {
	const keys: Record<string, string[]> = {};
	for (const value of values) {
		const separator = value.lastIndexOf('=');
		if (separator <= 0)
			throw new UserError(
				'usage',
				`--key takes table=column[,column], not "${value}".`,
				'For example: --key events=id,at.',
			);
		const columns = value
			.slice(separator + 1)
			.split(',')
			.map((column) => column.trim())
			.filter(Boolean);
		if (columns.length === 0)
			throw new UserError(
				'usage',
				`--key ${value} names no column.`,
				`Name the key columns: --key ${value.slice(0, separator).trim()}=id.`,
			);
		keys[value.slice(0, separator).trim()] = columns;
	}
	return keys;
}

export function parseMode(value: string | undefined): SyncMode | undefined {
	if (value === undefined) return undefined;
	if (syncModes.includes(value as SyncMode)) return value as SyncMode;
	const guess = closestName(value, syncModes);
	throw new UserError(
		'usage',
		`--mode must be one of ${syncModes.join(', ')}, not "${value}".`,
		guess ? `Did you mean --mode ${guess}?` : 'For example: --mode upsert (pgconvoy sync --help describes the modes).',
	);
}
