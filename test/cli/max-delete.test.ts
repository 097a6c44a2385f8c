/**
 * `--max-delete` is `N%` (a share) or `N` (rows), never a guess between them, and a refusal gives the
 * exact figures it judged, with the target unchanged.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {freshPair} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli} from '../support/sync-runs.js';

let pair: Awaited<ReturnType<typeof freshPair>>;

beforeAll(async () => {
	pair = await freshPair();
	const schema = 'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);';
	// 500 rows on the target; the source lacks 11 of them: a mirror deletes 11 of 500 = 2.2%.
	await pair.target.client.query(`${schema} INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g;`);
	await pair.source.client.query(
		`${schema} INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g WHERE g > 11;`,
	);
});
afterAll(async () => {
	await pair.drop();
});

const mirror = (...extra: string[]) =>
	cli(['--from', pair.source.url, '--to', pair.target.url, '--mode', 'mirror', '--yes', ...extra]);
const checksum = () => databaseChecksums(pair.target.client, ['public.items']);

describe('--max-delete on a real mirror', () => {
	it('refuses with the exact share and counts, for a share and for a row count, changing nothing', async () => {
		const before = await checksum();
		const share = await mirror('--max-delete', '2%');
		expect(share.code, share.output).toBe(4);
		expect(share.output).toContain(
			'Mirroring public.items would delete 11 of its 500 rows (2.2%), more than the 2% allowed.',
		);
		expect(share.output).toContain('--max-delete 2.2% (a share of each table), or --max-delete 11 (rows per table)');
		const rows = await mirror('--max-delete', '10');
		expect(rows.code, rows.output).toBe(4);
		expect(rows.output).toContain('would delete 11 of its 500 rows (2.2%), more than the 10 rows allowed.');
		// `1` is one row, not 100%.
		const one = await mirror('--max-delete', '1');
		expect(one.code, one.output).toBe(4);
		expect(one.output).toContain('more than the 1 row allowed');
		const ambiguous = await mirror('--max-delete', '0.5');
		expect(ambiguous.code).toBe(2);
		expect(await checksum()).toEqual(before);
	});

	it('allows exactly what the refusal suggested', async () => {
		const allowed = await mirror('--max-delete', '2.2%');
		expect(allowed.code, allowed.output).toBe(0);
		expect((await pair.target.client.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(489);
	});
});
