import type {SyncPlan, TablePlan} from '../plan/types.js';
import {quoteIdent} from '../catalog/names.js';
import {formatCount, plural} from '../counts.js';
import {keyFilter} from '../sql/key-filter.js';
import {tableName, tableOnly} from '../sql/value-forms.js';
import {
	createStageSql,
	deleteMissingFromStageSql,
	exceptNewRows,
	indexStageSql,
	insertMissingSql,
	rememberNewKeysSql,
	updateChangedSql,
} from '../sql/write-statements.js';
import type {TableWritePlan, WriteStatement} from './write-plan.js';

/** `pg_temp."pgconvoy_new_<n>"`: the keys a table's INSERT from its stage added (see remember-new-keys). */
export const newKeysTable = (write: TableWritePlan) => write.stage.replace('pgconvoy_stage_', 'pgconvoy_new_');

/**
 * The SQL of one statement of `write`, as the apply runs it on the target (a COPY's two ends are
 * copyRows' to build: see copySql). `keys`: for a statement by key list, the chunk it runs for.
 * Throws for a statement with nothing to run (an update of a table without updatable columns is never planned).
 */
export function statementSql(
	table: TablePlan,
	write: TableWritePlan,
	statement: Exclude<WriteStatement, {kind: 'copy'}>,
	hashMethod: SyncPlan['hashMethod'],
	keys?: string[][],
): string {
	switch (statement.kind) {
		case 'create-stage':
			return createStageSql(table, write.stage);
		case 'index-stage':
			return indexStageSql(table, write.stage);
		case 'remember-new-keys':
			return rememberNewKeysSql(table, write.stage, newKeysTable(write));
		case 'insert':
			return insertMissingSql(table, write.stage);
		case 'update': {
			const update = updateChangedSql(table, write.stage, hashMethod);
			if (!update) throw new Error(`${table.id} has no column an update sets.`);
			return statement.exceptNewRows ? exceptNewRows(update, table, newKeysTable(write)) : update;
		}
		case 'delete':
			return statement.by === 'stage'
				? deleteMissingFromStageSql(table, write.stage)
				: `DELETE FROM ${tableOnly(table, 'target')} WHERE ${keyFilter(table, 'target', keys ?? [])}`;
	}
}

/** A COPY's two ends: what the source sends (`where`: a key chunk's filter) and where the target takes it. */
export function copySql(
	table: TablePlan,
	write: TableWritePlan,
	statement: Extract<WriteStatement, {kind: 'copy'}>,
): {into: string; orderBy: string | undefined} {
	return {
		into: statement.into === 'table' ? tableName(table, 'target') : write.stage,
		orderBy: statement.orderedByKey ? table.key.map((name) => quoteIdent(name)).join(', ') : undefined,
	};
}

const sources: Record<Extract<WriteStatement, {kind: 'copy'}>['source'], string> = {
	all: 'every source row',
	'insert-keys': 'the source rows of the keys to insert',
	'update-keys': 'the source rows of the keys to update',
};

/** One line per statement: what it does and the rows it must change. */
function describeStatement(write: TableWritePlan, statement: WriteStatement): string {
	const join = (how: 'probe' | 'merge' | undefined) =>
		how === 'probe' ? ' (index probes)' : how === 'merge' ? ' (both key indexes in step)' : '';
	switch (statement.kind) {
		case 'create-stage':
			return `CREATE TEMP TABLE ${write.stage} (the stage)`;
		case 'copy':
			return `COPY ${sources[statement.source]} into ${statement.into === 'table' ? write.table : 'the stage'}${statement.orderedByKey ? ' in key order' : ''}: ${statement.rows === 'as-read' ? 'each row read is kept' : plural(statement.rows, 'row')}`;
		case 'index-stage':
			return 'CREATE INDEX on the stage (key), ANALYZE';
		case 'remember-new-keys':
			return 'remember the keys about to be inserted (the update leaves them alone)';
		case 'insert':
			return `INSERT the staged rows the target lacks: ${plural(statement.rows, 'row')}${join(statement.join)}`;
		case 'update':
			return `UPDATE the rows that differ from the stage: ${plural(statement.rows, 'row')}${join(statement.join)}`;
		case 'delete':
			return `DELETE the rows the source lacks (${statement.by === 'stage' ? 'not in the stage' : 'by key list'}): ${plural(statement.rows, 'row')}`;
	}
}

const paths: Record<TableWritePlan['path'], string> = {
	'direct-copy': 'the target table is empty: COPY straight into it',
	'key-lists': 'by key lists',
	'whole-table': 'the whole source table staged, then set-based statements',
	nothing: 'nothing to insert or update',
};

/**
 * The plan as lines people read: `public.users: by key lists (+200 ~50 -0)`, then one numbered line
 * per statement, the mirror's deletes last (they run after every table's inserts and updates).
 */
export function describeWritePlan(write: TableWritePlan): string[] {
	const {insert, update, delete: deleted} = write.rows;
	return [
		`${write.table}: ${paths[write.path]} (+${formatCount(insert)} ~${formatCount(update)} -${formatCount(deleted)})`,
		...[...write.statements, ...write.deletes].map(
			(statement, index) => `  ${index + 1}. ${describeStatement(write, statement)}`,
		),
	];
}
