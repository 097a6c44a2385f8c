import type {Finding, SyncPlan} from '../plan/types.js';
import {formatCount, plural} from '../../present/numbers.js';
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
		const ratio = counts.targetRows > 0 ? counts.delete / counts.targetRows : 0;
		if (ratio > plan.options.maxDeleteRatio) {
			findings.push({
				table: counts.table,
				severity: 'blocking',
				code: 'mirror-max-delete',
				message: `Mirroring ${counts.table} would delete ${formatCount(counts.delete)} of its ${plural(counts.targetRows, 'row')} (${Math.round(ratio * 100)}%), more than the ${Math.round(plan.options.maxDeleteRatio * 100)}% allowed.`,
				hint: 'Check that the source is the database you mean; a mirror that deletes most of a table is usually a wrong source.',
				flagHint: `If that is intended, raise the limit: --max-delete ${Math.ceil(ratio * 100)}%.`,
			});
		}
	}
	return findings;
}
