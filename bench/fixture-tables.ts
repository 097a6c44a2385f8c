/**
 * Scenario 8's data: public.t's rows split by id range over many tables of the same shape, on the
 * source, and the same tables with 10% changed as a template on the target. A set of many tables and
 * its one-table twin hold the same rows, so the difference between them is what the tables cost.
 */
import type {EmbeddedCluster} from '../source/support/embedded-cluster.js';
import {changed10, generateSql, tableDdl, type Template} from './fixture.js';
import {type Servers, sql, withClient} from './servers.js';

export interface TableSet {
	/** The source database. */
	database: string;
	/** The target's starting state: the same tables, every 10th id changed. */
	template: Template;
	/** Tables of schema public and their id ranges; together ids 1..rows, as public.t holds them. */
	tables: Array<{name: string; first: number; last: number}>;
}

/**
 * `rows` ids split into `count` tables of equal size (`t_001`, `t_002`…; `t` when there is one), so
 * that every table holds a tenth of changed rows. Throws when the rows do not split that way.
 */
export function splitTables(database: string, template: Template, rows: number, count: number): TableSet {
	const each = rows / count;
	if (!Number.isInteger(each) || each % 10 !== 0)
		throw new Error(`${rows} rows do not split into ${count} tables of a multiple of 10 rows each`);
	const width = String(count).length;
	return {
		database,
		template,
		tables: Array.from({length: count}, (_, index) => ({
			name: count === 1 ? 't' : `t_${String(index + 1).padStart(width, '0')}`,
			first: index * each + 1,
			last: (index + 1) * each,
		})),
	};
}

/** Creates `database` on `cluster` with every table of `set` generated, keyed and, when asked, 10% changed. */
async function createTables(cluster: EmbeddedCluster, database: string, set: TableSet, change: boolean): Promise<void> {
	await sql(cluster, 'postgres', `CREATE DATABASE ${database}`);
	await withClient(cluster, database, async (client) => {
		for (const {name, first, last} of set.tables)
			await client.query(
				[
					tableDdl(name),
					generateSql(first, last, name),
					`ALTER TABLE public.${name} ADD PRIMARY KEY (id)`,
					...(change ? [changed10(name)] : []),
				].join(';\n'),
			);
		// VACUUM runs outside a transaction block, so once for the whole database.
		if (change) await client.query('VACUUM FULL');
		await client.query('VACUUM (FREEZE, ANALYZE)');
	});
	await sql(cluster, 'postgres', 'CHECKPOINT');
}

/**
 * The set's source database and its target template. The target's rows are generated there by the
 * same deterministic SQL rather than copied (one COPY pipe per table would cost more than the data);
 * every run's fingerprint check proves the two sides agree after a sync.
 */
export async function prepareTableSet(servers: Servers, set: TableSet): Promise<void> {
	await createTables(servers.source, set.database, set, false);
	await createTables(servers.target, set.template, set, true);
}
