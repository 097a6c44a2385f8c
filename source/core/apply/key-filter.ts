import type {TablePlan} from '../plan/types.js';
import {quoteIdent, quoteLiteral} from '../catalog/names.js';
import {keyColumnSql} from '../diff/key-order.js';
import type {Side} from '../diff/table-diff-sql.js';

/** `{"a","b\"c"}`: a PostgreSQL array literal of text values. */
function arrayLiteral(values: string[]): string {
	return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

/**
 * A WHERE condition matching exactly these keys, inlined (COPY takes no bind parameters) as typed
 * array literals so the key index is used: `k = ANY('{...}'::int[])`, or `(a, b) IN (unnest(...))`.
 */
export function keyFilter(plan: TablePlan, side: Side, keys: string[][], alias = ''): string {
	const keyColumns = plan.columns.filter((column) => column.key);
	const parts = keyColumns.map((column, index) => {
		const asText = keyColumnSql(column).select.endsWith('::text');
		const type = asText ? 'text' : side === 'source' ? column.source.type : column.target.type;
		return {
			expression: `${alias}${quoteIdent(column.name)}${asText ? '::text' : ''}`,
			array: `${quoteLiteral(arrayLiteral(keys.map((key) => key[index]!)))}::${type}[]`,
		};
	});
	if (parts.length === 1) return `${parts[0]!.expression} = ANY(${parts[0]!.array})`;
	return `(${parts.map((part) => part.expression).join(', ')}) IN (SELECT * FROM unnest(${parts.map((part) => part.array).join(', ')}))`;
}

export function* chunked<T>(items: T[], size: number): Generator<T[]> {
	for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
