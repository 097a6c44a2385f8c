import type pg from 'pg';
import type {SyncPlan, TablePlan} from '../plan/types.js';
import type {Catalog} from '../catalog/types.js';
import type {SyncEventListener, TableCounts, TableResult} from '../events.js';
import {withComparisonSettings} from '../connection/session-settings.js';
import {diffTable, type TableDiff} from '../diff/diff-table.js';
import {KeyList} from '../diff/key-list.js';
import {hasSecondaryUnique, uniqueConflictFindings} from '../forecast/unique-conflicts.js';
import {keyFilter} from '../sql/key-filter.js';
import {tableOnly} from '../sql/value-forms.js';
import {planTableWrite, type TableWritePlan, type WriteStatement} from '../write/write-plan.js';
import {copySql, statementSql} from '../write/render-write.js';
import type {WriteTransaction} from '../write/write-transaction.js';
import {DriftError, refuseForecasts, refuseOn, tableDrifted} from './apply-checks.js';
import {copyRows} from './copy-rows.js';
import {keysPerStatement, readByKey, tableStatements, type Journaling} from './table-journal.js';
import {expectWritten} from './written-rows.js';

/** What writing one table needs from the sync around it. */
export interface TableWriteContext {
	plan: SyncPlan;
	source: pg.ClientBase;
	target: pg.ClientBase;
	targetCatalog?: Catalog;
	onEvent?: SyncEventListener;
	/** Above this many changed keys a table is copied whole instead of by key list. */
	maxListedKeys: number;
	transaction: WriteTransaction;
	journaling: Journaling | undefined;
}

/** A table written: its fresh diff (for the drift check and the mirror's deletes), its plan and its result. */
export interface TableWritten {
	diff: TableDiff;
	write: TableWritePlan;
	result: TableResult;
}

/**
 * Writes one table's inserts and updates in the write transaction: an empty target table gets its
 * rows by COPY (no diff); otherwise the diff is computed again here, under the lock and in the
 * same snapshot, checked against the confirmed preview (`expected`) and the forecasts, and its
 * write plan (planTableWrite) executed statement by statement, each changing exactly its rows.
 */
export async function writeTable(
	table: TablePlan,
	index: number,
	context: TableWriteContext,
	expected: TableCounts | undefined,
): Promise<TableWritten> {
	const {plan, target, onEvent} = context;
	const statements = await tableStatements(target, table, context.journaling);
	const result: TableResult = {table: table.id, inserted: 0, updated: 0, skipped: 0, deleted: 0, ms: 0};
	const input = {index, mode: plan.options.mode, hashMethod: plan.hashMethod};
	const empty = await target.query<{empty: boolean}>(
		`SELECT NOT EXISTS (SELECT 1 FROM ${tableOnly(table, 'target')}) AS empty`,
	);
	const counts = {insert: expected?.insert ?? 0, update: 0, delete: 0, sourceRows: 1, targetRows: 0};
	const load = planTableWrite(table, {...input, counts, keysListed: true, targetEmpty: empty.rows[0]!.empty});
	if (load.path === 'direct-copy') {
		// Everything is an insert (how many is known once copied): as the preview would have forecast it.
		const forecast = {...counts, table: table.id, insert: Math.max(1, counts.insert), skip: 0, differing: 0};
		await refuseForecasts(table, forecast, load, context);
		const rowsExpected = expected?.insert ?? table.source.estimatedRows;
		onEvent?.({type: 'apply-table-started', table: table.id, rowsToWrite: rowsExpected});
		const copied = await copyRows(
			table,
			context.source,
			target,
			copySql(table, load, load.statements[0] as Extract<WriteStatement, {kind: 'copy'}>).into,
			undefined,
			undefined,
			(rows) => {
				onEvent?.({type: 'apply-table-activity', table: table.id, phase: 'copying', done: rows, total: rowsExpected});
				onEvent?.({
					type: 'apply-table-progress',
					table: table.id,
					rowsWritten: Math.min(rows, rowsExpected),
					rowsToWrite: rowsExpected,
				});
			},
		);
		expectWritten(table, 'insert', copied.read, copied.written);
		result.inserted = copied.written;
		// The table was empty: every row in it now is one this run inserted (a fingerprint of every row of a
		// bulk load would cost ~1 s per million; see TableStatements.inserted).
		statements.inserted();
		onEvent?.({
			type: 'apply-table-progress',
			table: table.id,
			rowsWritten: copied.written,
			rowsToWrite: copied.written,
		});
		const none = new KeyList([]);
		const loaded = {...forecast, insert: copied.written, sourceRows: copied.written};
		return {
			diff: {counts: loaded, insertKeys: none, updateKeys: none, deleteKeys: none, keysListed: true},
			write: load,
			result,
		};
	}

	const diff = await withComparisonSettings(target, () =>
		diffTable(table, context.source, target, {
			mode: plan.options.mode,
			hashMethod: plan.hashMethod,
			// Insert mode writes only missing keys: comparing contents would be wasted work.
			withHashes: plan.options.mode !== 'insert',
			keepKeys: true,
			maxListedKeys: context.maxListedKeys,
			fingerprintShortcut: false,
			onKeysRead: (done) =>
				onEvent?.({
					type: 'apply-table-activity',
					table: table.id,
					phase: 'comparing',
					done,
					total: table.source.estimatedRows + table.target.estimatedRows,
				}),
		}),
	);
	if (expected && tableDrifted(expected, diff.counts, plan.options.mode)) throw new DriftError([diff.counts]);
	const write = planTableWrite(table, {...input, counts: diff.counts, keysListed: diff.keysListed, targetEmpty: false});
	const writeKeys = () => [...diff.insertKeys.toArray(), ...diff.updateKeys.toArray()];
	await refuseForecasts(table, diff.counts, write, context, diff.keysListed ? writeKeys : undefined);
	// Refused with the rows' keys, before the unique index refuses with their values.
	if (diff.keysListed && hasSecondaryUnique(table))
		refuseOn(await uniqueConflictFindings(table, writeKeys(), context.source, target));
	result.skipped = diff.counts.skip;
	await execute(table, write, diff, context, statements, result);
	expectWritten(table, 'insert', write.rows.insert, result.inserted);
	expectWritten(table, 'update', write.rows.update, result.updated);
	const rowsToWrite = write.rows.insert + write.rows.update;
	onEvent?.({type: 'apply-table-progress', table: table.id, rowsWritten: rowsToWrite, rowsToWrite});
	return {diff, write, result};
}

