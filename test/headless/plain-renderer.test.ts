import {describe, expect, test} from 'vitest';
import type {SyncResult, TableCounts} from '../../source/core/events.js';
import {UserError} from '../../source/core/errors.js';
import {createPlainRenderer} from '../../source/headless/plain-renderer.js';

const counts = (table: string, insert: number, update: number, skip: number) =>
	({
		table,
		insert,
		update,
		skip,
		delete: 0,
		differing: update,
		sourceRows: insert + update + skip,
		targetRows: update + skip,
	}) as TableCounts;

/** Where each number on a line ends: aligned columns end at the same places. */
const numberEnds = (line: string) => [...line.matchAll(/\d[\d,]*/g)].map((match) => match.index + match[0].length);

describe('plain output', () => {
	test("the issue's preview lines: counts right-aligned in columns as wide as the largest the plan can show", () => {
		const lines: string[] = [];
		const plain = createPlainRenderer((line) => lines.push(line), undefined, undefined);
		plain.setTableWidth([
			{id: 'public.niveaux', rows: 5},
			{id: 'public.resultats', rows: 570},
		]);
		plain.event({type: 'preview-table-finished', counts: counts('public.niveaux', 0, 1, 4)});
		plain.event({type: 'preview-table-finished', counts: counts('public.resultats', 155, 32, 383)});
		expect(lines[0]).toContain('insert   0  update   1  skip   4  delete   0');
		expect(numberEnds(lines[0])).toEqual(numberEnds(lines[1]));
	});

	test('apply lines align too, and a count past the estimate widens the column instead of breaking it', () => {
		const lines: string[] = [];
		const plain = createPlainRenderer((line) => lines.push(line), undefined, undefined);
		plain.setTableWidth([
			{id: 'public.a', rows: 10},
			{id: 'public.b', rows: 0},
		]);
		for (const [table, inserted] of [
			['public.a', 7],
			['public.b', 12_345],
		] as const) {
			plain.event({type: 'apply-table-finished', result: {table, inserted, updated: 1, skipped: 2, deleted: 0, ms: 3}});
		}
		expect(lines[0]).toMatch(/inserted {2}7 {2}updated {2}1/);
		expect(lines[1]).toMatch(/inserted 12,345 {2}updated {6}1 {2}skipped {6}2/);
	});

	test('stats: the duration right-aligned with the counts; one row, one table agree with their numbers', () => {
		const lines: string[] = [];
		const result: SyncResult = {
			mode: 'mirror',
			committed: true,
			tables: [{table: 'public.a', inserted: 1, updated: 0, skipped: 0, deleted: 1, ms: 5}],
			cascaded: [
				{table: 'public.b', constraint: 'b_a_fkey', from: 'public.a', action: 'cascade', rows: 1} as NonNullable<
					SyncResult['cascaded']
				>[number],
			],
			ms: 123_456,
		};
		createPlainRenderer((line) => lines.push(line), undefined, undefined).stats(result);
		const block = lines.filter((line) => /^ {2}(tables|rows|errors|duration)/.test(line));
		expect(block.at(-1)).toBe('  duration          2 min 3 s');
		expect(new Set(block.map((line) => line.length)).size).toBe(1);
		expect(lines).toContain('  also deleted: 1 row of public.b (b_a_fkey, from deletes in public.a)');
		const totals: string[] = [];
		createPlainRenderer((line) => totals.push(line), undefined, undefined).previewTotals({
			mode: 'insert',
			tables: [counts('public.a', 1, 0, 2)],
			findings: [],
		});
		expect(totals).toEqual(['Would insert 1 row, update 0 rows, skip 2 rows, delete 0 rows in 1 table.']);
	});

	test('server text with line breaks or control characters stays on its own line', () => {
		const lines: string[] = [];
		const plain = createPlainRenderer((line) => lines.push(line), undefined, undefined);
		plain.error(
			new UserError(
				'apply-failed',
				'The target refused the write: duplicate key\nDETAIL:  Key (id)=(1) already exists.\r\n\u001b[2J',
				'Check\tthe target.',
			),
		);
		plain.findings([{severity: 'warning', code: 'x', message: 'A lock holder runs: UPDATE t\n  SET a = 1'}]);
		expect(lines).toEqual([
			'✗ The target refused the write: duplicate key DETAIL:  Key (id)=(1) already exists. [2J',
			'  → Check the target.',
			'! warning: A lock holder runs: UPDATE t SET a = 1',
		]);
		for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f]/);
	});
});
