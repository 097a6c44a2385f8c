import type pg from 'pg';
import type {SyncPlan, TablePlan} from '../plan/types.js';
import type {DeleteReach, TableResult} from '../events.js';
import {quoteIdent} from '../catalog/names.js';
import type {TableDiff} from '../diff/diff-table.js';
import {deleteReach, deleteReachFindings, type RowCondition} from '../forecast/delete-reach.js';
import {keyFilter} from '../sql/key-filter.js';
import {tableName, tableOnly} from '../sql/value-forms.js';
import type {JournalRecorder} from '../journal/journal-recorder.js';
import {columnList, scanOf} from '../journal/table-shape.js';
import {statementSql} from '../write/render-write.js';
import type {TableWritePlan, WriteStatement} from '../write/write-plan.js';
import {refuseOn} from './apply-checks.js';
import {keysPerStatement, readByKey, type Journaling} from './table-journal.js';

/** A mirror's table whose deletes wait for the second pass (children's tables first). */
export interface PendingDelete {
	/** Its table's position in the plan: names its TEMP tables. */
	order: number;
	plan: TablePlan;
	diff: TableDiff;
	write: TableWritePlan;
	result: TableResult;
}

/** The whole source is staged (more deletes than could be listed): rows not in the stage go. */
const byStage = (pending: PendingDelete) =>
	pending.write.deletes[0]?.kind === 'delete' && pending.write.deletes[0].by === 'stage';

/**
 * Before a mirror deletes, what its deletes do outside the selection (see deleteReach), judged in
 * the write transaction: a referencing row that would refuse the delete, or a cascade not allowed,
 * refuses the sync (exit 4); allowed cascades are returned, for the result to report.
 */
export async function checkDeleteReach(
	pending: PendingDelete,
	target: pg.ClientBase,
	selected: Set<string>,
	allowCascade: boolean,
	journal: JournalRecorder | undefined,
): Promise<DeleteReach[]> {
	const table = pending.plan;
	const deleted: RowCondition = byStage(pending)
		? (alias) =>
				`NOT EXISTS (SELECT 1 FROM ${pending.write.stage} s WHERE ${table.key.map((name) => `${alias}.${quoteIdent(name)} = s.${quoteIdent(name)}`).join(' AND ')})`
		: (alias) => keyFilter(table, 'target', pending.diff.deleteKeys.toArray(), `${alias}.`);
	const reached: Array<{entry: DeleteReach; relation: string; partitioned: boolean; rows: RowCondition}> = [];
	const reach = await deleteReach(
		target,
		{id: table.id, relation: tableName(table, 'target'), partitioned: table.target.partitioned},
		deleted,
		selected,
		0,
		(entry, relation, partitioned, rows) => reached.push({entry, relation, partitioned, rows}),
	);
	refuseOn(deleteReachFindings(table, pending.diff.counts.delete, reach, allowCascade));
	// Allowed cascades change rows of tables outside the selection: their old rows go into the journal
	// before the delete, and rows SET NULL / SET DEFAULT also with what they hold after it.
	if (journal) {
		for (const [position, {entry, relation, partitioned, rows}] of reached.entries()) {
			if (entry.action === 'restrict') continue;
			const shape = await journal.table(target, entry.table, relation, {cascaded: true});
			const scan = scanOf({relation, partitioned});
			if (entry.action === 'cascade') {
				await journal.capture(
					target,
					{table: shape.id, kind: 'before-delete'},
					`SELECT ${columnList(
						shape.columns.map((column) => column.name),
						'r',
					)} FROM ${scan} AS r WHERE ${rows('r')}`,
				);
				continue;
			}
			const before = `pg_temp.${quoteIdent(`pgconvoy_reach_${pending.order}_${position}`)}`;
			await target.query(
				`CREATE TEMP TABLE ${before} ON COMMIT DROP AS SELECT ${columnList(
					shape.columns.map((column) => column.name),
					'r',
				)} FROM ${scan} AS r WHERE ${rows('r')}`,
			);
			await journal.capture(target, {table: shape.id, kind: 'before-update'}, `SELECT * FROM ${before}`);
			if (shape.key.length > 0) {
				const match = shape.key
					.map((name, index) => `t.${quoteIdent(name)} ${shape.keyEquality[index]} b.${quoteIdent(name)}`)
					.join(' AND ');
				journal.defer(
					{table: shape.id, kind: 'updated'},
					`SELECT ${columnList(shape.key, 't')}, ${journal.fingerprintSql(shape, 't')} FROM ${scan} AS t JOIN ${before} b ON ${match}`,
				);
			}
		}
	}
	return reach.filter((entry) => entry.action !== 'restrict');
}

/**
 * Deletes the rows missing from the source. With a journal: a few listed keys' rows are read first as
 * they were before the run (triggers of rows deleted before them may have changed them since);
 * otherwise the DELETE returns them itself (DELETE … RETURNING).
 */
export async function deleteRows(
	pending: PendingDelete,
	target: pg.ClientBase,
	journaling: Journaling | undefined,
	hashMethod: SyncPlan['hashMethod'],
): Promise<number> {
	const statement = pending.write.deletes[0]!;
	const sql = (keys?: string[][]) =>
		statementSql(pending.plan, pending.write, statement as Extract<WriteStatement, {kind: 'delete'}>, hashMethod, keys);
	const shape = journaling
		? await journaling.recorder.table(target, pending.plan.id, tableName(pending.plan, 'target'))
		: undefined;
	const section = {table: pending.plan.id, kind: 'before-delete'} as const;
	const columns = shape ? columnList(shape.columns.map((column) => column.name)) : '';
	if (byStage(pending)) {
		return journaling
			? journaling.recorder.capture(target, section, `${sql()} RETURNING ${columns}`)
			: ((await target.query(sql())).rowCount ?? 0);
	}
	// Through the snapshot by key while that is a small share of the table; past it, DELETE … RETURNING.
	const byKey =
		journaling?.beforeRun && readByKey(pending.diff.deleteKeys.length, pending.diff.counts.targetRows)
			? journaling.beforeRun
			: undefined;
	let deleted = 0;
	for (const keys of pending.diff.deleteKeys.chunks(keysPerStatement)) {
		const chunk = sql(keys);
		if (journaling && !byKey) {
			deleted += await journaling.recorder.capture(target, section, `${chunk} RETURNING ${columns}`);
			continue;
		}
		if (byKey)
			await journaling!.recorder.capture(
				byKey.client,
				section,
				`SELECT ${columns} FROM ${tableOnly(pending.plan, 'target')} WHERE ${keyFilter(pending.plan, 'target', keys)}`,
			);
		deleted += (await target.query(chunk)).rowCount ?? 0;
	}
	return deleted;
}