/** Runs the plan's inserts and updates in order, with progress as the user reads it: rows copied, statements merged. */
async function execute(
	table: TablePlan,
	write: TableWritePlan,
	diff: TableDiff,
	context: TableWriteContext,
	statements: Awaited<ReturnType<typeof tableStatements>>,
	result: TableResult,
): Promise<void> {
	const {plan, target, onEvent} = context;
	const rowsToWrite = write.rows.insert + write.rows.update;
	onEvent?.({type: 'apply-table-started', table: table.id, rowsToWrite});
	let rowsWritten = 0;
	const progress = (rows: number) => {
		rowsWritten = Math.min(rowsWritten + rows, rowsToWrite);
		onEvent?.({type: 'apply-table-activity', table: table.id, phase: 'copying', done: rowsWritten, total: rowsToWrite});
		onEvent?.({type: 'apply-table-progress', table: table.id, rowsWritten, rowsToWrite});
	};
	const merges = write.statements.filter((statement) => mergeKinds.has(statement.kind)).length;
	let merged = 0;
	const mergedOne = () =>
		onEvent?.({type: 'apply-table-activity', table: table.id, phase: 'merging', done: merged++, total: merges});
	const keyLists = {'insert-keys': diff.insertKeys, 'update-keys': diff.updateKeys} as const;
	for (const statement of write.statements) {
		context.transaction.checkpoint();
		if (statement.kind === 'copy') {
			const {into, orderBy} = copySql(table, write, statement);
			if (statement.source === 'all') {
				await copyRows(table, context.source, target, into, undefined, orderBy, (done) =>
					onEvent?.({
						type: 'apply-table-activity',
						table: table.id,
						phase: 'copying',
						done,
						total: statement.rows as number,
					}),
				);
				continue;
			}
			for (const keys of keyLists[statement.source].chunks(keysPerStatement)) {
				context.transaction.checkpoint();
				const copied = await copyRows(table, context.source, target, into, keyFilter(table, 'source', keys));
				// A chunk's keys were read under the same snapshot: each must arrive, and into the table be kept.
				if (into !== write.stage) {
					expectWritten(table, 'insert', keys.length, copied.written);
					result.inserted += copied.written;
					// Rows COPYed straight in cannot be returned: the journal finds them by their listed keys.
					statements.inserted(keyFilter(table, 'target', keys, 't.'));
				}
				progress(copied.written);
			}
			continue;
		}
		if (merged === 0 && mergeKinds.has(statement.kind)) mergedOne();
		const sql = statementSql(table, write, statement, plan.hashMethod);
		if (statement.kind === 'insert') {
			result.inserted = await statements.write('inserted', sql, statement.join);
			if (write.path === 'whole-table') progress(result.inserted);
		} else if (statement.kind === 'update') {
			// Read through the snapshot by key while that is a small share of the table; past it, through the UPDATE's own join.
			const byKey =
				diff.keysListed &&
				context.journaling?.beforeRun !== undefined &&
				(write.path === 'key-lists' || readByKey(diff.updateKeys.length, diff.counts.targetRows));
			await statements.oldRows(
				byKey ? diff.updateKeys : {stage: write.stage, hashMethod: plan.hashMethod, join: statement.join},
			);
			result.updated = await statements.write('updated', sql, statement.join);
			if (write.path === 'whole-table') progress(rowsToWrite);
		} else await target.query(sql);
		if (mergeKinds.has(statement.kind)) mergedOne();
	}
}

/** The set-based statements after the copies, counted for the "merging" progress. */
const mergeKinds = new Set<WriteStatement['kind']>(['index-stage', 'insert', 'update']);
