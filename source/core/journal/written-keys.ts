import type pg from 'pg';
import {quoteIdent} from '../catalog/names.js';
import {columnList, keyMatchOf, rowFingerprintSql, scanOf, type TableShape} from './table-shape.js';

/**
 * The keys of the rows one statement kind wrote into one table in this transaction, with each row's
 * fingerprint as that statement left it, in a TEMP table (dropped at COMMIT). Fingerprints for the
 * journal are read from the rows only at the end of the transaction (see JournalRecorder.finish):
 * a later statement's trigger may still change a row this one wrote (a counter cache on a parent).
 */
export class WrittenKeys {
	private constructor(
		readonly shape: TableShape,
		readonly kind: 'inserted' | 'updated',
		/** `pg_temp."…"`. */
		readonly table: string,
	) {}

	static async create(
		client: pg.ClientBase,
		shape: TableShape,
		kind: 'inserted' | 'updated',
		name: string,
	): Promise<WrittenKeys> {
		const table = `pg_temp.${quoteIdent(name)}`;
		await client.query(
			`CREATE TEMP TABLE ${table} ON COMMIT DROP AS SELECT ${columnList(shape.key)}, NULL::text AS fingerprint FROM ${scanOf(shape)} WITH NO DATA`,
		);
		return new WrittenKeys(shape, kind, table);
	}

	/**
	 * `sql` (an INSERT or UPDATE of the table aliased `t`) rewritten to keep the keys and fingerprints
	 * of the rows it writes, as a data-modifying WITH: its row count is the rows written.
	 */
	returning(sql: string): string {
		return `WITH written AS (${sql} RETURNING ${columnList(this.shape.key, 't')}, ${rowFingerprintSql(this.shape, 't')}) INSERT INTO ${this.table} SELECT * FROM written`;
	}

	/** Rows of the table written so far, as `t`: `FROM scan t WHERE <this>`. */
	rows(alias: string): string {
		return `EXISTS (SELECT 1 FROM ${this.table} w WHERE ${keyMatchOf(this.shape, alias, 'w')})`;
	}
}
