/**
 * Issue 11: every committed sync can be taken back exactly. The engine: a run's journal, then
 * undoRun from it; the target's contents are compared table by table, before the sync and after the undo.
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {Endpoint} from '../../source/core/connection/endpoint.js';
import type {SyncOptions} from '../../source/core/plan/types.js';
import {schoolTables} from '../../source/sample/school-schema.js';
import {loadSchool} from '../support/school.js';
import {listJournals} from '../../source/core/journal/journal-store.js';
import {undoRun} from '../../source/core/journal/undo-run.js';
import type {JournalOptions} from '../../source/core/journal/journal-recorder.js';

const pair = pairPerTest();
let configDirectory: string;
beforeEach(async () => {
	configDirectory = mkdtempSync(join(tmpdir(), 'pgconvoy-undo-'));
});
afterEach(async () => {
	// Its journals hold row data.
	rmSync(configDirectory, {recursive: true, force: true});
});

const school = schoolTables.map((table) => `public.${table}`);
const journalOptions = (): JournalOptions => ({
	configDirectory,
	retention: 20,
	labels: {source: 'source', target: 'target'},
});

async function syncWithJournal(
	source: Endpoint,
	target: Endpoint,
	options: Partial<SyncOptions> & {tables?: string[]},
) {
	const {tables = [], ...syncOptions} = options;
	const session = await SyncSession.open(source, target, {schemas: ['public', 'audit'], allSchemas: false});
	const plan = session.plan({tables, exclude: []}, {...defaultSyncOptions, maxDeleteRatio: 1, ...syncOptions});
	return session.apply(plan, {journal: journalOptions()});
}

const entry = (id: string) =>
	listJournals(join(configDirectory, 'journal')).find((candidate) => candidate.run.id === id)!;

describe('undo from the journal', () => {
	test.for(['upsert', 'mirror'] as const)(
		'%s on the school fixture, then undo: every school table is as before',
		async (mode) => {
			await loadSchool(pair.source, pair.target);
			const before = await databaseChecksums(pair.target.client, school);
			const result = await syncWithJournal(pair.source.endpoint, pair.target.endpoint, {mode});
			expect(result.committed).toBe(true);
			expect(result.tables.some((table) => table.inserted + table.updated + table.deleted > 0)).toBe(true);
			expect(await databaseChecksums(pair.target.client, school)).not.toEqual(before);
			const journal = entry(result.journal!.id);
			expect(journal.state).toBe('committed');
			expect(statSync(journal.file).mode & 0o777).toBe(0o600);
			expect(statSync(join(configDirectory, 'journal')).mode & 0o777).toBe(0o700);
			const auditBefore = Number((await pair.target.client.query('SELECT count(*) FROM audit_sync')).rows[0].count);

			const undone = await undoRun({
				entry: journal,
				target: pair.target.endpoint,
				dryRun: false,
				force: false,
				journal: journalOptions(),
			});
			expect(undone.committed).toBe(true);
			expect(await databaseChecksums(pair.target.client, school)).toEqual(before);
			// Triggers fire on undo as on any write: the audit trigger logs the rows the undo restored.
			const restoredResultats = undone.tables.find((table) => table.table === 'public.resultats');
			const auditAfter = Number((await pair.target.client.query('SELECT count(*) FROM audit_sync')).rows[0].count);
			expect(auditAfter - auditBefore).toBe((restoredResultats?.restore ?? 0) + (restoredResultats?.reinsert ?? 0));
		},
	);
});
