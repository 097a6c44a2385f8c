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
	const resolve = (reference: string): string => {
		const {schema, name} = parseTableReference(reference.trim());
		const matches = [...source.tables.values()].filter((table) => table.name === name && (schema === undefined || table.schema === schema));
		if (matches.length === 1) return matches[0]!.id;
		if (matches.length > 1) {
			throw new UserError('usage', `Table "${reference}" exists in several schemas: ${matches.map((table) => table.id).join(', ')}.`, 'Qualify it with its schema, e.g. --tables ' + matches[0]!.id);
		}
		const wanted = schema ? tableId(schema, name) : name;
		throw new UserError(
			'usage',
			`Table ${wanted} was not found in the source database ${source.database}.`,
			'Check the name (names are matched exactly, including case) and --schema; `pgconvoy sync --from ... --to ... --dry-run` lists the tables it reads.',
		);
	};
	const excluded = new Set(selection.exclude.filter(Boolean).map(resolve));
	const chosen = selection.tables.filter(Boolean).length > 0 ? selection.tables.filter(Boolean).map(resolve) : [...source.tables.keys()];
	return [...new Set(chosen)].filter((id) => !excluded.has(id));
}
