import type pg from 'pg';
import {plural} from '../counts.js';
import type {Catalog} from '../catalog/types.js';
import type {Finding, SyncMode, TablePlan} from '../plan/types.js';
import type {TableCounts} from '../events.js';
import {quoteIdent, quoteLiteral} from '../catalog/names.js';
import {usesStage, type TableWritePlan} from '../write/write-plan.js';
import {chunked, keyFilter} from '../sql/key-filter.js';
import {tableOnly} from '../sql/value-forms.js';

/**
 * What this table's writes need that the target would refuse, known from the counts and the write
 * plan before anything is written: the INSERT, UPDATE or DELETE privilege for the rows to write,
 * TEMP where the plan stages rows, and enum labels the source's rows use that the target's enum lacks (also inside arrays).
 * Each is a blocking finding naming the fix; the preview reports them, the apply refuses on them.
 */
export async function writeForecasts(
	table: TablePlan,
	counts: TableCounts,
	write: TableWritePlan,
	mode: SyncMode,
	target: Catalog,
	source: pg.ClientBase,
	writeKeys?: () => string[][],
): Promise<Finding[]> {
	const findings: Finding[] = [];
	const role = target.role;
	const needed: Array<[keyof TablePlan['target']['privileges'], number]> = [
		['insert', counts.insert],
		['update', mode === 'insert' ? 0 : counts.update],
		['delete', mode === 'mirror' ? counts.delete : 0],
	];
	for (const [privilege, rows] of needed) {
		if (rows === 0 || table.target.privileges[privilege]) continue;
		findings.push({
			table: table.id,
			severity: 'blocking',
			code: 'target-privilege',
			message: `The sync would ${privilege} ${plural(rows, 'row')} in ${table.id}, but the target role ${role} has no ${privilege.toUpperCase()} on it.`,
			hint: `On the target: GRANT ${privilege.toUpperCase()} ON ${table.id} TO ${role};`,
		});
	}
	if (!target.canCreateTemp && usesStage(write)) {
		findings.push({
			table: table.id,
			severity: 'blocking',
			code: 'target-temp-privilege',
			message: `Writing ${table.id} stages rows in a TEMP table, but the target role ${role} may not create temporary tables in ${target.database}.`,
			hint: `On the target: GRANT TEMP ON DATABASE ${quoteIdent(target.database)} TO ${role};`,
		});
	}
	if (counts.insert + (mode === 'insert' ? 0 : counts.update) > 0)
		findings.push(...(await enumLabelFindings(table, source, writeKeys)));
	return findings;
}

/**
 * Rows to write holding an enum label the target's enum type lacks: they cannot be written. Only
 * the rows the mode writes count (`writeKeys`, when the diff listed them; else every source row).
 * The keys are read only when a label is missing: a large list is not materialised for nothing.
 */
async function enumLabelFindings(
	table: TablePlan,
	source: pg.ClientBase,
	writeKeys: (() => string[][]) | undefined,
): Promise<Finding[]> {
	const findings: Finding[] = [];
	for (const column of table.columns) {
		const targetLabels = column.target.enumLabels;
		if (!targetLabels || !column.source.enumLabels) continue;
		const missing = column.source.enumLabels.filter((label) => !targetLabels.includes(label));
		if (missing.length === 0) continue;
		const labels = `ARRAY[${missing.map(quoteLiteral).join(', ')}]::text[]`;
		const uses = column.source.isArray
			? `${quoteIdent(column.name)}::text[] && ${labels}`
			: `${quoteIdent(column.name)}::text = ANY(${labels})`;
		let rows = 0;
		const used = new Set<string>();
		// The labels the rows to write really use (each counted once per row), not every label the target lacks.
		const labelsOf = column.source.isArray
			? `ARRAY(SELECT DISTINCT l FROM pg_catalog.unnest(${quoteIdent(column.name)}::text[]) l WHERE l = ANY(${labels}))`
			: `ARRAY[${quoteIdent(column.name)}::text]`;
		for (const keys of writeKeys ? chunked(writeKeys(), 10_000) : [undefined]) {
			const written = keys ? ` AND ${keyFilter(table, 'source', keys)}` : '';
			rows += Number(
				(
					await source.query<{rows: string}>(
						`SELECT count(*)::text AS rows FROM ${tableOnly(table, 'source')} WHERE ${uses}${written}`,
					)
				).rows[0]!.rows,
			);
			const found = await source.query<{label: string}>(
				`SELECT DISTINCT l AS label FROM ${tableOnly(table, 'source')}, pg_catalog.unnest(${labelsOf}) AS l WHERE l = ANY(${labels}) AND ${uses}${written}`,
			);
			for (const row of found.rows) used.add(row.label);
		}
		if (rows === 0) continue;
		const type = column.target.type.replace(/\[\]$/, '');
		const absent = missing.filter((label) => used.has(label));
		findings.push({
			table: table.id,
			severity: 'blocking',
			code: 'enum-label-missing',
			message: `${plural(rows, 'source row')} of ${table.id} use${rows === 1 ? 's' : ''} ${absent.map((label) => `'${label}'`).join(', ')} in ${column.name}, which the target's enum type ${type} lacks.`,
			hint: `Run your migrations on the target (${absent.map((label) => `ALTER TYPE ${type} ADD VALUE ${quoteLiteral(label)};`).join(' ')}), then sync again.`,
		});
	}
	return findings;
}
