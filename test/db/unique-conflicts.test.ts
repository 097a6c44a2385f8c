/**
 * Issue 10 §1: secondary unique constraints. Local and production created different rows for the
 * same natural key (an e-mail): the dry run blocks, naming the index and both rows' keys, never the
 * value; the apply refuses the same way and leaves the target byte-identical.
 */
import {describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, syncExactly} from '../support/sync-runs.js';

const pair = pairPerTest();

const args = (mode: string) => [
	'--from',
	pair.source.url,
	'--to',
	pair.target.url,
	'--tables',
	'users',
	'--mode',
	mode,
];

describe('secondary unique indexes', () => {
	test.for(['insert', 'upsert'] as const)(
		'%s: another target row already has the e-mail → blocking, keys named, value never printed',
		async (mode) => {
			const schema = `CREATE EXTENSION IF NOT EXISTS citext; CREATE TABLE users (id int PRIMARY KEY, email citext NOT NULL UNIQUE, name text);`;
			for (const db of [pair.source, pair.target]) await db.client.query(schema);
			await pair.source.client.query(
				`INSERT INTO users VALUES (1, 'ann@example.org', 'Ann'), (2, 'Zed.Secret@example.org', 'Zed')`,
			);
			// Production made its own row for the same person (the index is case-insensitive: citext).
			await pair.target.client.query(
				`INSERT INTO users VALUES (1, 'ann@example.org', 'Ann'), (7, 'zed.secret@example.org', 'Zed (prod)')`,
			);
			const before = await databaseChecksums(pair.target.client, ['public.users']);
			const dry = await cli([...args(mode), '--dry-run', '--json']);
			expect(dry.code, dry.output).toBe(4);
			const finding = JSON.parse(dry.stdout).findings.find(
				(candidate: {code: string}) => candidate.code === 'unique-conflict',
			);
			expect(finding.severity).toBe('blocking');
			expect(finding.message).toContain('users_email_key');
			expect(finding.message).toMatch(/\(2\) against the target row \(7\)/);
			const applied = await cli([...args(mode), '--yes']);
			expect(applied.code, applied.output).toBe(4);
			for (const output of [dry.output, applied.output]) expect(output.toLowerCase()).not.toContain('zed.secret');
			expect(await databaseChecksums(pair.target.client, ['public.users'])).toEqual(before);
		},
	);

	test('two rows that swap their values block too (the index is checked row by row)', async () => {
		const schema = `CREATE TABLE seats (id int PRIMARY KEY, seat text NOT NULL UNIQUE);`;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.source.client.query(`INSERT INTO seats VALUES (1, 'B'), (2, 'A')`);
		await pair.target.client.query(`INSERT INTO seats VALUES (1, 'A'), (2, 'B')`);
		const dry = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'seats',
			'--mode',
			'upsert',
			'--dry-run',
			'--json',
		]);
		expect(dry.code, dry.output).toBe(4);
		expect(
			JSON.parse(dry.stdout).findings.find((candidate: {code: string}) => candidate.code === 'unique-conflict').message,
		).toMatch(/^2 rows to write in public\.seats/);
	});

	test('NULLs do not collide in a plain unique index: no false block', async () => {
		const schema = `CREATE TABLE people (id int PRIMARY KEY, passport text UNIQUE);`;
		for (const db of [pair.source, pair.target]) await db.client.query(schema);
		await pair.source.client.query(`INSERT INTO people VALUES (1, NULL), (2, NULL), (3, 'X1')`);
		await pair.target.client.query(`INSERT INTO people VALUES (1, NULL)`);
		await syncExactly(
			pair.source.endpoint,
			pair.target.endpoint,
			{mode: 'upsert', tables: ['people']},
			{'public.people': {insert: 2, update: 0, delete: 0}},
		);
	});
});
