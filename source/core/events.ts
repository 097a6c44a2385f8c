import type {Finding, SyncMode} from './plan/types.js';

/** Dry-run counts for one table. */
export interface TableCounts {
	table: string;
	insert: number;
	update: number;
	/** Keys in both sides that will not be written. */
	skip: number;
	delete: number;
	/** Keys in both sides whose content differs (what `insert` mode leaves stale). */
	differing: number;
	sourceRows: number;
	targetRows: number;
}

export interface PreviewResult {
	mode: SyncMode;
	tables: TableCounts[];
	findings: Finding[];
}

export interface TableResult {
	table: string;
	inserted: number;
	updated: number;
	skipped: number;
	deleted: number;
	ms: number;
}

export interface SyncResult {
	mode: SyncMode;
	committed: boolean;
	tables: TableResult[];
	ms: number;
}

/** Everything the engine tells its UI while it works. Both the wizard and headless mode consume these. */
export type SyncEvent =
	| {type: 'preview-table-started'; table: string}
	| {type: 'preview-table-finished'; counts: TableCounts}
	| {type: 'apply-started'; tables: string[]}
	| {type: 'apply-table-started'; table: string; rowsToWrite: number}
	| {type: 'apply-table-progress'; table: string; rowsWritten: number; rowsToWrite: number}
	| {type: 'apply-table-finished'; result: TableResult}
	| {type: 'apply-phase'; phase: 'deleting' | 'sequences' | 'committing'}
	| {type: 'apply-finished'; result: SyncResult};

export type SyncEventListener = (event: SyncEvent) => void;
