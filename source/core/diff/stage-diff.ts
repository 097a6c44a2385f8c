import type pg from 'pg';
import type {SyncPlan, TablePlan} from '../plan/types.js';
import type {TableCounts} from '../events.js';
import {quoteIdent} from '../catalog/names.js';
import {keyMatch, rowsDiffer} from '../apply/write-sql.js';
import {CopyOutRows, refill} from './copy-out-rows.js';
import {keyColumnSql, type KeyWire} from './key-order.js';
import {keyMayRepeatIn, type DiffOptions, type TableDiff} from './diff-table.js';
import {tableOnly} from './table-diff-sql.js';
import {KeyList} from './key-list.js';
import {KeyDigest} from './key-digest.js';

/** What the stage diff says of one key: the numbers its COPY sends. */
const RowState = {Same: 0, Insert: 1, Differs: 2, Delete: 3} as const;

/**
 * Whether diffAgainstStage can stand in for diffTable on this table: every key identifies one row on
 * each side (a key that may repeat needs diffTable's per-side check, which names the side).
 */
export function stageDiffApplies(plan: TablePlan): boolean {
	return !keyMayRepeatIn(plan);
}

/**
 * `COPY (SELECT key..., state FROM stage FULL JOIN table ORDER BY key)`: one stream from the target,
 * in the key order and key form diffTable reads from both servers, with each key's state decided by
 * the comparison the apply's UPDATE makes (rowsDiffer), so counts cannot disagree with its rowCount.
 */
export function stageDiffSql(plan: TablePlan, stage: string, hashMethod: SyncPlan['hashMethod']): string {
	const keys = plan.columns.filter((column) => column.key);
	const present = (alias: string) => `${alias}.${quoteIdent('pgconvoy present')}`;
	const select = keys.map((column) => {
		const fromStage = keyColumnSql(column, 'target', 's.');
		const fromTable = keyColumnSql(column, 'target', 't.');
		const value = `CASE WHEN ${present('s')} THEN ${fromStage.select} ELSE ${fromTable.select} END`;
		return {select: value, orderBy: fromStage.wire === 'text' ? `${value} COLLATE "C"` : value};
	});
	const differ = rowsDiffer(plan, hashMethod, 't', 's') ?? 'false';
	const state = `CASE WHEN ${present('t')} IS NULL THEN ${RowState.Insert} WHEN ${present('s')} IS NULL THEN ${RowState.Delete} WHEN ${differ} THEN ${RowState.Differs} ELSE ${RowState.Same} END::int2`;
	const side = (relation: string, alias: string) => `(SELECT *, true AS ${quoteIdent('pgconvoy present')} FROM ${relation}) ${alias}`;
	return `COPY (SELECT ${select.map((key) => key.select).join(', ')}, ${state} FROM ${side(stage, 's')} FULL JOIN ${side(tableOnly(plan, 'target'), 't')} ON ${keyMatch(plan, 't', 's')} ORDER BY ${select.map((key) => key.orderBy).join(', ')}) TO STDOUT (FORMAT binary)`;
}

/**
 * The diff of the source, staged whole on the target, against the target table: the counts, key
 * digests and key lists diffTable would give for the same rows, read from the target alone. When
 * the whole table is staged anyway, this replaces the two servers hashing every row with one merge
 * join the target would make for the UPDATE anyway. Run under the comparison settings, like diffTable.
 */
export async function diffAgainstStage(plan: TablePlan, target: pg.ClientBase, stage: string, options: Pick<DiffOptions, 'mode' | 'hashMethod' | 'keepKeys' | 'maxListedKeys' | 'onKeysRead'>): Promise<TableDiff> {
	const counts: TableCounts = {table: plan.id, insert: 0, update: 0, skip: 0, delete: 0, differing: 0, sourceRows: 0, targetRows: 0};
	const wires: KeyWire[] = plan.columns.filter((column) => column.key).map((column) => keyColumnSql(column, 'target').wire);
	const result: TableDiff = {counts, insertKeys: new KeyList(wires), updateKeys: new KeyList(wires), deleteKeys: new KeyList(wires), keysListed: options.keepKeys};
	const keyCount = wires.length;
	const digests = {insert: new KeyDigest(keyCount), update: new KeyDigest(keyCount), delete: new KeyDigest(keyCount)};
	const remember = (list: KeyList, rows: CopyOutRows) => {
		if (!result.keysListed) return;
		if (result.insertKeys.length + result.updateKeys.length + result.deleteKeys.length >= options.maxListedKeys || !list.push(rows)) {
			result.keysListed = false;
			result.insertKeys.clear();
			result.updateKeys.clear();
			result.deleteKeys.clear();
		}
	};
	const writesUpdates = options.mode !== 'insert';
	const deletes = options.mode === 'mirror';
	const rows = target.query(new CopyOutRows(stageDiffSql(plan, stage, options.hashMethod), keyCount + 1));
	let nextReport = 65_536;
	try {
		while (rows.next() || (await refill(rows))) {
			const state = rows.buffer.readInt16BE(rows.fieldStart[keyCount]!);
			if (state === RowState.Insert) {
				counts.insert++;
				counts.sourceRows++;
				digests.insert.add(rows);
				remember(result.insertKeys, rows);
			} else if (state === RowState.Delete) {
				counts.targetRows++;
				if (deletes) {
					counts.delete++;
					digests.delete.add(rows);
					remember(result.deleteKeys, rows);
				}
			} else {
				counts.sourceRows++;
				counts.targetRows++;
				const differs = state === RowState.Differs;
				if (differs) {
					counts.differing++;
					digests.update.add(rows);
				}
				if (differs && writesUpdates) {
					counts.update++;
					remember(result.updateKeys, rows);
				} else counts.skip++;
			}
			if (options.onKeysRead && rows.rowCount >= nextReport) {
				options.onKeysRead(counts.sourceRows + counts.targetRows);
				nextReport += 65_536;
			}
		}
	} catch (error) {
		rows.abandon();
		throw error;
	}
	counts.digests = {insert: digests.insert.toString(), update: digests.update.toString(), delete: digests.delete.toString()};
	return result;
}
