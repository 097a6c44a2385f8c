import type pg from 'pg';
import {from as copyFrom} from 'pg-copy-streams';
import {once} from 'node:events';
import {quoteIdent} from '../catalog/names.js';
import {UserError} from '../errors.js';
import {plural} from '../counts.js';
import type {JournalEntry, JournalRun, SectionKind} from './journal-format.js';
import {journalFrames} from './journal-store.js';
import {columnList, keyMatchOf, rowFingerprintSql, scanOf} from './table-shape.js';
import {conflictText, type UndoConflict} from './undo-conflict.js';
import type {UndoTable} from './undo-checks.js';

export interface UndoTableCounts {
	table: string;
	/** Rows the run inserted: deleted by the undo. */
	delete: number;
	/** Rows the run updated (or set NULL through ON DELETE): their old values written back. */
	restore: number;
	/** Rows the run deleted (cascades included): inserted again. */
	reinsert: number;
	conflicts: number;
}

export interface UndoPreview {
	run: JournalRun;
	tables: UndoTableCounts[];
	/** The first conflicts per table (20 at most each); `tables[].conflicts` has the full counts. */
	conflicts: UndoConflict[];
}

/** The first conflicts listed per table; the counts are whole. */
const conflictsShown = 20;

/** A TEMP table of this transaction: `pg_temp."name"`. */
const temp = (name: string) => `pg_temp.${quoteIdent(name)}`;

/** The journal's sections of one table, loaded into TEMP tables: `before-update` → a TEMP table name, etc. */
export type Staged = Map<string, Partial<Record<SectionKind, string>>>;

export async function loadJournal(target: pg.ClientBase, entry: JournalEntry, tables: UndoTable[]): Promise<Staged> {
	const staged: Staged = new Map(tables.map((table) => [table.id, {}]));
	let counter = 0;
	let writer: ReturnType<typeof copyFrom> | undefined;
	for await (const frame of journalFrames(entry.file)) {
		if (frame.type === 'S') {
			const table = tables.find((candidate) => candidate.id === frame.section.table);
			if (!table)
				throw new UserError(
					'blocked',
					`The journal of run ${entry.run.id} holds rows of ${frame.section.table}, which it does not list: it is damaged.`,
				);
			const sections = staged.get(table.id)!;
			let name = sections[frame.section.kind];
			if (!name) {
				name = temp(`pgconvoy_undo_${counter++}`);
				const fingerprints = frame.section.kind === 'inserted' || frame.section.kind === 'updated';
				const columns = fingerprints
					? `${columnList(table.key)}, ''::text AS fingerprint`
					: columnList(table.columns.map((column) => column.name));
				await target.query(
					`CREATE TEMP TABLE ${name} ON COMMIT DROP AS SELECT ${columns} FROM ${scanOf(table)} WITH NO DATA`,
				);
				sections[frame.section.kind] = name;
			}
			writer = target.query(copyFrom(`COPY ${name} FROM STDIN (FORMAT binary)`));
			writer.on('error', () => {});
		} else if (frame.type === 'D') {
			if (!writer!.write(frame.data)) await once(writer!, 'drain');
		} else {
			writer!.end();
			await once(writer!, 'finish');
			writer = undefined;
		}
	}
	return staged;
}

