/**
 * Scenario 8, many tables (issue 23): real syncs have tens to hundreds of tables, and each costs a
 * catalog read, a plan, a diff and a write of its own.
 * - 8d / 8u: `--rows` rows split over `--many-tables` tables (200 × 5,000 at 1M), 10% changed, exact
 *   dry run and upsert, each against its one-table twin (scenarios 2 and 4's runs, the same rows in
 *   public.t) timed in the same rounds: goal ≤ 1.3 × the twin.
 * - 8fd / 8fu: 200 tables of 10 rows against one table of the same 2,000 rows: what one more table
 *   costs, in ms, with the data out of the way.
 * - 8j<N>: 8d's dry run with N diff readers (`--jobs N`), for how the diff scales from 1 to N readers.
 */
import {splitTables, type TableSet} from './fixture-tables.js';
import {applied, exactDryRun10, expectTables, preview, type Scenario, upsert10} from './scenarios.js';

/** The flag the diff's readers will take: pg_dump's and pg_restore's name for parallel workers. */
export const readersFlag = '--jobs';

export const tinySet = splitTables('src_tiny', 'tpl_tiny_changed10', 2000, 200);
export const tinyTwinSet = splitTables('src_tiny1', 'tpl_tiny1_changed10', 2000, 1);

export function manySet(rows: number, tables: number): TableSet {
	return splitTables('src_many', 'tpl_many_changed10', rows, tables);
}

/** A dry run and an upsert over every table of `set`, each table 10% changed. */
function overSet(set: TableSet, label: string): {dryRun: Scenario; upsert: Scenario} {
	const count = set.tables.length;
	const each = set.tables[0]!.last - set.tables[0]!.first + 1;
	const tenth = each / 10;
	const tables = count === 1 ? 'one table' : `${count} tables`;
	const on = {
		rows: count * each,
		template: set.template,
		source: set.database,
		tables: [],
		mode: 'upsert' as const,
		goals: [],
		peers: [],
	};
	return {
		dryRun: {
			...on,
			id: `${label}d`,
			name: `exact dry run, ${tables} of ${each.toLocaleString('en')} rows, 10% changed`,
			dryRun: true,
			check: (r) => expectTables(r, preview(0, tenth, each - tenth, 0), count),
		},
		upsert: {
			...on,
			id: `${label}u`,
			name: `upsert, ${tables} of ${each.toLocaleString('en')} rows, 10% changed`,
			dryRun: false,
			check: (r) => expectTables(r, applied(0, tenth, each - tenth, 0), count),
		},
	};
}

const twinOf = (scenario: Scenario, name: string): Scenario['twin'] => ({name, scenario});

/**
 * 8d, 8u, 8fd, 8fu and one 8j<N> per reader count; `rows` must split into `tables` tables of a
 * multiple of 10 rows each.
 */
export function manyTableScenarios(rows: number, tables: number, readers: number[]): Scenario[] {
	const many = overSet(manySet(rows, tables), '8');
	const tiny = overSet(tinySet, '8f');
	const tinyTwin = overSet(tinyTwinSet, '8f1');
	const oneTable = 'the same rows in one table';
	return [
		{
			...many.dryRun,
			fixture: 'many',
			goals: [{against: 'twin', max: 1.3}],
			twin: twinOf({...exactDryRun10(rows), id: '8d-twin', goals: []}, oneTable),
		},
		{
			...many.upsert,
			fixture: 'many',
			goals: [{against: 'twin', max: 1.3}],
			twin: twinOf({...upsert10(rows), id: '8u-twin', goals: []}, oneTable),
		},
		{
			...tiny.dryRun,
			fixture: 'tiny',
			twin: twinOf(tinyTwin.dryRun, 'one table of the same 2,000 rows'),
			extraTables: tinySet.tables.length - 1,
		},
		{
			...tiny.upsert,
			fixture: 'tiny',
			twin: twinOf(tinyTwin.upsert, 'one table of the same 2,000 rows'),
			extraTables: tinySet.tables.length - 1,
		},
		...readers.map(
			(count): Scenario => ({
				...many.dryRun,
				id: `8j${count}`,
				name: `${many.dryRun.name}, ${count} reader${count === 1 ? '' : 's'} (${readersFlag} ${count})`,
				fixture: 'many',
				request: {flags: [readersFlag, String(count)]},
			}),
		),
	];
}
