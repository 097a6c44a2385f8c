import type {Endpoint} from '../core/connection/endpoint.js';
import {publicEndpoint} from '../core/connection/endpoint.js';
import type {PreviewResult, SyncResult} from '../core/events.js';
import type {UserError} from '../core/errors.js';
import {sumCounts, sumResults} from './totals.js';

/** The `--json` documents of DESIGN §7: one per run, tables in apply order. Never holds a password. */
export function previewReport(preview: PreviewResult, source: Endpoint, target: Endpoint) {
	return {
		mode: preview.mode,
		dryRun: true,
		source: publicEndpoint(source),
		target: publicEndpoint(target),
		tables: preview.tables.map(({table, insert, update, skip, delete: deleted, differing}) => ({
			table,
			insert,
			update,
			skip,
			delete: deleted,
			differing,
		})),
		totals: sumCounts(preview.tables),
		findings: preview.findings.map(({table, severity, code, message, hint, flagHint}) => ({
			table,
			severity,
			code,
			message,
			...((flagHint ?? hint) ? {hint: flagHint ?? hint} : {}),
		})),
	};
}

export function resultReport(result: SyncResult, source: Endpoint, target: Endpoint, preview?: PreviewResult) {
	return {
		mode: result.mode,
		dryRun: false,
		committed: result.committed,
		...(result.rehearsed ? {rehearsed: true} : {}),
		source: publicEndpoint(source),
		target: publicEndpoint(target),
		tables: result.tables,
		...(result.cascaded ? {cascaded: result.cascaded} : {}),
		...(result.journal ? {journal: result.journal} : {}),
		...(result.journalSkipped ? {journalSkipped: result.journalSkipped} : {}),
		totals: {tables: result.tables.length, ...sumResults(result), errors: 0},
		ms: result.ms,
		...(preview
			? {findings: preview.findings.map(({table, severity, code, message}) => ({table, severity, code, message}))}
			: {}),
	};
}

export function errorReport(error: UserError, mode: string | undefined, dryRun: boolean) {
	return {
		mode,
		dryRun,
		// null: COMMIT was sent and nobody could tell whether it took effect.
		committed: error.code === 'outcome-unknown' ? null : false,
		error: {
			code: error.code,
			message: error.message,
			...((error.flagHint ?? error.hint) ? {hint: error.flagHint ?? error.hint} : {}),
		},
		totals: {errors: 1},
	};
}
