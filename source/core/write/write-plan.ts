import type {SyncMode, SyncPlan, TablePlan} from '../plan/types.js';
import type {TableCounts} from '../events.js';
import {quoteIdent} from '../catalog/names.js';
import {updatesColumns} from '../sql/write-statements.js';

/**
 * How one table's rows are written (DESIGN §5): `direct-copy` (the target table is empty: COPY
 * straight into it, no diff and no stage); `key-lists` (few changes: the listed keys' rows, missing
 * ones COPYed straight in where they can be, the rest through a stage); `whole-table` (many changes,
 * or more keys than can be listed: the whole source table staged, then set-based statements);
 * `nothing` (no rows to insert or update).
 */
export type WritePath = 'direct-copy' | 'key-lists' | 'whole-table' | 'nothing';

/** Which source rows a COPY moves: every row, or the rows of the keys the diff listed for one kind. */
export type RowSet = 'all' | 'insert-keys' | 'update-keys';

/**
 * How a statement joining the stage to the table finds rows (see withIndexJoins): `probe`, index
 * probes from a small key-listed stage; `merge`, both key indexes walked in step (whole table, ordered).
 */
export type IndexJoin = 'probe' | 'merge';

/**
 * One statement of a table's write, as data a renderer turns into SQL (renderStatement for the
 * apply; a reviewable script can render the same values). `rows`: how many rows it must change
 * (the apply rolls back on any other number, see expectWritten); `as-read` for a COPY of every row
 * into an empty table, which must keep each row it reads.
 */
export type WriteStatement =
	| {kind: 'create-stage'}
	| {kind: 'copy'; into: 'table' | 'stage'; source: RowSet; orderedByKey: boolean; rows: number | 'as-read'}
	| {kind: 'index-stage'}
	| {kind: 'remember-new-keys'}
	| {kind: 'insert'; rows: number; join?: IndexJoin}
	| {kind: 'update'; rows: number; join?: IndexJoin; exceptNewRows: boolean}
	| {kind: 'delete'; by: 'stage' | 'keys'; rows: number};

/** One table's write, decided before any of it runs: what the apply executes and the preview forecasts from. */
export interface TableWritePlan {
	table: string;
	path: WritePath;
	/** `pg_temp."…"`, qualified: the write transaction runs under the role's search_path. */
	stage: string;
	/** Rows the write must change, per kind. */
	rows: {insert: number; update: number; delete: number};
	/** Inserts and updates, in order: parents' tables are written before children's. */
	statements: WriteStatement[];
	/** The mirror's deletes, run in a second pass, children's tables first. */
	deletes: WriteStatement[];
}

/** What the write of one table depends on, known once its diff is (or, for an empty target, before). */
export interface WriteInput {
	/** The table's position in the plan: names its TEMP tables. */
	index: number;
	mode: SyncMode;
	hashMethod: SyncPlan['hashMethod'];
	counts: Pick<TableCounts, 'insert' | 'update' | 'delete' | 'sourceRows' | 'targetRows'>;
	/** The diff listed the keys (false past maxListedKeys: then the whole table is staged). */
	keysListed: boolean;
	/** The target table holds no row, looked at inside the write transaction (the preview: its count). */
	targetEmpty: boolean;
}

/** Above this share of changed rows, one whole-table COPY into a stage beats many key lists. */
export const fullCopyRatio = 0.3;
/** Below this share of the target's rows, a staged key list is joined by index probes (see withIndexJoins). */
export const indexJoinRatio = 0.2;

/**
 * Decides how `table` is written: the path, its statements in order and the rows each must change.
 * Pure: the same input gives the same plan, in the preview (its counts) and in the apply (its own
 * diff inside the write transaction).
 */
