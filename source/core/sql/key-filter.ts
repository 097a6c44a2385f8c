import type {TablePlan} from '../plan/types.js';
import {quoteLiteral} from '../catalog/names.js';
import {canonicalKeyText, keyColumnSql} from './key-order.js';
import {equality, valueAs, type Side} from './value-forms.js';

/**
 * A WHERE condition matching exactly these keys (as the diff listed them), inlined (COPY takes no
 * bind parameters) as typed array literals so the key index is used: `k = ANY('{...}'::int[])`, or
 * `(a, b) IN (unnest(...))`. A key listed in canonical form (citext lowered, numeric trimmed) is
 * matched with the type's own equality, which is what the canonical form stands for.
 */
export function keyFilter(plan: TablePlan, side: Side, keys: string[][], alias = ''): string {
	const keyColumns = plan.columns.filter((column) => column.key);
	const parts = keyColumns.map((column, index) => {
		const key = keyColumnSql(column, side, alias);
		const value = valueAs(column, alias, side);
		const ownType = side === 'source' && !column.sourceCast ? column.source.type : column.target.type;
		const canonical = canonicalKeyText(column, value) !== undefined;
		const exactText = key.wire === 'text' && !canonical && key.select !== value;
		return {
			operator: exactText ? '=' : equality(column, side),
			expression: exactText ? key.select : value,
			array: typedArray(
				keys.map((values) => values[index]!),
				exactText ? 'text' : ownType,
			),
		};
	});
	if (parts.length === 1) return `${parts[0]!.expression} ${parts[0]!.operator} ANY(${parts[0]!.array})`;
	const names = parts.map((_, index) => `k${index}`);
	return `EXISTS (SELECT 1 FROM unnest(${parts.map((part) => part.array).join(', ')}) AS keys(${names.join(', ')}) WHERE ${parts.map((part, index) => `${part.expression} ${part.operator} keys.${names[index]}`).join(' AND ')})`;
}

/** `'{"a",NULL}'::type[]`: a typed array literal of text values (NULL for null), for inline use. */
export function typedArray(values: Array<string | null>, type: string): string {
	const elements = values.map((value) =>
		value === null ? 'NULL' : `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`,
	);
	return `${quoteLiteral(`{${elements.join(',')}}`)}::${type}[]`;
}

export function* chunked<T>(items: T[], size: number): Generator<T[]> {
	for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
