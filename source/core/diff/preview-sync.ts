import type pg from 'pg';
import type {SyncPlan} from '../plan/types.js';
import type {PreviewResult, SyncEventListener, TableCounts} from '../events.js';
import {diffTable} from './diff-table.js';
import {mirrorGuardFindings} from './mirror-guards.js';

export interface PreviewContext {
	plan: SyncPlan;
	source: pg.Client;
	target: pg.Client;
	onEvent?: SyncEventListener;
	signal?: AbortSignal;
}

/** The dry run: exact counts per table, read-only on both sides, each table reported as it finishes. */
export async function previewSync({plan, source, target, onEvent, signal}: PreviewContext): Promise<PreviewResult> {
	const tables: TableCounts[] = [];
	// One snapshot per side, so the counts of all tables describe one moment.
	await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
	await target.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
	try {
		for (const table of plan.tables) {
			signal?.throwIfAborted();
			onEvent?.({type: 'preview-table-started', table: table.id});
			const diff = await diffTable(table, source, target, {
				mode: plan.options.mode,
				hashMethod: plan.hashMethod,
				withHashes: true,
				keepKeys: false,
				maxListedKeys: 0,
				fingerprintShortcut: plan.hashMethod === 'record',
			});
			tables.push(diff.counts);
			onEvent?.({type: 'preview-table-finished', counts: diff.counts});
		}
	} finally {
		await source.query('ROLLBACK').catch(() => {});
		await target.query('ROLLBACK').catch(() => {});
	}
	return {mode: plan.options.mode, tables, findings: [...plan.findings, ...mirrorGuardFindings(plan, tables)]};
}
