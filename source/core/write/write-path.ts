import type {TablePlan} from '../plan/types.js';
import type {TableCounts} from '../events.js';

/** Above this share of changed rows, one whole-table COPY into a stage beats many key lists. */
export const fullCopyRatio = 0.3;

/**
 * Enum columns whose source type has labels the target's lacks: rows to write must be checked for
 * them, and the whole table must not be staged (rows that are not written could not be parsed).
 */
export function missingEnumLabels(table: TablePlan): boolean {
	return table.columns.some((column) =>
		column.source.enumLabels?.some((label) => column.target.enumLabels && !column.target.enumLabels.includes(label)),
	);
}

/** Whether the apply copies the whole source table into a stage rather than the listed keys' rows. */
export function copiesWholeTable(
	table: TablePlan,
	counts: Pick<TableCounts, 'insert' | 'update' | 'sourceRows'>,
	keysListed: boolean,
): boolean {
	return (
		!keysListed || (counts.insert + counts.update > fullCopyRatio * counts.sourceRows && !missingEnumLabels(table))
	);
}

/** A row may reference another new row of the same table: new rows then go through the stage in one INSERT. */
export function selfReferencing(table: TablePlan): boolean {
	return table.target.foreignKeys.some((fk) => fk.references === table.id);
}

/**
 * Whether the apply will stage this table's rows in a TEMP table (see applySync's writeTable): an
 * empty target gets a direct COPY, missing rows of a table that does not reference itself are
 * COPYed straight in, and everything else (updates, whole-table copies) goes through a stage.
 */
export function needsStage(
	table: TablePlan,
	counts: Pick<TableCounts, 'insert' | 'update' | 'delete' | 'sourceRows' | 'targetRows'>,
): boolean {
	const rowsToWrite = counts.insert + counts.update;
	// COPY FROM refuses a table under row-level security for the role: every insert goes through a stage.
	if (table.target.rowSecurityActive) return rowsToWrite > 0;
	if (counts.targetRows === 0) return false;
	if (copiesWholeTable(table, counts, true)) return true;
	return counts.update > 0 || (counts.insert > 0 && selfReferencing(table));
}
