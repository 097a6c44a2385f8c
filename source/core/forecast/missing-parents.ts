import type pg from 'pg';
import {plural} from '../counts.js';
import type {Catalog, ForeignKey, Table} from '../catalog/types.js';
import type {Finding, TablePlan} from '../plan/types.js';
import {qualifiedName, quoteIdent} from '../catalog/names.js';
import {chunked, keyFilter, typedArray} from '../sql/key-filter.js';
import {tableOnly} from '../sql/value-forms.js';

const keysPerQuery = 10_000;
const examplesShown = 3;

/**
 * The rows about to be written that reference a parent table outside the selection: do their
 * parents exist on the target? A missing one would make the sync fail, so the preview says so
 * first, naming the table, the key and the parent.
 */
export async function findMissingParents(
	plan: TablePlan,
	selected: Set<string>,
	target: Catalog,
	writeKeys: string[][],
	source: pg.ClientBase,
	targetClient: pg.ClientBase,
): Promise<Finding[]> {
	const findings: Finding[] = [];
	if (writeKeys.length === 0) return findings;
	for (const fk of plan.target.foreignKeys) {
		if (fk.references === plan.id || selected.has(fk.references)) continue;
		const parent = target.tables.get(fk.references);
		if (!parent || !fk.columns.every((name) => plan.columns.some((column) => column.name === name))) continue;
		const missing = await missingParentValues(plan, fk, parent, writeKeys, source, targetClient);
		if (missing.count === 0) continue;
		const example = missing.examples.map((values) => `(${fk.columns.join(', ')})=(${values.join(', ')})`).join(', ');
		findings.push({
			table: plan.id,
			severity: 'blocking',
			code: 'missing-parent',
			parent: fk.references,
			message: `${plan.id}: ${plural(missing.count, 'parent value')} referenced by rows to write ${missing.count === 1 ? 'is' : 'are'} missing in ${fk.references} on the target (${fk.name}), e.g. ${example}.`,
			hint: `Add ${fk.references} to the tables so its rows go first, or fix those rows in the source.`,
		});
	}
	return findings;
}

async function missingParentValues(
	plan: TablePlan,
	fk: ForeignKey,
	parent: Table,
	writeKeys: string[][],
	source: pg.ClientBase,
	target: pg.ClientBase,
): Promise<{count: number; examples: string[][]}> {
	const referenced = new Map<string, Array<string | null>>();
	const selectValues = fk.columns.map((name) => `${quoteIdent(name)}::text`).join(', ');
	const notNull = fk.columns.map((name) => `${quoteIdent(name)} IS NOT NULL`).join(' AND ');
	for (const keys of chunked(writeKeys, keysPerQuery)) {
		const result = await source.query({
			text: `SELECT DISTINCT ${selectValues} FROM ${tableOnly(plan, 'source')} WHERE ${notNull} AND ${keyFilter(plan, 'source', keys)}`,
			rowMode: 'array',
		});
		for (const row of result.rows as Array<Array<string | null>>) referenced.set(JSON.stringify(row), row);
	}
	if (referenced.size === 0) return {count: 0, examples: []};

	const types = fk.referencedColumns.map(
		(name) => parent.columns.find((column) => column.name === name)?.type ?? 'text',
	);
	let count = 0;
	const examples: string[][] = [];
	for (const values of chunked([...referenced.values()], keysPerQuery)) {
		const arrays = types.map((type, index) =>
			typedArray(
				values.map((row) => row[index] ?? null),
				type,
			),
		);
		const names = fk.referencedColumns.map((_, index) => `v${index}`);
		const match = fk.referencedColumns
			.map(
				(name, index) =>
					`p.${quoteIdent(name)} ${parent.columns.find((column) => column.name === name)?.equalityOperator ?? '='} v.${names[index]}`,
			)
			.join(' AND ');
		const result = await target.query<{count: string; examples: string[][] | null}>(
			`SELECT count(*)::text AS count, (array_agg(ARRAY[${names.map((name) => `v.${name}::text`).join(', ')}]))[1:${examplesShown}] AS examples
			   FROM unnest(${arrays.join(', ')}) AS v(${names.join(', ')})
			  WHERE NOT EXISTS (SELECT 1 FROM ${parent.partitioned ? '' : 'ONLY '}${qualifiedName(parent.schema, parent.name)} p WHERE ${match})`,
		);
		count += Number(result.rows[0]!.count);
		for (const example of result.rows[0]!.examples ?? []) if (examples.length < examplesShown) examples.push(example);
	}
	return {count, examples};
}
