/**
 * Issue 9 item 3 (and the hashless types of item 5): "unchanged" means identical after writing. A row
 * is unchanged only if every column would read back exactly the same on the target; values a type's
 * equality calls equal (1.5 = 1.50, 'Alice' = 'alice' in citext, -0 = 0, '1 day' = '24 hours') are
 * changes. For each case: the preview's counts, the apply's counts, the target's text afterwards (the
 * source's, or what the target stores for it when the types differ), and a second run that writes nothing.
 */
import {describe, expect, test, type TestContext} from 'vitest';
import {freshDatabase, clusterInfo, type TestDatabase} from '../support/databases.js';
import {rowsOf, syncExactly} from '../support/sync-runs.js';
import type {ClusterInfo} from '../support/global-setup.js';

interface ValueCase {
	name: string;
	/** Run on both sides first (types, extensions, collations). */
	prelude?: string;
	/** Column definitions after `id int PRIMARY KEY`; `targetColumns` when the target's differ. */
	columns: string;
	targetColumns?: string;
	/** Row tuples after the id (ids 1, 2, …). */
	source: string[];
	target: string[];
	updates: number;
	/** What the target must read afterwards, computed on the source (default: the source's rows as they are). */
	expectedSql?: string;
	needs?: 'citext' | 'icu';
}

const cases: ValueCase[] = [
	{
		name: 'numeric scale: 1.50 vs 1.5, 2.000 vs 2',
		columns: 'amount numeric',
		source: ['1.50', '2.000', '7'],
		target: ['1.5', '2', '7'],
		updates: 2,
	},
	{
		name: 'citext changed only in letter case',
		needs: 'citext',
		prelude: 'CREATE EXTENSION IF NOT EXISTS citext;',
		columns: 'email citext',
		source: [`'Alice@Example.com'`, `'bob@example.com'`],
		target: [`'alice@example.com'`, `'bob@example.com'`],
		updates: 1,
	},
	{
		name: 'float8 -0 vs 0',
		columns: 'x float8',
		source: [`'-0'`, '1.5', `'NaN'`],
		target: ['0', '1.5', `'NaN'`],
		updates: 1,
	},
	{
		name: 'json in the source, jsonb in the target: compared as the target stores it',
		columns: 'doc json',
		targetColumns: 'doc jsonb',
		source: [`'{"b": 2,   "a": 1}'`, `'[1,  2]'`, `'{"a": 1}'`],
		target: [`'{"a": 1, "b": 2}'`, `'[1, 2]'`, `'{"a": 2}'`],
		updates: 1,
		expectedSql: 'SELECT id, ROW(id, doc::jsonb)::text AS r FROM v ORDER BY id',
	},
	{
		name: 'timestamptz: the same instant written in two zones is unchanged',
		columns: 'at timestamptz',
		source: [`'2024-01-01 12:00:00+02'`, `'2024-01-01 00:00:01+00'`],
		target: [`'2024-01-01 10:00:00+00'`, `'2024-01-01 00:00:00+00'`],
		updates: 1,
	},
	{
		name: "interval '1 day' vs '24 hours'",
		columns: 'span interval',
		source: [`'1 day'`, `'2 hours'`],
		target: [`'24 hours'`, `'2 hours'`],
		updates: 1,
	},
	{
		name: 'text under a nondeterministic (case-insensitive) ICU collation, changed only in case',
		needs: 'icu',
		prelude: `CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`,
		columns: 'name text COLLATE ci',
		source: [`'Alice'`, `'Bob'`],
		target: [`'alice'`, `'Bob'`],
		updates: 1,
	},
	{
		name: 'arrays with different lower bounds',
		columns: 'xs int[]',
		source: [`'[0:1]={1,2}'`, `'{3}'`],
		target: [`'{1,2}'`, `'{3}'`],
		updates: 1,
	},
	{
		name: 'numeric inside arrays',
		columns: 'xs numeric[]',
		source: [`'{1.50,2}'`, `'{3}'`],
		target: [`'{1.5,2}'`, `'{3}'`],
		updates: 1,
	},
	{
		name: 'a domain over numeric',
		prelude: 'CREATE DOMAIN amount AS numeric CHECK (VALUE >= 0);',
		columns: 'price amount',
		source: ['1.50', '3'],
		target: ['1.5', '3'],
		updates: 1,
	},
	{
		name: "numrange '[1.50,2)' vs '[1.5,2)'",
		columns: 'r numrange',
		source: [`'[1.50,2)'`, `'[3,4)'`],
		target: [`'[1.5,2)'`, `'[3,4)'`],
		updates: 1,
	},
	{
		name: 'a composite type holding numeric',
		prelude: 'CREATE TYPE priced AS (label text, amount numeric);',
		columns: 'item priced',
		source: [`'(pen,1.50)'`, `'(ink,2)'`],
		target: [`'(pen,1.5)'`, `'(ink,2)'`],
		updates: 1,
	},
	{
		name: 'point, line and box columns, arrays and a domain of them (no hash function)',
		prelude: 'CREATE DOMAIN place AS point;',
		columns: 'p point, l line, b box, ps point[], d place',
		source: [
			`'(1,2)', '{1,-1,0}', '((0,0),(1,1))', '{"(1,2)","(3,4)"}', '(5,6)'`,
			`'(1.0000001,2)', '{1,-1,0}', '((0,0),(1,1))', '{"(1,2)"}', '(5,6)'`,
			`'(1,2)', '{1,-1,0.5}', '((0,0),(2,2))', '{"(1,2)","(3,4.5)"}', '(5,6.5)'`,
		],
		target: [
			`'(1,2)', '{1,-1,0}', '((0,0),(1,1))', '{"(1,2)","(3,4)"}', '(5,6)'`,
			`'(1,2)', '{1,-1,0}', '((0,0),(1,1))', '{"(1,2)"}', '(5,6)'`,
			`'(1,2)', '{1,-1,0}', '((0,0),(1,1))', '{"(1,2)","(3,4)"}', '(5,6)'`,
		],
		// Row 2 differs by less than the geometric types' fuzzy equality (1e-6): still a change.
		updates: 2,
	},
	{
		name: 'text in the source, integer in the target: compared as the target stores it',
		columns: 'n text',
		targetColumns: 'n integer',
		source: [`'42'`, `'007'`, `'9'`],
		target: ['42', '6', '9'],
		updates: 1,
		expectedSql: 'SELECT id, ROW(id, n::integer)::text AS r FROM v ORDER BY id',
	},
];

