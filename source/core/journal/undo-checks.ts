import type pg from 'pg';
import type {Endpoint} from '../connection/endpoint.js';
import {displayIdent, quoteIdent} from '../catalog/names.js';
import {UserError} from '../errors.js';
import type {JournalEntry, JournalRun, JournalTable} from './journal-format.js';
import {journalDirectory, journalFrames, listJournals, undoneRuns} from './journal-store.js';
import {settlePendingJournals} from './settle-journals.js';
import {readTableShape, type TableShape} from './table-shape.js';

/**
 * What an undo checks before it writes: the journal file whole, the run not undone already, the
 * tables still shaped as the run wrote them, the privileges the undo needs. Each refuses before
 * anything on the target is changed.
 */

/** Decompresses the whole journal and checks its frames: a damaged or cut-off file is refused before anything is locked. */
export async function checkJournalFile(entry: JournalEntry): Promise<void> {
	let open = false;
	try {
		for await (const frame of journalFrames(entry.file)) {
			if (frame.type === 'S') {
				if (open) throw new Error('a section starts inside another');
				open = true;
			} else if (frame.type === 'E') {
				if (!open) throw new Error('a section ends that never started');
				open = false;
			} else if (!open) throw new Error('data outside a section');
		}
		if (open) throw new Error('the last section never ends');
	} catch (error) {
		throw new UserError(
			'config',
			`The journal of run ${entry.run.id} (${entry.file}) is damaged: ${(error as Error).message}. Nothing was done on the target.`,
			'A journal cut short or edited cannot be undone; restore the file from a backup if you have one.',
		);
	}
}

/**
 * Under the undo's advisory lock: journals of this target another process left pending are settled
 * first (a concurrent undo of the same run that has just committed), then a run already undone is refused.
 */
export async function refuseIfUndone(
	configDirectory: string,
	target: pg.ClientBase,
	identity: string,
	run: JournalRun,
): Promise<void> {
	const directory = journalDirectory(configDirectory);
	await settlePendingJournals(directory, target, identity);
	const entries = listJournals(directory);
	const by = undoneRuns(entries).get(run.id);
	if (by)
		throw new UserError(
			'usage',
			`Run ${run.id} is already undone (by ${by}).`,
			`To put its changes back, undo the undo: pgconvoy undo ${by}.`,
		);
	const inFlight = entries.find((entry) => entry.state === 'pending' && entry.run.undoes === run.id);
	if (inFlight)
		throw new UserError(
			'usage',
			`Run ${run.id} is being undone by ${inFlight.run.id}, whose outcome is not settled yet.`,
			'Wait for it, then look at pgconvoy history.',
		);
}

/** What the undo will do needs these privileges on each table, and TEMP to load the journal: refused before anything is locked. */
export async function checkPrivileges(target: pg.ClientBase, tables: UndoTable[], force: boolean): Promise<void> {
	const needed = tables.map((table) => ({
		table,
		privileges: [
			...(table.journaled.deleted > 0 || (force && table.journaled.updated > 0) ? ['INSERT'] : []),
			...(table.journaled.updated > 0 || (force && table.journaled.deleted > 0) ? ['UPDATE'] : []),
			...(table.journaled.inserted > 0 ? ['DELETE'] : []),
			'SELECT',
		],
	}));
	const result = await target.query<{missing: string[][]; temp: boolean; role: string; database: string}>(
		`SELECT coalesce((SELECT array_agg(ARRAY[n.relation, n.privilege]) FROM unnest($1::text[], $2::text[]) AS n(relation, privilege) WHERE NOT pg_catalog.has_table_privilege(n.relation, n.privilege)), '{}') AS missing,
		        pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMP') AS temp, current_user AS role, pg_catalog.current_database() AS database`,
		[
			needed.flatMap(({table, privileges}) => privileges.map(() => table.relation)),
			needed.flatMap(({privileges}) => privileges),
		],
	);
	const {missing, temp, role, database} = result.rows[0]!;
	const grants = new Map<string, string[]>();
	for (const [relation, privilege] of missing) grants.set(relation!, [...(grants.get(relation!) ?? []), privilege!]);
	const idOf = (relation: string) => tables.find((table) => table.relation === relation)?.id ?? relation;
	const lines = [...grants].map(
		([relation, privileges]) => `GRANT ${privileges.join(', ')} ON ${idOf(relation)} TO ${displayIdent(role)};`,
	);
	if (!temp) lines.push(`GRANT TEMP ON DATABASE ${displayIdent(database)} TO ${displayIdent(role)};`);
	if (lines.length === 0) return;
	throw new UserError(
		'blocked',
		`The role ${role} may not do what the undo needs on the target (it loads the journal into TEMP tables, then deletes, updates and inserts rows). Nothing was done.`,
		`On the target: ${lines.join(' ')}`,
	);
}