export function planTableWrite(table: TablePlan, input: WriteInput): TableWritePlan {
	const {counts, keysListed} = input;
	const stage = `pg_temp.${quoteIdent(`pgconvoy_stage_${input.index}`)}`;
	const rows = {insert: counts.insert, update: counts.update, delete: input.mode === 'mirror' ? counts.delete : 0};
	const plan = (path: WritePath, statements: WriteStatement[], deletes: WriteStatement[] = []): TableWritePlan => ({
		table: table.id,
		path,
		stage,
		rows,
		statements,
		deletes,
	});
	// COPY FROM refuses a table whose rows row-level security checks for this role: those go through INSERT … SELECT.
	if (input.targetEmpty && !table.target.rowSecurityActive)
		return plan('direct-copy', [{kind: 'copy', into: 'table', source: 'all', orderedByKey: false, rows: 'as-read'}]);
	const update = counts.update > 0 && updatesColumns(table);
	const deletesByKey: WriteStatement[] = rows.delete > 0 ? [{kind: 'delete', by: 'keys', rows: rows.delete}] : [];
	if (copiesWholeTable(table, counts, keysListed)) {
		const toWrite = counts.insert + counts.update;
		// Only a mirror that could not list its deletes still needs the whole source staged.
		if (toWrite === 0 && !(rows.delete > 0 && !keysListed)) return plan('nothing', [], deletesByKey);
		// In key order, then indexed on the key: the stage and the table are joined by walking both key
		// indexes in step (a merge join), so the table's rows are visited and updated in order.
		const ordered = keyIndexed(table, 'target') && keyIndexed(table, 'source');
		const join = ordered ? 'merge' : undefined;
		return plan(
			'whole-table',
			[
				{kind: 'create-stage'},
				{kind: 'copy', into: 'stage', source: 'all', orderedByKey: ordered, rows: counts.sourceRows},
				...(ordered ? [{kind: 'index-stage'} as const] : []),
				// The rows about to be inserted, for the update to leave alone (a BEFORE trigger may change them).
				...(counts.insert > 0 && update ? [{kind: 'remember-new-keys'} as const] : []),
				...(counts.insert > 0 ? [{kind: 'insert', rows: counts.insert, join} as const] : []),
				...(update ? [{kind: 'update', rows: counts.update, join, exceptNewRows: counts.insert > 0} as const] : []),
			],
			keysListed ? deletesByKey : rows.delete > 0 ? [{kind: 'delete', by: 'stage', rows: rows.delete}] : [],
		);
	}
	// Rows the target lacks go straight into the table, unless a row may reference another new row of
	// the same table in a later chunk (a self-referencing key), or row-level security applies: then
	// they go through the stage in one INSERT.
	const direct = !selfReferencing(table) && !table.target.rowSecurityActive;
	const staged: Array<'insert-keys' | 'update-keys'> = [
		...(!direct && counts.insert > 0 ? ['insert-keys' as const] : []),
		...(counts.update > 0 ? ['update-keys' as const] : []),
	];
	const stagedRows = (direct ? 0 : counts.insert) + counts.update;
	const join = stagedRows <= indexJoinRatio * counts.targetRows && keyIndexed(table, 'target') ? 'probe' : undefined;
	const insertFromStage = !direct && counts.insert > 0;
	const statements: WriteStatement[] = [
		...(direct && counts.insert > 0
			? [{kind: 'copy', into: 'table', source: 'insert-keys', orderedByKey: false, rows: counts.insert} as const]
			: []),
		...(staged.length > 0 ? [{kind: 'create-stage'} as const] : []),
		...staged.map(
			(source): WriteStatement => ({
				kind: 'copy',
				into: 'stage',
				source,
				orderedByKey: false,
				rows: source === 'insert-keys' ? counts.insert : counts.update,
			}),
		),
		...(insertFromStage && update ? [{kind: 'remember-new-keys'} as const] : []),
		...(insertFromStage ? [{kind: 'insert', rows: counts.insert, join} as const] : []),
		...(update ? [{kind: 'update', rows: counts.update, join, exceptNewRows: insertFromStage} as const] : []),
	];
	return plan(statements.length > 0 ? 'key-lists' : 'nothing', statements, deletesByKey);
}

/** Whether the write stages rows in a TEMP table (which needs TEMP on the database). */
export const usesStage = (write: TableWritePlan) =>
	[...write.statements, ...write.deletes].some((statement) => statement.kind === 'create-stage');

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
function copiesWholeTable(
	table: TablePlan,
	counts: Pick<TableCounts, 'insert' | 'update' | 'sourceRows'>,
	keysListed: boolean,
): boolean {
	return (
		!keysListed || (counts.insert + counts.update > fullCopyRatio * counts.sourceRows && !missingEnumLabels(table))
	);
}

/** A row may reference another new row of the same table: new rows then go through the stage in one INSERT. */
function selfReferencing(table: TablePlan): boolean {
	return table.target.foreignKeys.some((fk) => fk.references === table.id);
}

/** That side has a unique index on exactly the key columns: rows can be found, and read in key order, through it. */
function keyIndexed(table: TablePlan, side: 'source' | 'target'): boolean {
	return table[side].uniqueKeys.some(
		(key) => key.columns.length === table.key.length && key.columns.every((name) => table.key.includes(name)),
	);
}
