import type {SyncPlan, TablePlan} from '../plan/types.js';
import {quoteIdent} from '../catalog/names.js';
import {comparedColumn, tableName} from '../diff/table-diff-sql.js';

const keyMatch = (plan: TablePlan, left: string, right: string) =>
	plan.key.map((name) => `${left}.${quoteIdent(name)} = ${right}.${quoteIdent(name)}`).join(' AND ');

/** Inserts the staged rows whose key the target lacks. Runs before the update so updated rows may point at new ones. */
export function insertMissingSql(plan: TablePlan, stage: string): string {
	const columns = plan.columns.map((column) => quoteIdent(column.name)).join(', ');
	const overriding = plan.overridingSystemValue ? ' OVERRIDING SYSTEM VALUE' : '';
	return `INSERT INTO ${tableName(plan, 'target')} AS t (${columns})${overriding} SELECT ${plan.columns.map((column) => `s.${quoteIdent(column.name)}`).join(', ')} FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM ${tableName(plan, 'target')} t WHERE ${keyMatch(plan, 't', 's')})`;
}

/** Updates only rows that really differ, compared the same way the diff hashed them, so counts agree. */
export function updateChangedSql(plan: TablePlan, stage: string, hashMethod: SyncPlan['hashMethod']): string | undefined {
	const values = plan.columns.filter((column) => !column.key && column.target.identity !== 'a');
	if (values.length === 0) return undefined;
	const targetRow = values.map((column) => comparedColumn(column, 't.', hashMethod)).join(', ');
	const stageRow = values.map((column) => comparedColumn(column, 's.', hashMethod)).join(', ');
	return `UPDATE ${tableName(plan, 'target')} AS t SET ${values.map((column) => `${quoteIdent(column.name)} = s.${quoteIdent(column.name)}`).join(', ')} FROM ${stage} s WHERE ${keyMatch(plan, 't', 's')} AND ROW(${targetRow}) IS DISTINCT FROM ROW(${stageRow})`;
}

/** Mirror with the whole source staged: delete target rows whose key is not among them. */
export function deleteMissingFromStageSql(plan: TablePlan, stage: string): string {
	return `DELETE FROM ${tableName(plan, 'target')} AS t WHERE NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(plan, 't', 's')})`;
}

export function createStageSql(plan: TablePlan, stage: string): string {
	const columns = plan.columns.map((column) => quoteIdent(column.name)).join(', ');
	// ON COMMIT DROP: the stage lives exactly as long as the sync transaction, on either outcome.
	return `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${columns} FROM ${tableName(plan, 'target')} WITH NO DATA`;
}
