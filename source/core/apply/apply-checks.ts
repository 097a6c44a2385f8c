import type pg from 'pg';
import type {Catalog} from '../catalog/types.js';
import type {Finding, SyncMode, SyncPlan, TablePlan} from '../plan/types.js';
import type {PreviewResult, TableCounts} from '../events.js';
import {UserError} from '../errors.js';
import {writeForecasts} from '../forecast/write-forecasts.js';
import type {TableWritePlan} from '../write/write-plan.js';

/** A drift: the counts inside the write transaction differ from the preview the user confirmed. */
export class DriftError extends UserError {
	constructor(readonly fresh: TableCounts[]) {
		super(
			'drift',
			'The data changed since the preview: the rows to write inside the sync (their counts, or which keys they are) differ from the ones you confirmed, so nothing was written.',
			'Look at the fresh counts and confirm again.',
		);
	}
}

/**
 * The confirmed preview and the apply's own diff disagree on what this table's writes are: other
 * counts, or (where both have digests) other keys — the same "delete 5" of other rows is drift.
 */
export function tableDrifted(expected: TableCounts, fresh: TableCounts, mode: SyncMode): boolean {
	const compared: Array<'insert' | 'update' | 'delete'> =
		mode === 'insert' ? ['insert'] : mode === 'upsert' ? ['insert', 'update'] : ['insert', 'update', 'delete'];
	return compared.some(
		(kind) =>
			expected[kind] !== fresh[kind] ||
			(expected.digests !== undefined && fresh.digests !== undefined && expected.digests[kind] !== fresh.digests[kind]),
	);
}

export function driftDetected(expected: PreviewResult, fresh: TableCounts[], plan: SyncPlan): boolean {
	return fresh.some((counts) => {
		const before = expected.tables.find((table) => table.table === counts.table);
		return !before || tableDrifted(before, counts, plan.options.mode);
	});
}

/** Blocking findings found inside the apply refuse it (exit 4), as the preview would have: nothing is written. */
export function refuseOn(findings: Finding[]): void {
	const refused = findings.filter((finding) => finding.severity === 'blocking');
	if (refused.length === 0) return;
	const lines = (pick: (finding: Finding) => string | undefined) =>
		[...new Set(refused.map(pick).filter(Boolean))].join('\n');
	throw new UserError(
		'blocked',
		`${lines((finding) => finding.message)} Nothing was written: the transaction was rolled back.`,
		lines((finding) => finding.hint),
		{flagHint: lines((finding) => finding.flagHint ?? finding.hint)},
	);
}

/**
 * What the preview would have said, for an apply that was not previewed: refuse before writing
 * (exit 4). Skipped without the target's catalog.
 */
export async function refuseForecasts(
	table: TablePlan,
	counts: TableCounts,
	write: TableWritePlan,
	context: {plan: SyncPlan; targetCatalog?: Catalog; source: pg.ClientBase},
	writeKeys?: () => string[][],
): Promise<void> {
	if (!context.targetCatalog) return;
	refuseOn(
		await writeForecasts(
			table,
			counts,
			write,
			context.plan.options.mode,
			context.targetCatalog,
			context.source,
			writeKeys,
		),
	);
}
