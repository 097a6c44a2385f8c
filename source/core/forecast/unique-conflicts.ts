import type pg from 'pg';
import {plural} from '../counts.js';
import type {Finding, TablePlan} from '../plan/types.js';
import {quoteIdent} from '../catalog/names.js';
import {chunked, keyFilter, typedArray} from '../sql/key-filter.js';
import {equality, tableOnly} from '../sql/value-forms.js';

const keysPerQuery = 10_000;
const examplesShown = 3;

/** A unique index other than the key, on written columns: rows written may collide on it. */
export function hasSecondaryUnique(table: TablePlan): boolean {
	const written = new Set(table.columns.map((column) => column.name));
	return table.target.uniqueIndexes.some(
		(index) =>
			!index.deferrable &&
			index.columns.every((name) => written.has(name)) &&
			!(index.columns.length === table.key.length && index.columns.every((name) => table.key.includes(name))),
	);
}

/**
 * Rows about to be inserted or updated whose values in a unique index other than the key already
 * belong to another target row: two environments made different rows for the same natural key
 * (the classic local → production trap), or two rows swap such values (a non-deferrable unique
 * index is checked row by row, so a swap fails too). The index's own equality decides, as it
 * would (citext, NULLS NOT DISTINCT). The findings name the index and the rows' keys, never the
 * values, which are often e-mail addresses.
 */
export async function uniqueConflictFindings(
	table: TablePlan,
	writeKeys: string[][],
	source: pg.ClientBase,
	target: pg.ClientBase,
): Promise<Finding[]> {
	const findings: Finding[] = [];
	if (writeKeys.length === 0) return findings;
	const written = new Set(table.columns.map((column) => column.name));
	const keyColumns = table.columns.filter((column) => column.key);
	for (const index of table.target.uniqueIndexes) {
		if (index.deferrable || !index.columns.every((name) => written.has(name))) continue;
		if (index.columns.length === table.key.length && index.columns.every((name) => table.key.includes(name))) continue;
		const indexColumns = index.columns.map((name) => table.columns.find((column) => column.name === name)!);
		let count = 0;
		const examples: string[] = [];
		for (const keys of chunked(writeKeys, keysPerQuery)) {
			const rows = (
				await source.query({
					text: `SELECT ${[...keyColumns, ...indexColumns].map((column) => `${quoteIdent(column.name)}::text`).join(', ')} FROM ${tableOnly(table, 'source')} WHERE ${keyFilter(table, 'source', keys)}`,
					rowMode: 'array',
				})
			).rows as Array<Array<string | null>>;
			if (rows.length === 0) continue;
			const all = [...keyColumns, ...indexColumns];
			const arrays = all.map((column, position) =>
				typedArray(
					rows.map((row) => row[position] ?? null),
					column.target.type,
				),
			);
			const names = all.map((_, position) => `v${position}`);
			// The index's own equality (citext: case-insensitive), qualified: the preview pins search_path.
			const same = indexColumns
				.map((column, position) => {
					const [left, right] = [`t.${quoteIdent(column.name)}`, `v.v${keyColumns.length + position}`];
					const equal = `${left} ${equality(column, 'target')} ${right}`;
					return index.nullsNotDistinct ? `(${equal} OR (${left} IS NULL AND ${right} IS NULL))` : equal;
				})
				.join(' AND ');
			const otherRow = `NOT (${keyColumns.map((column, position) => `t.${quoteIdent(column.name)} ${equality(column, 'target')} v.v${position}`).join(' AND ')})`;
			const result = await target.query<{count: string; examples: string[] | null}>(
				`SELECT count(*)::text AS count,
				        (array_agg('(' || concat_ws(', ', ${keyColumns.map((_, position) => `v.v${position}::text`).join(', ')}) || ') against the target row (' || concat_ws(', ', ${keyColumns.map((column) => `t.${quoteIdent(column.name)}::text`).join(', ')}) || ')'))[1:${examplesShown}] AS examples
				   FROM unnest(${arrays.join(', ')}) AS v(${names.join(', ')})
				   JOIN ${tableOnly(table, 'target')} t ON ${same}
				  WHERE ${otherRow}`,
			);
			count += Number(result.rows[0]!.count);
			for (const example of result.rows[0]!.examples ?? []) if (examples.length < examplesShown) examples.push(example);
		}
		if (count === 0) continue;
		findings.push({
			table: table.id,
			severity: 'blocking',
			code: 'unique-conflict',
			message: `${plural(count, 'row')} to write in ${table.id} would collide on the unique index ${index.name} (${index.columns.join(', ')}): another target row already holds the same value${index.columns.length > 1 ? 's' : ''}. Keys (${table.key.join(', ')}): ${examples.join('; ')}.`,
			hint: 'The two databases made different rows for the same values: decide which row is right, fix or remove the other (on the target or in the source), then sync again.',
		});
	}
	return findings;
}
