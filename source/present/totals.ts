import type {SyncResult, TableCounts} from '../core/events.js';

/** Totals over the tables of a preview (what would change). */
export function sumCounts(tables: TableCounts[]) {
	return tables.reduce(
		(totals, table) => ({
			insert: totals.insert + table.insert,
			update: totals.update + table.update,
			skip: totals.skip + table.skip,
			delete: totals.delete + table.delete,
		}),
		{insert: 0, update: 0, skip: 0, delete: 0},
	);
}

/** Totals over the tables of an apply (what changed). */
export function sumResults(result: SyncResult) {
	return result.tables.reduce(
		(totals, table) => ({
			inserted: totals.inserted + table.inserted,
			updated: totals.updated + table.updated,
			skipped: totals.skipped + table.skipped,
			deleted: totals.deleted + table.deleted,
		}),
		{inserted: 0, updated: 0, skipped: 0, deleted: 0},
	);
}

/** True when a preview would write nothing at all. */
export function changesNothing(tables: TableCounts[]): boolean {
	const totals = sumCounts(tables);
	return totals.insert + totals.update + totals.delete === 0;
}
