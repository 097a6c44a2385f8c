import type pg from 'pg';
import type {SyncPlan, TablePlan} from '../plan/types.js';
import {KeyList} from '../diff/key-list.js';
import {keyFilter} from '../sql/key-filter.js';
import {equality, tableName, tableOnly} from '../sql/value-forms.js';
import {changedRowsCondition} from '../sql/write-statements.js';
import type {JournalRecorder} from '../journal/journal-recorder.js';
import type {SnapshotReader} from '../journal/snapshot-reader.js';
import {columnList, type TableShape} from '../journal/table-shape.js';
import {indexJoinRatio, type IndexJoin} from '../write/write-plan.js';
import {withIndexJoins} from './index-joins.js';

// Each key-listed COPY costs a source query with an inline array and a COPY FROM round trip; 50k keys
// (at most a few MB of literal for uuid keys) spread that: 100k missing rows copy in 0.98–1.05 s instead of 1.09–1.56 s.
export const keysPerStatement = 50_000;

/** The journal of a run, and the session that reads rows as they were before it. */
export interface Journaling {
	recorder: JournalRecorder;
	/** Undefined without triggers, or when no second session could be had: old rows are then read in the write transaction. */
	beforeRun: SnapshotReader | undefined;
	/** Triggers may change rows after the statement that wrote them: fingerprints are read at the end. */
	afterTriggers: boolean;
}

/**
 * Old rows are read by key through the snapshot from before the run while the keys are few, or a
 * small share of the table; past that, key lists cost far more than the write's own join (every row
 * of 1M changed: 25 s by 20 key lists against about 10 s for the sync without a journal).
 */
export const readByKey = (keys: number, tableRows: number) =>
	keys <= Math.max(indexJoinRatio * tableRows, keysPerStatement);

/** One table's INSERT and UPDATE statements, run so that the journal keeps what it needs of each. */
export interface TableStatements {
	/**
	 * One INSERT or UPDATE from the stage (the table aliased `t`), through the key indexes if `join`
	 * says so; with a journal, the same statement keeps the keys it wrote (RETURNING). Returns the rows written.
	 */
	write(kind: 'inserted' | 'updated', sql: string, join?: IndexJoin): Promise<number>;
	/**
	 * Rows COPYed in, which no statement returned: the journal finds them when the writes are done
	 * (`where`, a condition on the table read as `t`). Without triggers nothing else writes those rows
	 * in this transaction: the key suffices, and the undo tells a row changed since by its xmin.
	 */
	inserted(where?: string): void;
	/**
	 * Before the upsert's UPDATE: the rows it will change, into the journal. A key list (see readByKey)
	 * is read through the snapshot from before the run; otherwise through the UPDATE's own join.
	 */
	oldRows(
		rows: KeyList | {stage: string; hashMethod: SyncPlan['hashMethod']; join: IndexJoin | undefined},
	): Promise<void>;
}

export async function tableStatements(
	target: pg.ClientBase,
	table: TablePlan,
	journaling: Journaling | undefined,
): Promise<TableStatements> {
	if (!journaling) {
		return {
			write: async (_, sql, join) => (await withIndexJoins(target, join, () => target.query(sql))).rowCount ?? 0,
			inserted: () => {},
			oldRows: async () => {},
		};
	}
	const {recorder: journal, afterTriggers, beforeRun} = journaling;
	const shape: TableShape = await journal.table(target, table.id, tableName(table, 'target'), {
		key: {
			columns: table.key,
			equality: table.key.map((name) => equality(table.columns.find((column) => column.name === name)!, 'target')),
		},
	});
	const keys = columnList(shape.key, 't');
	return {
		async write(kind, sql, join) {
			// Nothing can change the row after this statement: its RETURNING row is what COMMIT keeps.
			if (!afterTriggers)
				return withIndexJoins(target, join, () =>
					journal.capture(
						target,
						{table: table.id, kind},
						`${sql} RETURNING ${keys}, ${journal.fingerprintSql(shape, 't')}`,
					),
				);
			const statement = (await journal.writtenKeys(target, shape, kind)).returning(sql);
			return (await withIndexJoins(target, join, () => target.query(statement))).rowCount ?? 0;
		},
		inserted(where = 'true') {
			journal.defer(
				{table: table.id, kind: 'inserted'},
				`SELECT ${keys}, ${afterTriggers ? journal.fingerprintSql(shape, 't') : 'NULL::text'} FROM ${tableOnly(table, 'target')} AS t WHERE ${where}`,
			);
		},
		async oldRows(rows) {
			const section = {table: table.id, kind: 'before-update'} as const;
			const columns = columnList(
				shape.columns.map((column) => column.name),
				't',
			);
			if (rows instanceof KeyList) {
				for (const chunk of rows.chunks(keysPerStatement))
					await journal.capture(
						beforeRun?.client ?? target,
						section,
						`SELECT ${columns} FROM ${tableOnly(table, 'target')} AS t WHERE ${keyFilter(table, 'target', chunk, 't.')}`,
					);
				return;
			}
			const changed = changedRowsCondition(table, rows.hashMethod);
			if (!changed) return;
			await withIndexJoins(target, rows.join, () =>
				journal.capture(
					target,
					section,
					`SELECT ${columns} FROM ${tableOnly(table, 'target')} AS t JOIN ${rows.stage} s ON ${changed}`,
				),
			);
		},
	};
}
