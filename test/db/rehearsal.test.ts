/**
 * Issue 10 §2, rehearsal: `sync --rehearse` runs the real apply in the target transaction, then rolls
 * it back. Its counts are the real apply's; the target is unchanged afterwards; and it catches what
 * only writing can show (a trigger that raises, a CHECK constraint), which the dry run cannot see.
 */
import {describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli} from '../support/sync-runs.js';
import {schoolTables} from '../../source/sample/school-schema.js';
import {loadSchool} from '../support/school.js';

const pair = pairPerTest();

const school = schoolTables.map((table) => `public.${table}`);
const tablesOf = (report: {tables: Array<Record<string, unknown>>}) =>
	report.tables.map(({table, inserted, updated, skipped, deleted}) => ({table, inserted, updated, skipped, deleted}));

describe('--rehearse', () => {
	test.for(['upsert', 'mirror'] as const)(
		"%s on the school fixture: the rehearsed counts are the real apply's, and the rehearsal keeps nothing",
		async (mode) => {
			await loadSchool(pair.source, pair.target);
			const args = [
				'--from',
				pair.source.url,
				'--to',
				pair.target.url,
				'--mode',
				mode,
				'--max-delete',
				'100%',
				'--json',
			];
			const before = await databaseChecksums(pair.target.client, [...school, 'public.audit_sync']);
			const rehearsal = await cli([...args, '--rehearse']);
			expect(rehearsal.code, rehearsal.output).toBe(0);
			const rehearsed = JSON.parse(rehearsal.stdout);
			expect(rehearsed).toMatchObject({rehearsed: true, committed: false, dryRun: false});
			// Nothing stays, not even what the audit trigger wrote during the rehearsal.
			expect(await databaseChecksums(pair.target.client, [...school, 'public.audit_sync'])).toEqual(before);
			const applied = await cli([...args, '--yes']);
			expect(applied.code, applied.output).toBe(0);
			expect(tablesOf(JSON.parse(applied.stdout))).toEqual(tablesOf(rehearsed));
			expect(tablesOf(rehearsed).some((table) => Number(table.inserted) + Number(table.updated) > 0)).toBe(true);
		},
	);

	test('catches a trigger that raises and a CHECK constraint that the dry run cannot see', async () => {
		const schema = `CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note text);`;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.source.client.query(`INSERT INTO orders VALUES (1, 5, 'ok'), (2, 50, 'bulk'), (3, -1, 'refund')`);
		await pair.target.client.query(`
			INSERT INTO orders VALUES (1, 5, 'ok');
			ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
			CREATE FUNCTION limit_bulk() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.qty > 10 THEN RAISE EXCEPTION 'order % is too large', NEW.id USING HINT = 'Split it.'; END IF; RETURN NEW; END $$;
			CREATE TRIGGER orders_limit BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION limit_bulk();`);
		const args = ['--from', pair.source.url, '--to', pair.target.url, '--tables', 'orders', '--mode', 'upsert'];
		const before = await databaseChecksums(pair.target.client, ['public.orders']);
		const dry = await cli([...args, '--dry-run']);
		expect(dry.code, dry.output).toBe(0);
		const rehearsal = await cli([...args, '--rehearse']);
		expect(rehearsal.code, rehearsal.output).toBe(5);
		// The first failure is named with its cause: here the trigger function (from CONTEXT) and its hint.
		expect(rehearsal.output).toMatch(/limit_bulk\(\)/);
		expect(rehearsal.output).toMatch(/too large/);
		expect(rehearsal.output).toContain('Split it.');
		expect(await databaseChecksums(pair.target.client, ['public.orders'])).toEqual(before);

		// With the trigger out of the way, the CHECK constraint is what the rehearsal catches.
		await pair.target.client.query(`DROP TRIGGER orders_limit ON orders`);
		const second = await cli([...args, '--rehearse']);
		expect(second.code, second.output).toBe(5);
		expect(second.output).toMatch(
			/Check constraint violation while writing public\.orders \(constraint qty_positive\)/,
		);
		expect(await databaseChecksums(pair.target.client, ['public.orders'])).toEqual(before);
	});
});
