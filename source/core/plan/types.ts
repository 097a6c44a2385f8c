import type {Column, Comparison, Table} from '../catalog/types.js';
import type {Finding} from '../findings.js';
import type {SyncMode} from '../modes.js';

// Findings and modes sit beside events.ts, which speaks of them too; they are the plan's words as well.
export {isBlocked, type Finding, type Severity} from '../findings.js';
export {syncModes, type SyncMode} from '../modes.js';

export interface ColumnPlan {
	name: string;
	/** Same type on both sides and built-in: may cross as binary COPY. */
	binarySafe: boolean;
	/**
	 * How both sides compare it (see Comparison): the target's way, the source's values first cast
	 * to the target's type (`sourceCast`) so they compare as the target will store them. A type
	 * that exists only on the target cannot be cast to on the source: then both compare as text.
	 */
	comparison: Comparison;
	/** The target type the source's values are cast to before comparing, when the types differ. */
	sourceCast?: string;
	/** Part of the row comparison: false only for a non-key GENERATED ALWAYS identity, which no UPDATE may set. */
	compared: boolean;
	source: Column;
	target: Column;
	key: boolean;
}

export interface TablePlan {
	id: string;
	source: Table;
	target: Table;
	/** Key column names, in key order. */
	key: string[];
	keySource: 'primary key' | 'unique index' | '--key';
	/** Columns written and compared: on both sides, not generated on the target. Key columns first. */
	columns: ColumnPlan[];
	overridingSystemValue: boolean;
}

export interface SyncOptions {
	mode: SyncMode;
	/** Mirror guard: the largest share of a table's rows a mirror may delete (0..1, at most 6 decimals). */
	maxDeleteRatio: number;
	/** Mirror guard given as a row count (`--max-delete 10`): the most rows a mirror may delete per table; replaces the share. */
	maxDeleteRows?: number;
	/** Mirror guard: allow deleting every row of a table whose source side is empty. */
	allowEmptySource: boolean;
	/** Mirror: let deletes cascade (ON DELETE CASCADE / SET NULL / SET DEFAULT) into tables outside the selection. */
	allowCascade: boolean;
	/** `--key table=col,...` for tables without a usable key. */
	keys: Record<string, string[]>;
	lockTimeoutMs: number;
	statementTimeoutMs: number;
}

export interface SyncPlan {
	options: SyncOptions;
	/** Tables in write order (parents first). Deletes run in the reverse order. */
	tables: TablePlan[];
	/** Constraint names (quoted, schema-qualified tables are not needed) to SET CONSTRAINTS ... DEFERRED. */
	deferredConstraints: string[];
	findings: Finding[];
	/** How rows are compared: hash_record_extended when both servers share a major version ≥ 14. */
	hashMethod: 'record' | 'text';
}
