import type {ColumnPlan} from '../plan/types.js';
import {valueAs, type Side} from './value-forms.js';

/**
 * How one key column is selected, ordered by the server and compared in Node so that both sides
 * agree on one total order: integers numerically, everything else by the bytes of its text form
 * under COLLATE "C" (uuid's native order is already its byte order).
 */
export type KeyOrder = 'integer' | 'bytes';

/** What a key field looks like in binary COPY: a big-endian integer, 16 uuid bytes, or text bytes. */
export type KeyWire = 'integer' | 'uuid' | 'text';

export interface KeyColumnSql {
	select: string;
	orderBy: string;
	order: KeyOrder;
	wire: KeyWire;
}

/**
 * How one side selects and orders a key column so that both sides agree on one total order and
 * keys match the way the target's unique index matches them: exactly for types whose equality is
 * identity, else through a canonical text form (citext by lower(), numeric without trailing zeros,
 * -0 as 0). The source's values are first cast to the target's type where the types differ.
 */
export function keyColumnSql(column: ColumnPlan, side: Side, alias = ''): KeyColumnSql {
	const value = valueAs(column, alias, side);
	const target = column.target;
	const native = column.comparison !== 'text' && target.equalImage;
	if (native && target.integer) return {select: value, orderBy: value, order: 'integer', wire: 'integer'};
	if (native && target.type === 'uuid') return {select: value, orderBy: value, order: 'bytes', wire: 'uuid'};
	if (native && target.textLike && target.type !== 'character')
		return {select: value, orderBy: `${value} COLLATE "C"`, order: 'bytes', wire: 'text'};
	const text = canonicalKeyText(column, value) ?? `(${value})::text`;
	return {select: text, orderBy: `${text} COLLATE "C"`, order: 'bytes', wire: 'text'};
}

/** The canonical text of an inexactly-compared key value (see KeyCanonical); undefined for exact types. */
export function canonicalKeyText(column: ColumnPlan, value: string): string | undefined {
	if (column.target.equalImage || column.comparison === 'text') return undefined;
	switch (column.target.keyCanonical) {
		case 'lower':
			return `pg_catalog.lower((${value})::text)`;
		case 'trim-scale':
			return `pg_catalog.trim_scale(${value})::text`;
		case 'float-zero':
			return `CASE WHEN ${value} = 0 THEN '0' ELSE (${value})::text END`;
		case undefined:
			return undefined;
	}
}

/**
 * Compares two key fields as binary COPY sends them (length -1 is NULL, which sorts last like the
 * server's ORDER BY). Integers: same-width big-endian two's complement, so the first byte compares
 * signed and the rest unsigned. Bytes: unsigned lexicographic, then shorter first (COLLATE "C").
 */
export function compareKeyField(
	order: KeyOrder,
	a: Buffer,
	aStart: number,
	aLength: number,
	b: Buffer,
	bStart: number,
	bLength: number,
): number {
	if (aLength < 0 || bLength < 0) return aLength < 0 ? (bLength < 0 ? 0 : 1) : -1;
	let index = 0;
	if (order === 'integer' && aLength === bLength && aLength > 0) {
		const first = ((a[aStart]! << 24) >> 24) - ((b[bStart]! << 24) >> 24);
		if (first !== 0) return first;
		index = 1;
	}
	const common = aLength < bLength ? aLength : bLength;
	if (common > 64) {
		const result = a.compare(b, bStart + index, bStart + common, aStart + index, aStart + common);
		return result !== 0 ? result : aLength - bLength;
	}
	for (; index < common; index++) {
		const difference = a[aStart + index]! - b[bStart + index]!;
		if (difference !== 0) return difference;
	}
	return aLength - bLength;
}

/** The text form of a key field, as the key filter's typed array literal takes it. */
export function keyFieldText(wire: KeyWire, buffer: Buffer, start: number, length: number): string {
	if (wire === 'integer') {
		if (length === 8) return buffer.readBigInt64BE(start).toString();
		if (length === 4) return String(buffer.readInt32BE(start));
		if (length === 2) return String(buffer.readInt16BE(start));
	}
	if (wire === 'uuid' && length === 16) {
		const hex = buffer.toString('hex', start, start + 16);
		return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	}
	return buffer.toString('utf8', start, start + length);
}
