import type {Finding} from '../core/plan/types.js';
import type {PreviewResult, SyncEvent, SyncResult, TableCounts} from '../core/events.js';
import type {UserError} from '../core/errors.js';
import {formatCount, formatDuration, plural} from '../present/numbers.js';
import {sumCounts, sumResults} from '../present/totals.js';
import {errorLines, oneLine} from './one-line.js';
import type {ProgressLine} from './progress-line.js';

type Write = (line: string) => void;

/**
 * Plain-text lines for scripts and CI logs: one line per table as it finishes, then the stats.
 * `progress` (a terminal's status line) is fed the same events and erased before each line.
 */
export function createPlainRenderer(
	output: Write,
	progress?: ProgressLine,
	terminalWidth: number | undefined = process.stdout.isTTY ? process.stdout.columns : undefined,
) {
	// One record per line whatever the server's text holds.
	const write: Write = (line) => {
		progress?.clear();
		output(oneLine(line));
	};
	const width = {table: 24, count: 1};
	const pad = (text: string) => text.padEnd(width.table);
	// Counts right-aligned in one column; a count past the estimate widens the column from then on.
	const count = (value: number) => {
		const text = formatCount(value);
		width.count = Math.max(width.count, text.length);
		return text.padStart(width.count);
	};
	return {
		header(sourceLabel: string, targetLabel: string, mode: string, dryRun: boolean) {
			write(`pgconvoy ${dryRun ? 'dry run' : 'sync'}: ${sourceLabel} → ${targetLabel} (mode ${mode})`);
		},
		/**
		 * Column widths, known before the first line: the longest table name, and the widest count a
		 * table can show (no count exceeds the larger side's row count; `rows` is that estimate).
		 */
		setTableWidth(tables: Array<{id: string; rows: number}>) {
			width.table = Math.min(48, Math.max(12, ...tables.map((table) => table.id.length)) + 2);
			width.count = Math.max(1, ...tables.map((table) => formatCount(Math.max(0, table.rows)).length));
		},
		event(event: SyncEvent) {
			progress?.event(event);
			if (event.type === 'preview-table-finished') write(previewLine(event.counts, pad, count));
			else if (event.type === 'apply-started')
				write(`Writing ${plural(event.tables.length, 'table')} in one transaction…`);
			else if (event.type === 'apply-table-finished') {
				const result = event.result;
				write(
					`✓ ${pad(result.table)} inserted ${count(result.inserted)}  updated ${count(result.updated)}  skipped ${count(result.skipped)}  deleted ${count(result.deleted)}  (${formatDuration(result.ms)})`,
				);
			} else if (event.type === 'apply-phase' && event.phase === 'committing') write('Committing…');
		},
		findings(findings: Finding[]) {
			for (const finding of findings) {
				const mark = `${finding.severity === 'blocking' ? '✗ blocking' : '! warning'}: `;
				for (const line of wrapHanging(finding.message, mark, ' '.repeat(mark.length), terminalWidth)) write(line);
				const hint = finding.flagHint ?? finding.hint;
				if (hint) for (const line of wrapHanging(hint, '  → ', '    ', terminalWidth)) write(line);
			}
		},
		previewTotals(preview: PreviewResult) {
			progress?.stop();
			const totals = sumCounts(preview.tables);
			// Each count names its own noun: "delete 1 rows" would follow a shared "rows".
			write(
				`Would insert ${plural(totals.insert, 'row')}, update ${plural(totals.update, 'row')}, skip ${plural(totals.skip, 'row')}, delete ${plural(totals.delete, 'row')} in ${plural(preview.tables.length, 'table')}.`,
			);
		},
		stats(result: SyncResult) {
			progress?.stop();
			const totals = sumResults(result);
			const lines: Array<[string, string]> = [
				['tables processed', formatCount(result.tables.length)],
				['rows inserted', formatCount(totals.inserted)],
				['rows updated', formatCount(totals.updated)],
				['rows skipped', formatCount(totals.skipped)],
				['rows deleted', formatCount(totals.deleted)],
				['errors', '0'],
				['duration', formatDuration(result.ms)],
			];
			// Counts and the duration right-aligned in one column, so their digits line up.
			const digits = Math.max(...lines.map(([, value]) => value.length));
			write('');
			write(
				result.rehearsed
					? 'Rehearsed: every statement ran, then everything was rolled back; the target is unchanged (sequences aside).'
					: result.committed
						? 'Committed.'
						: 'Rolled back.',
			);
			for (const [label, value] of lines) write(`  ${label.padEnd(16)}  ${value.padStart(digits)}`);
			for (const entry of result.cascaded ?? []) {
				write(
					`  also ${entry.action === 'cascade' ? 'deleted' : `${entry.action === 'set null' ? 'set to NULL' : 'set to default'}`}: ${plural(entry.rows, 'row')} of ${entry.table} (${entry.constraint}, from deletes in ${entry.from})`,
				);
			}
		},
		error(error: UserError) {
			progress?.stop();
			for (const line of errorLines(error)) write(line);
		},
	};
}

function previewLine(counts: TableCounts, pad: (text: string) => string, count: (value: number) => string): string {
	const stale =
		counts.differing > counts.update
			? `  (${formatCount(counts.differing - counts.update)} differing, not updated in this mode)`
			: '';
	return `  ${pad(counts.table)} insert ${count(counts.insert)}  update ${count(counts.update)}  skip ${count(counts.skip)}  delete ${count(counts.delete)}${stale}`;
}

/**
 * `text` after `first`, wrapped at `width` (a terminal's) between words, each further line indented
 * by `rest`, so a wrapped finding reads as one block instead of restarting at the left edge. No
 * width (piped, CI logs): one line, for grep.
 */
export function wrapHanging(text: string, first: string, rest: string, width?: number): string[] {
	const limit = width === undefined ? Number.POSITIVE_INFINITY : Math.max(rest.length + 20, width - 1);
	const lines: string[] = [];
	let line = first;
	let empty = true;
	for (const word of text.split(/\s+/).filter(Boolean)) {
		if (!empty && line.length + 1 + word.length > limit) {
			lines.push(line);
			line = rest + word;
		} else line += (empty ? '' : ' ') + word;
		empty = false;
	}
	lines.push(line);
	return lines;
}