async function available(db: TestDatabase, need: ValueCase['needs']): Promise<string | undefined> {
	if (need === 'citext') {
		const {rows} = await db.client.query(
			`SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'citext'`,
		);
		if (rows[0].n === 0) return `the citext extension is not available on this server`;
	}
	if (need === 'icu') {
		const {rows} = await db.client.query(`SELECT count(*)::int AS n FROM pg_collation WHERE collprovider = 'i'`);
		if (rows[0].n === 0) return `this server was built without ICU`;
	}
	return undefined;
}

async function checkCase(context: TestContext, valueCase: ValueCase, sourceCluster?: ClusterInfo) {
	const source = await freshDatabase('source', sourceCluster);
	const target = await freshDatabase('target');
	try {
		for (const db of [source, target]) {
			const missing = await available(db, valueCase.needs);
			if (missing) context.skip(missing);
		}
		const table = (columns: string, rows: string[]) =>
			`${valueCase.prelude ?? ''} CREATE TABLE v (id int PRIMARY KEY, ${columns}); INSERT INTO v VALUES ${rows.map((row, index) => `(${index + 1}, ${row})`).join(', ')};`;
		await source.client.query(table(valueCase.columns, valueCase.source));
		await target.client.query(table(valueCase.targetColumns ?? valueCase.columns, valueCase.target));

		await syncExactly(
			source.endpoint,
			target.endpoint,
			{mode: 'upsert', tables: ['v']},
			{'public.v': {insert: 0, update: valueCase.updates, delete: 0}},
		);

		const expected = await rowsOf(source.client, valueCase.expectedSql ?? 'SELECT id, v::text AS r FROM v ORDER BY id');
		const actual = await rowsOf(target.client, 'SELECT id, v::text AS r FROM v ORDER BY id');
		expect(actual).toEqual(expected);
	} finally {
		await Promise.all([source.drop(), target.drop()]);
	}
}

describe('upsert: a row is unchanged only if it reads back identical on the target', () => {
	test.for(cases.map((valueCase) => [valueCase.name, valueCase] as const))('%s', async ([, valueCase], context) => {
		await checkCase(context, valueCase);
	});
});

const pg15 = clusterInfo('15');
const crossVersion = [
	'numeric scale: 1.50 vs 1.5, 2.000 vs 2',
	'citext changed only in letter case',
	'float8 -0 vs 0',
	"interval '1 day' vs '24 hours'",
	'arrays with different lower bounds',
	'point, line and box columns, arrays and a domain of them (no hash function)',
];
describe.runIf(pg15)('PostgreSQL 15 source → 18 target', () => {
	test.for(
		cases
			.filter((valueCase) => crossVersion.includes(valueCase.name))
			.map((valueCase) => [valueCase.name, valueCase] as const),
	)('%s', async ([, valueCase], context) => {
		await checkCase(context, valueCase, pg15 as ClusterInfo);
	});
});
