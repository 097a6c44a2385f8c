import type {Finding} from './findings.js';
import type {SyncMode} from './modes.js';

/** What deleting rows of one table does to rows that reference them, in one referencing table. */
export interface DeleteReach {
	/** The table whose rows are deleted first (the mirror's table, or a table a cascade reached). */
	from: string;
	/** The referencing table, in any schema. */
	table: string;
	constraint: string;
	action: 'cascade' | 'set null' | 'set default' | 'restrict';
	/** For `restrict`: why the delete would be refused (a referencing key, or SET NULL into a NOT NULL column). */
	refusal?: 'referenced' | 'not-null';
	rows: number;
}

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
	/**
	 * Which keys: a digest of the keys to insert, update (or, in insert mode, that differ) and
	 * delete, in key order. The drift guard compares them, not only the counts (see KeyDigest).
	 */
	digests?: {insert: string; update: string; delete: string};
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
	/** A rehearsal: everything was written, then rolled back (`committed` is false). */
	rehearsed?: boolean;
	/** Rows of tables outside the selection that mirror deletes changed through ON DELETE actions (allowed with allowCascade). */
	cascaded?: DeleteReach[];
	committed: boolean;
	tables: TableResult[];
	/** The undo journal this run kept (`pgconvoy undo <id>` takes it back). */
	journal?: {id: string; file: string};
	/** Why no journal was kept although one was asked for (an old server): this run cannot be undone. */
	journalSkipped?: string;
	ms: number;
}

/** What one table's apply is busy with; see the `apply-table-activity` event. */
export type ApplyPhase = 'comparing' | 'copying' | 'merging';

/** Everything the engine tells its UI while it works. Both the wizard and headless mode consume these. */
export type SyncEvent =
	| {type: 'preview-table-started'; table: string}
	| {type: 'preview-table-finished'; counts: TableCounts}
	| {type: 'apply-started'; tables: string[]}
	| {type: 'apply-table-started'; table: string; rowsToWrite: number}
	| {type: 'apply-table-progress'; table: string; rowsWritten: number; rowsToWrite: number}
	/**
	 * Work inside one table's apply, so long phases never look stalled. `comparing`: keys read from
	 * both sides (`total` = both sides' row estimates); `copying`: rows streamed into the target;
	 * `merging`: set-based statements done (`total` = statements planned). Emitted often; coalesce.
	 */
	| {type: 'apply-table-activity'; table: string; phase: ApplyPhase; done: number; total: number}
	/** The preview's compare of one table: keys read from both sides against both row estimates. */
	| {type: 'preview-table-progress'; table: string; keysRead: number; keysEstimated: number}
	| {type: 'apply-table-finished'; result: TableResult}
	| {type: 'apply-phase'; phase: 'deleting' | 'sequences' | 'committing'}
	| {type: 'apply-finished'; result: SyncResult};

export type SyncEventListener = (event: SyncEvent) => void;
