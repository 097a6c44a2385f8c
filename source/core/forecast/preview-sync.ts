import type pg from 'pg';
import type {Finding, SyncPlan} from '../plan/types.js';
import type {Catalog} from '../catalog/types.js';
import type {PreviewResult, SyncEventListener, TableCounts} from '../events.js';
import {diffTable, KeyProblem, type TableDiff} from '../diff/diff-table.js';
import {writeForecasts} from './write-forecasts.js';
import {missingEnumLabels, planTableWrite} from '../write/write-plan.js';
import {hasSecondaryUnique, uniqueConflictFindings} from './unique-conflicts.js';
import {deleteReach, deleteReachFindings} from './delete-reach.js';
import {keyFilter} from '../sql/key-filter.js';
import {tableName} from '../sql/value-forms.js';
import type {TablePlan} from '../plan/types.js';
import {mirrorGuardFindings} from './mirror-guards.js';
import {findMissingParents} from './missing-parents.js';
import {beginRead} from '../connection/transactions.js';
import {serverError} from '../connection/server-errors.js';
import {findBlockers} from '../connection/lock-blockers.js';
import {sequencePrivilegeFindings} from './sequence-privileges.js';

/** Beyond this many rows to write, the parent check is left to the apply (which fails cleanly). */
const maxCheckedKeys = 200_000;

export interface PreviewContext {
	plan: SyncPlan;
	/** For the parent tables outside the selection, whose rows must already be on the target. */
	targetCatalog: Catalog;
	source: pg.Client;
	target: pg.Client;
	onEvent?: SyncEventListener;
	signal?: AbortSignal;
}

/** The dry run: exact counts per table, read-only on both sides, each table reported as it finishes. */
export async function previewSync({
	plan,
	targetCatalog,
	source,
	target,
	onEvent,
	signal,
}: PreviewContext): Promise<PreviewResult> {
	const tables: TableCounts[] = [];
	const dataFindings: Finding[] = [];
	const selected = new Set(plan.tables.map((table) => table.id));
	// One snapshot per side, so the counts of all tables describe one moment.
	const timeouts = {lockTimeoutMs: plan.options.lockTimeoutMs, statementTimeoutMs: plan.options.statementTimeoutMs};
	let current: string | undefined;
	// For the GRANT a permission error names.
	const roles: {source?: string; target?: string} = {};
	try {
		await beginRead(source, 'source', timeouts);
		await beginRead(target, 'target', timeouts);
		const targetRole = (await target.query<{role: string}>('SELECT current_user AS role')).rows[0]!.role;
		roles.target = targetRole;
		roles.source = (await source.query<{role: string}>('SELECT current_user AS role')).rows[0]!.role;
		for (const [index, table] of plan.tables.entries()) {
			signal?.throwIfAborted();
			current = table.id;
			onEvent?.({type: 'preview-table-started', table: table.id});
			// Key lists are kept only where rows must find a parent outside the selection.
			const checksParents = table.target.foreignKeys.some(
				(fk) => fk.references !== table.id && !selected.has(fk.references),
			);
			let diff: TableDiff;
			try {
				diff = await diffTable(table, source, target, {
					mode: plan.options.mode,
					hashMethod: plan.hashMethod,
					withHashes: true,
					// Mirror deletes: their keys find the rows outside the selection that point at them.
					keepKeys:
						checksParents || plan.options.mode === 'mirror' || hasSecondaryUnique(table) || missingEnumLabels(table),
					maxListedKeys: maxCheckedKeys,
					fingerprintShortcut: plan.hashMethod === 'record',
					onKeysRead: (keysRead) =>
						onEvent?.({
							type: 'preview-table-progress',
							table: table.id,
							keysRead,
							keysEstimated: table.source.estimatedRows + table.target.estimatedRows,
						}),
				});
			} catch (error) {
				// The key cannot identify rows: a finding for this table, and the others are still counted.
				if (!(error instanceof KeyProblem)) throw error;
				dataFindings.push(error.finding());
				continue;
			}
			if (checksParents && diff.keysListed)
				dataFindings.push(
					...(await findMissingParents(
						table,
						selected,
						targetCatalog,
						[...diff.insertKeys.toArray(), ...diff.updateKeys.toArray()],
						source,
						target,
					)),
				);
			if (diff.counts.insert + diff.counts.update > 0)
				dataFindings.push(...(await sequencePrivilegeFindings(source, target, table, targetRole)));
			// What the apply would do with these counts, as it will decide it: the forecasts read that.
			const write = planTableWrite(table, {
				index,
				mode: plan.options.mode,
				hashMethod: plan.hashMethod,
				counts: diff.counts,
				keysListed: true,
				targetEmpty: diff.counts.targetRows === 0,
			});
			dataFindings.push(
				...(await writeForecasts(
					table,
					diff.counts,
					write,
					plan.options.mode,
					targetCatalog,
					source,
					diff.keysListed ? () => [...diff.insertKeys.toArray(), ...diff.updateKeys.toArray()] : undefined,
				)),
			);
			if (diff.keysListed && hasSecondaryUnique(table))
				dataFindings.push(
					...(await uniqueConflictFindings(
						table,
						[...diff.insertKeys.toArray(), ...diff.updateKeys.toArray()],
						source,
						target,
					)),
				);
			if (plan.options.mode === 'mirror' && diff.counts.delete > 0)
				dataFindings.push(...(await mirrorDeleteFindings(table, diff, selected, plan.options.allowCascade, target)));
			tables.push(diff.counts);
			onEvent?.({type: 'preview-table-finished', counts: diff.counts});
		}
	} catch (error) {
		await Promise.all([source.query('ROLLBACK').catch(() => {}), target.query('ROLLBACK').catch(() => {})]);
		if (signal?.aborted) throw error;
		const blockers =
			(error as {code?: string}).code === '55P03'
				? await findBlockers(
						target,
						plan.tables.map((table) => tableName(table, 'target')),
					)
				: [];
		throw serverError(error, {during: 'preview', table: current, mode: plan.options.mode, blockers, roles});
	}
	await Promise.all([source.query('ROLLBACK').catch(() => {}), target.query('ROLLBACK').catch(() => {})]);
	return {
		mode: plan.options.mode,
		tables,
		findings: [...plan.findings, ...dataFindings, ...mirrorGuardFindings(plan, tables)],
	};
}

/** What the mirror's deletes in `table` would do to rows outside the selection, as findings. */
async function mirrorDeleteFindings(
	table: TablePlan,
	diff: TableDiff,
	selected: Set<string>,
	allowCascade: boolean,
	target: pg.ClientBase,
): Promise<Finding[]> {
	if (!diff.keysListed) {
		return [
			{
				table: table.id,
				severity: 'warning',
				code: 'mirror-cascade-unchecked',
				message: `${table.id}: too many rows to delete (${diff.counts.delete}) to check here which rows outside the selection reference them; the apply checks before deleting.`,
			},
		];
	}
	const keys = diff.deleteKeys.toArray();
	const reach = await deleteReach(
		target,
		{id: table.id, relation: tableName(table, 'target'), partitioned: table.target.partitioned},
		(alias) => keyFilter(table, 'target', keys, `${alias}.`),
		selected,
	);
	return deleteReachFindings(table, diff.counts.delete, reach, allowCascade);
}