/** `user@host:port/database`, for a refusal that names where the undo was pointed. */
export const describe = (endpoint: Endpoint) =>
	`${endpoint.user}@${endpoint.host}:${endpoint.port}/${endpoint.database}`;

export interface UndoTable extends TableShape {
	journaled: JournalTable;
}

/** Each journaled table must still hold every journaled column with the same type (columns added since are fine). */
export async function checkShapes(target: pg.ClientBase, tables: JournalTable[]): Promise<UndoTable[]> {
	const shapes: UndoTable[] = [];
	for (const journaled of tables) {
		const exists = (
			await target.query<{oid: string | null}>('SELECT pg_catalog.to_regclass($1)::oid::text AS oid', [
				journaled.relation,
			])
		).rows[0]!.oid;
		if (!exists)
			throw new UserError(
				'blocked',
				`${journaled.id} no longer exists on the target, so the rows the run changed there cannot be put back.`,
				'Undo cannot cross a migration that dropped the table.',
			);
		const shape = await readTableShape(target, journaled.id, journaled.relation);
		for (const column of journaled.columns) {
			const now = shape.columns.find((candidate) => candidate.name === column.name);
			if (!now || now.type !== column.type) {
				throw new UserError(
					'blocked',
					`${journaled.id}.${quoteIdent(column.name)} ${now ? `is ${now.type} now, not ${column.type}` : 'no longer exists'}: the table changed since the run, so its rows cannot be put back as they were.`,
					'Undo cannot cross a migration that changed the columns the run wrote.',
				);
			}
		}
		if (journaled.key.length === 0 && journaled.updated + journaled.inserted > 0) {
			throw new UserError(
				'blocked',
				`${journaled.id} has no primary key or unique index, so the rows the run changed there cannot be found again.`,
				'Add a primary key on the target, then undo.',
			);
		}
		// Matched and written back with the journal's columns and key, whatever the table gained since.
		shapes.push({
			...shape,
			columns: journaled.columns,
			key: journaled.key,
			keyEquality: journaled.keyEquality,
			identityAlways: shape.identityAlways,
			journaled,
		});
	}
	return shapes;
}

/** Parents before children, over the foreign keys among these tables (a cycle keeps the journal's order). */
export async function parentsFirst(target: pg.ClientBase, tables: UndoTable[]): Promise<UndoTable[]> {
	const references = await target.query<{child: string; parent: string}>(
		`SELECT c.conrelid::text AS child, c.confrelid::text AS parent FROM pg_catalog.pg_constraint c
		  WHERE c.contype = 'f' AND c.conrelid <> c.confrelid AND c.conrelid = ANY($1::regclass[]::oid[]) AND c.confrelid = ANY($1::regclass[]::oid[])`,
		[tables.map((table) => table.relation)],
	);
	const oids = await target.query<{relation: string; oid: string}>(
		'SELECT r AS relation, r::regclass::oid::text AS oid FROM unnest($1::text[]) AS r',
		[tables.map((table) => table.relation)],
	);
	const byOid = new Map(oids.rows.map((row) => [row.oid, tables.find((table) => table.relation === row.relation)!]));
	const ordered: UndoTable[] = [];
	const visiting = new Set<UndoTable>();
	const visit = (table: UndoTable) => {
		if (ordered.includes(table) || visiting.has(table)) return;
		visiting.add(table);
		const own = [...byOid.entries()].find(([, candidate]) => candidate === table)![0];
		for (const row of references.rows) if (row.child === own) visit(byOid.get(row.parent)!);
		ordered.push(table);
	};
	for (const table of tables) visit(table);
	return ordered;
}
