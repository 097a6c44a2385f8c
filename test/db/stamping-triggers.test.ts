/**
 * A BEFORE INSERT OR UPDATE trigger that stamps `updated_at := now()`, as most applications have.
 * When new rows go in from the same TEMP stage as the updates (the whole table staged, or a table
 * that references itself), the UPDATE after the INSERT must not take the rows just inserted, which the
 * trigger changed, for changed rows: that counted 20 updates of 15 planned and rolled the sync back.
 */
import {expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {appliedCounts, previewCounts, syncOnce} from '../support/sync-runs.js';

const pair = pairPerTest();

const schema = (selfReference: boolean) => `
	CREATE TABLE items (id int PRIMARY KEY, parent_id int ${selfReference ? 'REFERENCES items (id)' : ''}, name text NOT NULL, updated_at timestamptz);`;
const stamp = `
	CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
	CREATE TRIGGER items_stamp BEFORE INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION stamp();`;

test.for([
	{path: 'the whole table staged (25% of rows written)', selfReference: false, rows: 20, changed: 15, added: 5},
	{path: 'a self-referencing table, listed keys staged', selfReference: true, rows: 1000, changed: 10, added: 10},
])('$path: inserts and updates are counted and written exactly', async ({selfReference, rows, changed, added}) => {
	for (const db of [pair.source, pair.target]) await db.client.query(schema(selfReference));
	await pair.source.client.query(
		`INSERT INTO items SELECT g, CASE WHEN g > 1 THEN g - 1 END, 'item ' || g || CASE WHEN g <= ${changed} THEN ' v2' ELSE '' END, NULL FROM generate_series(1, ${rows}) g`,
	);
	await pair.target.client.query(
		`INSERT INTO items SELECT g, CASE WHEN g > 1 THEN g - 1 END, 'item ' || g, NULL FROM generate_series(1, ${rows - added}) g`,
	);
	await pair.target.client.query(stamp);
	const run = await syncOnce(pair.source.endpoint, pair.target.endpoint, {tables: ['items'], mode: 'upsert'});
	expect(run.result.committed).toBe(true);
	expect(previewCounts(run.preview)['public.items']).toEqual({insert: added, update: changed, delete: 0});
	expect(appliedCounts(run.result)['public.items']).toEqual({insert: added, update: changed, delete: 0});
	const names = (await pair.target.client.query(`SELECT count(*)::int AS n FROM items WHERE name LIKE '% v2'`)).rows[0]
		.n;
	expect(names).toBe(changed);
	const stamped = (await pair.target.client.query('SELECT count(*)::int AS n FROM items WHERE updated_at IS NOT NULL'))
		.rows[0].n;
	expect(stamped).toBe(changed + added);
});
