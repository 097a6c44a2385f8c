import type {Catalog} from '../catalog/types.js';
import {parseTableReference, tableId} from '../catalog/names.js';
import {UserError} from '../errors.js';

export interface TableSelection {
	/** Table references as typed (`users`, `public.users`); empty means every table of the source. */
	tables: string[];
	exclude: string[];
}

/** Turns typed table references into source table ids; an unknown name is a usage error naming what exists. */
export function selectTables(source: Catalog, selection: TableSelection): string[] {
	const resolve = (reference: string) => resolveTableReference(source, reference);
	const excluded = new Set(selection.exclude.filter(Boolean).map(resolve));
	const chosen =
		selection.tables.filter(Boolean).length > 0
			? selection.tables.filter(Boolean).map(resolve)
			: [...source.tables.keys()];
	return [...new Set(chosen)].filter((id) => !excluded.has(id));
}

/**
 * `--key table=col,...` with each table resolved like --tables (so `users` and `public.users` are
 * one), keyed by table id. An unknown table or column is a usage error, never silently ignored.
 */
export function resolveKeyOption(source: Catalog, keys: Record<string, string[]>): Record<string, string[]> {
	const resolved: Record<string, string[]> = {};
	for (const [reference, columns] of Object.entries(keys)) {
		let id: string;
		try {
			id = resolveTableReference(source, reference);
		} catch (error) {
			if (!(error instanceof UserError)) throw error;
			throw new UserError(error.code, `--key ${reference}=${columns.join(',')}: ${error.message}`, error.hint);
		}
		const table = source.tables.get(id)!;
		const unknown = columns.filter((name) => !table.columns.some((column) => column.name === name));
		if (unknown.length > 0) {
			throw new UserError(
				'usage',
				`--key ${reference}: ${id} has no column ${unknown.join(', ')} in the source.`,
				`Its columns: ${table.columns.map((column) => column.name).join(', ')}.`,
			);
		}
		resolved[id] = columns;
	}
	return resolved;
}

/** One typed table reference → the source table's id; unknown, ambiguous or not a table is a usage error. */
function resolveTableReference(source: Catalog, reference: string): string {
	const {schema, name} = parseTableReference(reference.trim());
	const matches = [...source.tables.values()].filter(
		(table) => table.name === name && (schema === undefined || table.schema === schema),
	);
	if (matches.length === 1) return matches[0]!.id;
	if (matches.length > 1) {
		throw new UserError(
			'usage',
			`Table "${reference}" exists in several schemas: ${matches.map((table) => table.id).join(', ')}.`,
			'Qualify it with its schema, e.g. --tables ' + matches[0]!.id,
		);
	}
	const relation = source.otherRelations.find(
		(other) => other.name === name && (schema === undefined || other.schema === schema),
	);
	if (relation) {
		const kind = {v: 'a view', m: 'a materialized view', f: 'a foreign table'}[relation.relkind];
		throw new UserError(
			'usage',
			`${relation.id} is ${kind} in the source database ${source.database}: only tables are synced.`,
			'Sync the tables it reads from instead (a materialized view can be refreshed on the target: REFRESH MATERIALIZED VIEW).',
		);
	}
	const wanted = schema ? tableId(schema, name) : name;
	throw new UserError(
		'usage',
		`Table ${wanted} was not found in the source database ${source.database}.`,
		'Check the name (names are matched exactly, including case) and --schema; `pgconvoy sync --from ... --to ... --dry-run` lists the tables it reads.',
	);
}