/** Counts and conflicts per table: a row the run wrote whose fingerprint is not what the run left is a conflict. */
export async function findConflicts(
	target: pg.ClientBase,
	run: JournalRun,
	tables: UndoTable[],
	staged: Staged,
): Promise<UndoPreview> {
	const counts: UndoTableCounts[] = [];
	const conflicts: UndoConflict[] = [];
	for (const table of tables) {
		const sections = staged.get(table.id)!;
		const count = async (name: string | undefined, distinct: boolean) =>
			name
				? Number(
						(
							await target.query<{rows: string}>(
								distinct && table.key.length > 0
									? `SELECT count(*)::text AS rows FROM (SELECT DISTINCT ${columnList(table.key)} FROM ${name}) d`
									: `SELECT count(*)::text AS rows FROM ${name}`,
							)
						).rows[0]!.rows,
					)
				: 0;
		const checks: Array<{sql: string; reason: UndoConflict['reason'] | 'changed-or-missing'}> = [];
		// The key as text for the message, and its columns to list conflicts in key order (not text order: 2 before 10).
		const keyText = `ROW(${columnList(table.key, 'j')})::text AS key, ${table.key.map((name, index) => `j.${quoteIdent(name)} AS k${index}`).join(', ')}`;
		const keyOrder = table.key.map((_, index) => `k${index}`).join(', ');
		// A row journaled by key alone (a bulk load into an empty table, see applySync) is unchanged while
		// its version is still the one the run's transaction wrote: xmin, kept even when frozen (9.4+).
		const runXid32 = (BigInt(run.transactionId) % 4294967296n).toString();
		for (const kind of ['inserted', 'updated'] as const) {
			const name = sections[kind];
			if (!name) continue;
			checks.push({
				reason: 'changed-or-missing',
				sql: `SELECT ${keyText}, CASE WHEN t.ctid IS NULL THEN '${kind}-missing' ELSE '${kind}-changed' END AS reason
				        FROM ${name} j LEFT JOIN ${scanOf(table)} t ON ${keyMatchOf(table, 't', 'j')}
				       WHERE t.ctid IS NULL OR CASE WHEN j.fingerprint IS NULL THEN t.xmin::text::bigint <> ${runXid32} ELSE ${rowFingerprintSql(table, 't')} <> j.fingerprint END`,
			});
		}
		if (sections['before-delete'] && table.key.length > 0) {
			checks.push({
				reason: 'deleted-recreated',
				sql: `SELECT DISTINCT ${keyText}, 'deleted-recreated' AS reason FROM ${sections['before-delete']} j JOIN ${scanOf(table)} t ON ${keyMatchOf(table, 't', 'j')}`,
			});
		}
		let tableConflicts = 0;
		for (const check of checks) {
			const found = await target.query<{key: string; reason: UndoConflict['reason']; total: string}>(
				`SELECT key, reason, count(*) OVER ()::text AS total FROM (${check.sql}) c ORDER BY ${keyOrder} LIMIT ${conflictsShown}`,
			);
			tableConflicts += Number(found.rows[0]?.total ?? 0);
			conflicts.push(
				...found.rows
					.slice(0, Math.max(0, conflictsShown - conflicts.filter((conflict) => conflict.table === table.id).length))
					.map((row) => ({table: table.id, key: row.key, reason: row.reason})),
			);
		}
		counts.push({
			table: table.id,
			delete: await count(sections.inserted, false),
			restore: await count(sections['before-update'], true),
			reinsert: await count(sections['before-delete'], true),
			conflicts: tableConflicts,
		});
	}
	return {
		run,
		tables: counts.filter((table) => table.delete + table.restore + table.reinsert + table.conflicts > 0),
		conflicts,
	};
}

export function conflictError(preview: UndoPreview): UserError {
	const total = preview.tables.reduce((sum, table) => sum + table.conflicts, 0);
	const lines = preview.conflicts.map((conflict) => `  ${conflictText(conflict)}`);
	const more = total - preview.conflicts.length;
	return new UserError(
		'blocked',
		`${plural(total, 'row')} changed on the target since run ${preview.run.id}, so undoing it would overwrite newer data; nothing was written:\n${lines.join('\n')}${more > 0 ? `\n  … and ${plural(more, 'more row')}` : ''}`,
		"Check those rows. To put back the run's old values anyway (the newer changes to those rows are lost), undo with force.",
		{
			flagHint:
				"Check those rows. To put back the run's old values anyway (the newer changes to those rows are lost), add --force.",
		},
	);
}
