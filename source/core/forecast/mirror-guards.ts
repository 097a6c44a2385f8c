import type {Finding, SyncPlan} from '../plan/types.js';
import {formatCount, plural} from '../counts.js';
import type {TableCounts} from '../events.js';

/** Mirror's guards, judged on real counts: never empty a table from an empty source, never delete more than allowed. */
export function mirrorGuardFindings(plan: SyncPlan, tables: TableCounts[]): Finding[] {
	if (plan.options.mode !== 'mirror') return [];
	const findings: Finding[] = [];
	for (const counts of tables) {
		if (counts.delete === 0) continue;
		if (counts.sourceRows === 0 && !plan.options.allowEmptySource) {
			findings.push({
				table: counts.table,
				severity: 'blocking',
				code: 'mirror-empty-source',
				message: `The source table ${counts.table} is empty: mirroring it would delete ${counts.delete === 1 ? 'the only row' : `all ${plural(counts.delete, 'row')}`} of the target.`,
				hint: 'Check that the source is the database you mean.',
				flagHint:
					'Check that the source is the database you mean. To empty the target table on purpose, pass --allow-empty-source.',
			});
			continue;
		}
		const rows = plan.options.maxDeleteRows;
		const limitPercent = plan.options.maxDeleteRatio * 100;
		const over =
			rows !== undefined
				? counts.delete > rows
				: exceedsShare(counts.delete, counts.targetRows, plan.options.maxDeleteRatio);
		if (!over) continue;
		const share = sharePercent(counts.delete, counts.targetRows, rows === undefined ? limitPercent : undefined);
		findings.push({
			table: counts.table,
			severity: 'blocking',
			code: 'mirror-max-delete',
			message: `Mirroring ${counts.table} would delete ${formatCount(counts.delete)} of its ${plural(counts.targetRows, 'row')} (${share.text}), more than the ${rows !== undefined ? plural(rows, 'row') : `${formatPercent(limitPercent)}%`} allowed.`,
			hint: 'Check that the source is the database you mean; a mirror that deletes most of a table is usually a wrong source.',
			flagHint: `If that is intended, raise the limit: --max-delete ${share.ceiling}% (a share of each table), or --max-delete ${counts.delete} (rows per table).`,
		});
	}
	return findings;
}

/** `deleted / rows > ratio`, exactly: the ratio has at most 6 decimals (a percentage with 4), compared as integers. */
function exceedsShare(deleted: number, rows: number, ratio: number): boolean {
	if (rows === 0) return false;
	return BigInt(deleted) * 1_000_000n > BigInt(Math.round(ratio * 1_000_000)) * BigInt(rows);
}

/** 2.2 → "2.2", 50 → "50", 0.000001 → "0.000001". */
function formatPercent(percent: number): string {
	return String(Number(percent.toFixed(6)));
}

/**
 * `part` of `whole` as a percentage that never reads as the limit it exceeds: 11 of 500 is "2.2%";
 * 1 of 3 is "about 33.3%"; 20,001 of 1,000,000 against a 2% limit is "2.0001%", not "2%". `ceiling`
 * is the smallest limit, to the digits shown, that would allow it.
 */
function sharePercent(part: number, whole: number, limit?: number): {text: string; ceiling: string} {
	const exact = (part * 100) / whole;
	let digits = 1;
	while (digits < 6 && limit !== undefined && Number(exact.toFixed(digits)) <= limit) digits++;
	const shown = Number(exact.toFixed(digits));
	// --max-delete takes up to 4 decimals.
	const scale = 10 ** Math.min(digits, 4);
	return {
		text: `${shown === exact ? '' : 'about '}${formatPercent(shown)}%`,
		ceiling: formatPercent(Math.min(100, Math.ceil(exact * scale - 1e-9) / scale)),
	};
}
