import {describe, expect, test} from 'vitest';
import {barParts, changeSentence, maskUrlPassword, visibleWindow} from '../../source/ui/format.js';
import {formatBytes, formatEstimate, formatPercent, formatRate} from '../../source/present/numbers.js';
import {layoutColumns} from '../../source/ui/components/number-table.js';
import {counts} from './helpers.js';

describe('formatting for the wizard', () => {
	test('maskUrlPassword hides the password while it is typed, keeping the length', () => {
		const cases: Array<[string, string]> = [
			['postgres://app:s3cret@db/x', 'postgres://app:••••••@db/x'],
			['postgres://app:s3c', 'postgres://app:•••'],
			['postgres://app:p@ss@db:5432/x', 'postgres://app:••••@db:5432/x'],
			['postgres://app@db:5432/x', 'postgres://app@db:5432/x'],
			// A port is not a password: host:port/database shows as typed.
			['postgresql://db:5432/x?sslmode=require', 'postgresql://db:5432/x?sslmode=require'],
			['localhost:5432/db', 'localhost:5432/db'],
			['postgres://localhost:5432', 'postgres://localhost:5432'],
			// Before the @ anything after `user:` that is not a port is masked: it may be a password.
			['postgres://app:sec/ret', 'postgres://app:•••••••'],
			['postgres://u@h/db?password=abc&sslmode=require', 'postgres://u@h/db?password=•••&sslmode=require'],
			['prod-profile', 'prod-profile'],
		];
		for (const [typed, shown] of cases) {
			expect(maskUrlPassword(typed)).toBe(shown);
			expect(maskUrlPassword(typed)).toHaveLength(typed.length);
		}
	});

	test('bars, percentages and rates', () => {
		expect(barParts(0.5, 10)).toEqual({filled: '█████', empty: '░░░░░'});
		expect(barParts(2, 4)).toEqual({filled: '████', empty: ''});
		expect(barParts(Number.NaN, 3)).toEqual({filled: '', empty: '░░░'});
		expect(formatPercent(0.999)).toBe('99%');
		expect(formatPercent(1)).toBe('100%');
		expect(formatRate(5000, 2000)).toBe('2,500 rows/s');
		expect(formatRate(10, 100)).toBe('– rows/s');
	});

	test('sizes and estimates', () => {
		expect(formatBytes(512)).toBe('512 B');
		expect(formatBytes(1536)).toBe('1.5 kB');
		expect(formatBytes(250 * 1024 * 1024)).toBe('250 MB');
		expect(formatEstimate(-1)).toBe('?');
		expect(formatEstimate(12345)).toBe('~12,345');
	});

	test('the confirmation sentence', () => {
		const preview = {
			mode: 'mirror' as const,
			tables: [counts('a', {insert: 1200, update: 30, delete: 2}), counts('b', {insert: 4, update: 7})],
			findings: [],
		};
		expect(changeSentence(preview, {database: 'systeme_intelligent', host: 'db.example.com'})).toBe(
			'insert 1,204, update 37, delete 2 rows in 2 tables of systeme_intelligent on db.example.com',
		);
		expect(changeSentence({...preview, tables: [counts('a')]}, {database: 'x', host: 'h'})).toBe(
			'insert 0, update 0, delete 0 rows in 1 table of x on h',
		);
	});

	test('visibleWindow keeps the cursor in view', () => {
		expect(visibleWindow(5, 4, 10)).toEqual({start: 0, end: 5});
		expect(visibleWindow(40, 0, 10)).toEqual({start: 0, end: 10});
		expect(visibleWindow(40, 20, 10)).toEqual({start: 15, end: 25});
		expect(visibleWindow(40, 39, 10)).toEqual({start: 30, end: 40});
	});

	test('table columns: numbers and names are never cut; short headers, then names on their own line, when narrow', () => {
		const columns = [{header: 'inserted', short: 'ins'}, {header: 'updated', short: 'upd'}, {header: 'time'}];
		const rows = [{key: 'a', name: 'public.a_rather_long_table_name', cells: ['1,234,567', '0', '1.5 s']}];
		const name = 'public.a_rather_long_table_name'.length;
		expect(layoutColumns({columns, rows, width: 100})).toEqual({
			headers: ['inserted', 'updated', 'time'],
			widths: [11, 9, 7],
			nameWidth: name + 1,
			stacked: false,
		});
		// 2 + 11 + 9 + 7 = 29 columns of numbers: the name needs 32 more.
		expect(layoutColumns({columns, rows, width: 61}).stacked).toBe(false);
		const short = layoutColumns({columns, rows, width: 59});
		expect(short).toEqual({headers: ['ins', 'upd', 'time'], widths: [11, 5, 7], nameWidth: name + 1, stacked: false});
		const stacked = layoutColumns({columns, rows, width: 40});
		expect(stacked.stacked).toBe(true);
		expect(stacked.widths).toEqual([11, 5, 7]);
	});
});
