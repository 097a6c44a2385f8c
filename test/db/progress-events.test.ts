import {beforeEach, describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncEvent} from '../../source/core/events.js';
import type {SyncMode} from '../../source/core/plan/types.js';

// Enough rows that each phase reports several times (the engine reports every 65,536 keys and 16,384 rows).
const rows = 150_000;
const schema = `CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, qty int);`;

const pair = pairPerTest();
beforeEach(async () => {
	for (const db of [pair.source, pair.target]) await db.client.query(schema);
	await pair.source.client.query(
		`INSERT INTO items SELECT g, 'item ' || g, g % 7 FROM generate_series(1, ${rows}) g; ANALYZE items;`,
	);
});

async function sync(mode: SyncMode, dryRun: boolean): Promise<SyncEvent[]> {
	const events: SyncEvent[] = [];
	const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
		schemas: ['public'],
		allSchemas: false,
	});
	const plan = session.plan({tables: [], exclude: []}, {...defaultSyncOptions, mode});
	const preview = await session.preview(plan, {onEvent: (event) => events.push(event)});
	if (!dryRun) await session.apply(plan, {expected: preview, onEvent: (event) => events.push(event)});
	return events;
}

const activity = (events: SyncEvent[], phase: string) =>
	events.filter(
		(event): event is Extract<SyncEvent, {type: 'apply-table-activity'}> =>
			event.type === 'apply-table-activity' && event.phase === phase,
	);

describe('progress from inside a table', () => {
	test('an initial load reports rows copied as they stream, rising to the total', async () => {
		const events = await sync('insert', false);
		const copying = activity(events, 'copying');
		expect(copying.length).toBeGreaterThanOrEqual(3);
		const done = copying.map((event) => event.done);
		expect(done).toEqual([...done].sort((a, b) => a - b));
		expect(done.at(-1)).toBeLessThanOrEqual(rows + 1);
		// The bar moves with them: rows written are reported while the COPY runs, not only at the end.
		const written = events
			.filter((event) => event.type === 'apply-table-progress')
			.map((event) => (event as {rowsWritten: number}).rowsWritten);
		expect(written.filter((value) => value > 0 && value < rows).length).toBeGreaterThanOrEqual(2);
		expect(Number((await pair.target.client.query('SELECT count(*) FROM items')).rows[0].count)).toBe(rows);
	});

	test('the preview and the apply report keys compared; the merge reports its statements', async () => {
		await pair.target.client.query(
			`INSERT INTO items SELECT g, 'item ' || g, CASE WHEN g % 2 = 0 THEN -1 ELSE g % 7 END FROM generate_series(1, ${rows - 1000}) g; ANALYZE items;`,
		);
		const events = await sync('upsert', false);
		const previewed = events.filter(
			(event): event is Extract<SyncEvent, {type: 'preview-table-progress'}> => event.type === 'preview-table-progress',
		);
		expect(previewed.length).toBeGreaterThanOrEqual(2);
		expect(previewed.map((event) => event.keysRead)).toEqual(
			[...previewed.map((event) => event.keysRead)].sort((a, b) => a - b),
		);
		expect(previewed[0]!.keysEstimated).toBeGreaterThan(0);
		const comparing = activity(events, 'comparing');
		expect(comparing.length).toBeGreaterThanOrEqual(2);
		// Half the rows differ: the whole table is staged, then merged by a counted series of statements.
		const merging = activity(events, 'merging');
		expect(merging.length).toBeGreaterThanOrEqual(2);
		expect(merging.at(-1)!.done).toBe(merging.at(-1)!.total);
		const changed = await pair.target.client.query(`SELECT count(*) FROM items WHERE qty = -1`);
		expect(Number(changed.rows[0].count)).toBe(0);
	});

	test('a few changed rows (listed keys): the copy and the merge report too, so the line never says only "writing"', async () => {
		await pair.target.client.query(
			`INSERT INTO items SELECT g, 'item ' || g, CASE WHEN g % 50 = 0 THEN -1 ELSE g % 7 END FROM generate_series(1, ${rows - 20_000}) g; ANALYZE items;`,
		);
		const events = await sync('upsert', false);
		const copying = activity(events, 'copying');
		expect(copying.length).toBeGreaterThanOrEqual(2);
		expect(copying.at(-1)!.done).toBe(copying.at(-1)!.total);
		const merging = activity(events, 'merging');
		expect(merging.at(-1)).toMatchObject({done: 1, total: 1});
		expect(Number((await pair.target.client.query(`SELECT count(*) FROM items WHERE qty = -1`)).rows[0].count)).toBe(0);
	});
});
