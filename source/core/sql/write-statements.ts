import type {SyncPlan, TablePlan} from '../plan/types.js';
import {quoteIdent} from '../catalog/names.js';
import {comparedColumn, equality, tableName, tableOnly} from './value-forms.js';

/** Rows with the same key, by the target key's own equality (citext: case-insensitive), as its unique index matches. */
export const keyMatch = (plan: TablePlan, left: string, right: string) =>
	plan.columns
		.filter((column) => column.key)
		.map(
			(column) =>
				`${left}.${quoteIdent(column.name)} ${equality(column, 'target')} ${right}.${quoteIdent(column.name)}`,
		)
		.join(' AND ');

/** Inserts the staged rows whose key the target lacks. Runs before the update so updated rows may point at new ones. */
export function insertMissingSql(plan: TablePlan, stage: string): string {
	const columns = plan.columns.map((column) => quoteIdent(column.name)).join(', ');
	const overriding = plan.overridingSystemValue ? ' OVERRIDING SYSTEM VALUE' : '';
	return `INSERT INTO ${tableName(plan, 'target')} AS t (${columns})${overriding} SELECT ${plan.columns.map((column) => `s.${quoteIdent(column.name)}`).join(', ')} FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM ${tableOnly(plan, 'target')} t WHERE ${keyMatch(plan, 't', 's')})`;
}

/**
 * Updates only rows that really differ, compared in the same exact forms the diff hashed (the stage
 * holds the target's types, so both sides of the comparison are the target's), so counts agree.
 * Key columns whose equality is not identity (citext) are set too: 'alice' becomes 'Alice'.
 */
export function updateChangedSql(
	plan: TablePlan,
	stage: string,
	hashMethod: SyncPlan['hashMethod'],
): string | undefined {
	const changed = changedRowsCondition(plan, hashMethod);
	if (!changed) return undefined;
	return `UPDATE ${tableOnly(plan, 'target')} AS t SET ${updatedColumns(plan)
		.map((column) => `${quoteIdent(column.name)} = s.${quoteIdent(column.name)}`)
		.join(', ')} FROM ${stage} s WHERE ${changed}`;
}

/** The columns an update sets: compared ones, and keys whose equality is not identity (citext). */
const updatedColumns = (plan: TablePlan) =>
	plan.columns.filter((column) => column.compared && (!column.key || !column.target.equalImage));

/** Whether an update has any column to set (a table of keys alone has none). */
export const updatesColumns = (plan: TablePlan) => updatedColumns(plan).length > 0;

/**
 * Table row `t` and stage row `s` have the same key and differ: exactly the rows updateChangedSql
 * updates (the undo journal reads their old values with it first). Undefined when nothing can differ.
 */
export function changedRowsCondition(plan: TablePlan, hashMethod: SyncPlan['hashMethod']): string | undefined {
	const differ = rowsDiffer(plan, hashMethod, 't', 's');
	return differ && `${keyMatch(plan, 't', 's')} AND ${differ}`;
}

/**
 * Table row `left` and stage row `right` (same key) differ in a column an update sets, compared in
 * their exact forms; undefined when nothing can differ. The apply's UPDATE and the stage diff share it.
 */
export function rowsDiffer(
	plan: TablePlan,
	hashMethod: SyncPlan['hashMethod'],
	left: string,
	right: string,
): string | undefined {
	const values = updatedColumns(plan);
	if (values.length === 0) return undefined;
	const leftRow = values.map((column) => comparedColumn(column, `${left}.`, 'target', hashMethod)).join(', ');
	const rightRow = values.map((column) => comparedColumn(column, `${right}.`, 'target', hashMethod)).join(', ');
	return `ROW(${leftRow}) IS DISTINCT FROM ROW(${rightRow})`;
}

/** Mirror with the whole source staged: delete target rows whose key is not among them. */
export function deleteMissingFromStageSql(plan: TablePlan, stage: string): string {
	return `DELETE FROM ${tableOnly(plan, 'target')} AS t WHERE NOT EXISTS (SELECT 1 FROM ${stage} s WHERE ${keyMatch(plan, 't', 's')})`;
}

export function createStageSql(plan: TablePlan, stage: string): string {
	const columns = plan.columns.map((column) => quoteIdent(column.name)).join(', ');
	// ON COMMIT DROP: the stage lives exactly as long as the sync transaction, on either outcome.
	return `CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${columns} FROM ${tableOnly(plan, 'target')} WITH NO DATA`;
}

/** The stage in key order, indexed on the key and analysed: both key indexes can then be walked in step. */
export function indexStageSql(plan: TablePlan, stage: string): string {
	return `CREATE INDEX ON ${stage} (${plan.key.map((name) => quoteIdent(name)).join(', ')}); ANALYZE ${stage}`;
}

/** The keys the INSERT from the stage is about to add, into `keys`, for the UPDATE after it to leave alone. */
export function rememberNewKeysSql(plan: TablePlan, stage: string, keys: string): string {
	const columns = plan.key.map((name) => `s.${quoteIdent(name)}`).join(', ');
	return `CREATE TEMP TABLE ${keys} ON COMMIT DROP AS SELECT ${columns} FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM ${tableOnly(plan, 'target')} t WHERE ${keyMatch(plan, 't', 's')})`;
}

/**
 * The UPDATE after an INSERT from the same stage must leave the rows just inserted alone: a BEFORE
 * trigger may have changed them (`updated_at := now()`), and they would then look changed.
 */
export function exceptNewRows(update: string, plan: TablePlan, newKeys: string): string {
	return `${update} AND NOT EXISTS (SELECT 1 FROM ${newKeys} n WHERE ${keyMatch(plan, 't', 'n')})`;
}
