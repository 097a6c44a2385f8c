import {describe, expect, test} from 'vitest';
import {createProgressLine, type ProgressStream} from '../../source/headless/progress-line.js';
import {createPlainRenderer} from '../../source/headless/plain-renderer.js';

function stream(isTTY: boolean, columns = 80): ProgressStream & {written: string[]} {
	const written: string[] = [];
	return {isTTY, columns, written, write: (text: string) => written.push(text)};
}

/** Waits until the line has been drawn `count` times: a state, not a time budget. */
async function drawn(out: {written: string[]}, matches: (text: string) => boolean): Promise<string> {
	for (;;) {
		const found = out.written.find(matches);
		if (found) return found;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

describe('headless progress line', () => {
	test('on a terminal: the table, its phase and progress, redrawn in place; erased before plain lines and at the end', async () => {
		const err = stream(true, 120);
		const lines: string[] = [];
		const progress = createProgressLine(err, {intervalMs: 10});
		const plain = createPlainRenderer((line) => lines.push(line), progress);
		plain.event({type: 'apply-started', tables: ['public.users', 'public.qcms']});
		plain.event({type: 'apply-table-started', table: 'public.users', rowsToWrite: 2_000_000});
		plain.event({
			type: 'apply-table-activity',
			table: 'public.users',
			phase: 'copying',
			done: 500_000,
			total: 2_000_000,
		});
		const line = await drawn(err, (text) => text.includes('copying'));
		expect(line).toMatch(
			/^\r\u001B\[2Kpublic\.users · copying 500,000 \/ 2,000,000 rows \(25%\) · (– |[\d,]+ )rows\/s · 0 of 2 tables · /,
		);
		expect(line).not.toContain('\n');
		const before = err.written.length;
		plain.event({
			type: 'apply-table-finished',
			result: {table: 'public.users', inserted: 2_000_000, updated: 0, skipped: 0, deleted: 0, ms: 5000},
		});
		// The line is erased before the table's ✓ line is written.
		expect(err.written.slice(before)).toContain('\r\u001B[2K');
		expect(lines.at(-1)).toMatch(/^✓ public\.users/);
		plain.stats({
			mode: 'insert',
			committed: true,
			tables: [{table: 'public.users', inserted: 2_000_000, updated: 0, skipped: 0, deleted: 0, ms: 5000}],
			ms: 5100,
		});
		const after = err.written.length;
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(err.written.length).toBe(after);
	});

	test('merging shows statements done, never a per-second rate of them', async () => {
		const err = stream(true, 120);
		const progress = createProgressLine(err, {intervalMs: 10});
		const plain = createPlainRenderer(() => {}, progress);
		plain.event({type: 'apply-started', tables: ['public.users']});
		plain.event({type: 'apply-table-activity', table: 'public.users', phase: 'merging', done: 1, total: 3});
		const line = await drawn(err, (text) => text.includes('merging'));
		expect(line).toContain('merging 1 / 3 statements (33%) · 0 of 1 table');
		expect(line).not.toMatch(/statements\/s/);
		plain.stats({mode: 'upsert', committed: true, tables: [], ms: 10});
	});

	test("the preview's compare shows keys read against the estimate", async () => {
		const err = stream(true);
		const progress = createProgressLine(err, {intervalMs: 10});
		progress.event({type: 'preview-table-started', table: 'public.resultats'});
		progress.event({type: 'preview-table-progress', table: 'public.resultats', keysRead: 300, keysEstimated: 1200});
		expect(await drawn(err, (text) => text.includes('comparing'))).toMatch(
			/public\.resultats · comparing 300 keys \(25%\)/,
		);
		progress.stop();
	});

	test('never wider than the terminal', async () => {
		const err = stream(true, 40);
		const progress = createProgressLine(err, {intervalMs: 10});
		progress.event({type: 'apply-started', tables: ['public.a_very_long_table_name_indeed']});
		progress.event({
			type: 'apply-table-activity',
			table: 'public.a_very_long_table_name_indeed',
			phase: 'comparing',
			done: 1,
			total: 2,
		});
		const line = await drawn(err, (text) => text.includes('public.'));
		expect(line.replace('\r\u001B[2K', '').length).toBeLessThanOrEqual(39);
		progress.stop();
	});

	test('not a terminal (piped, CI): nothing at all', async () => {
		const err = stream(false);
		const lines: string[] = [];
		const plain = createPlainRenderer((line) => lines.push(line), createProgressLine(err, {intervalMs: 5}));
		plain.event({type: 'apply-started', tables: ['public.users']});
		plain.event({type: 'apply-table-activity', table: 'public.users', phase: 'comparing', done: 1, total: 2});
		// Long enough for several ticks of a drawing line (this asserts an absence).
		await new Promise((resolve) => setTimeout(resolve, 60));
		expect(err.written).toEqual([]);
		expect(lines).toEqual(['Writing 1 table in one transaction…']);
	});

	test('plain stats: counts right-aligned in one column', () => {
		const lines: string[] = [];
		createPlainRenderer((line) => lines.push(line)).stats({
			mode: 'insert',
			committed: true,
			tables: [{table: 'public.users', inserted: 1_200_000, updated: 37, skipped: 5, deleted: 0, ms: 5000}],
			ms: 5100,
		});
		const counts = lines.filter((line) => /^ {2}(tables|rows|errors)/.test(line));
		expect(new Set(counts.map((line) => line.length)).size).toBe(1);
		expect(lines).toContain('  rows inserted     1,200,000');
		expect(lines).toContain('  rows updated             37');
	});
});

describe('plain findings', () => {
	test('on a terminal a long finding wraps between words, every further line indented under its text; piped, one line', () => {
		const message =
			'Triggers on the target table public.classes will fire for every written row: audit_classes, notify_teachers.';
		const hint = 'Disable them on the target first if they must not fire, or accept that they run once per row.';
		const finding = {table: 'public.classes', severity: 'warning' as const, code: 'target-triggers', message, hint};
		const wrapped: string[] = [];
		createPlainRenderer((line) => wrapped.push(line), undefined, 60).findings([finding]);
		expect(wrapped.length).toBeGreaterThan(2);
		for (const line of wrapped) expect(line.length).toBeLessThanOrEqual(59);
		expect(wrapped[0]).toMatch(/^! warning: Triggers/);
		const hintAt = wrapped.findIndex((line) => line.startsWith('  → '));
		for (const line of wrapped.slice(1, hintAt)) expect(line).toMatch(/^ {11}\S/);
		for (const line of wrapped.slice(hintAt + 1)) expect(line).toMatch(/^ {4}\S/);
		expect(wrapped.join(' ').replace(/\s+/g, ' ')).toContain(message);
		const piped: string[] = [];
		createPlainRenderer((line) => piped.push(line), undefined, undefined).findings([finding]);
		expect(piped).toEqual([`! warning: ${message}`, `  → ${hint}`]);
	});
});
