import type {ColumnPlan} from '../plan/types.js';
import {quoteIdent} from '../catalog/names.js';

/**
 * How one key column is selected, ordered by the server and compared in Node so that both sides
 * agree on one total order: integers numerically, everything else by the bytes of its text form
 * under COLLATE "C" (uuid's native order is already its lowercase-hex byte order).
 */
export type KeyOrder = 'integer' | 'bytes';

export interface KeyColumnSql {
	select: string;
	orderBy: string;
	order: KeyOrder;
}

export function keyColumnSql(column: ColumnPlan, alias = ''): KeyColumnSql {
	const name = alias + quoteIdent(column.name);
	const sameType = column.source.type === column.target.type;
	if (sameType && column.source.integer) return {select: name, orderBy: name, order: 'integer'};
	if (sameType && column.source.type === 'uuid') return {select: name, orderBy: name, order: 'bytes'};
	if (sameType && column.source.textLike && column.source.type !== 'character') return {select: name, orderBy: `${name} COLLATE "C"`, order: 'bytes'};
	return {select: `${name}::text`, orderBy: `${name}::text COLLATE "C"`, order: 'bytes'};
}

/** Compares two integers given as decimal text of any length (bigint keys beyond 2^53 included). */
export function compareIntegerText(a: Buffer, b: Buffer): number {
	const aNegative = a[0] === 0x2d;
	const bNegative = b[0] === 0x2d;
	if (aNegative !== bNegative) return aNegative ? -1 : 1;
	const magnitude = a.length !== b.length ? a.length - b.length : Buffer.compare(a, b);
	return aNegative ? -magnitude : magnitude;
}
