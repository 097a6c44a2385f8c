/**
 * Members of issue 10's kinds that a new user found after the first pass: a SET NULL into a NOT NULL
 * column refuses a mirror delete like a RESTRICT; an enum finding names, per column, only the labels
 * its rows use, with one ADD VALUE each; a failed rehearsal says it was one in JSON; `sync --json`
 * prints one document even for a flag it cannot parse.
 */
import {describe, expect, test} from 'vitest';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {cli, createRole, grantApplicationRole} from '../support/sync-runs.js';

const pair = pairPerTest();

describe('forecast members', () => {
	test('ON DELETE SET NULL into a NOT NULL column refuses the mirror in the dry run, even with --allow-cascade', async () => {
		for (const db of [pair.source, pair.target]) await db.client.query(`CREATE TABLE customers (id int PRIMARY KEY)`);
		await pair.source.client.query(`INSERT INTO customers VALUES (1)`);
		await pair.target.client.query(`
			INSERT INTO customers VALUES (1), (2);
			CREATE SCHEMA audit;
			CREATE TABLE audit.visits (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers ON DELETE SET NULL);
			INSERT INTO audit.visits VALUES (1, 2), (2, 2);`);
		const tables = ['public.customers', 'audit.visits'];
		const before = await databaseChecksums(pair.target.client, tables);
		const args = [
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--tables',
			'customers',
			'--mode',
			'mirror',
			'--max-delete',
			'100%',
			'--allow-cascade',
		];
		const dry = await cli([...args, '--dry-run', '--json']);
		expect(dry.code, dry.output).toBe(4);
		const finding = JSON.parse(dry.stdout).findings.find(
			(candidate: {code: string}) => candidate.code === 'mirror-delete-restricted',
		);
		expect(finding.message).toMatch(/2 rows of audit\.visits.*NOT NULL/);
		expect((await cli([...args, '--yes'])).code).toBe(4);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});

	test('enum labels: each column names only the labels its rows to write use, and the hint adds each', async () => {
		await pair.source.client.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'ecstatic'); CREATE TABLE e (id int PRIMARY KEY, m mood, ms mood[]);
			INSERT INTO e VALUES (1, 'sad', '{sad}'), (2, 'happy', '{ok}'), (3, 'sad', '{sad,ecstatic}')`);
		await pair.target.client.query(
			`CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TABLE e (id int PRIMARY KEY, m mood, ms mood[])`,
		);
		const dry = await cli(['--from', pair.source.url, '--to', pair.target.url, '--dry-run', '--json']);
		expect(dry.code, dry.output).toBe(4);
		const findings = JSON.parse(dry.stdout).findings.filter(
			(finding: {code: string}) => finding.code === 'enum-label-missing',
		);
		const byColumn = Object.fromEntries(
			findings.map((finding: {message: string; hint: string}) => [/ in (\w+),/.exec(finding.message)![1], finding]),
		);
		expect(byColumn.m.message).toContain(`'happy'`);
		expect(byColumn.m.message).not.toContain('ecstatic');
		expect(byColumn.ms.message).toContain(`'ecstatic'`);
		expect(byColumn.ms.message).not.toContain('happy');
		expect(byColumn.ms.hint).toContain(`ALTER TYPE public.mood ADD VALUE 'ecstatic';`);
	});

	test('a failed rehearsal says it was a rehearsal in JSON', async () => {
		for (const db of [pair.source, pair.target]) await db.client.query(`CREATE TABLE t (id int PRIMARY KEY, qty int)`);
		await pair.source.client.query(`INSERT INTO t VALUES (1, -1)`);
		await pair.target.client.query(`ALTER TABLE t ADD CONSTRAINT positive CHECK (qty > 0)`);
		const run = await cli(['--from', pair.source.url, '--to', pair.target.url, '--rehearse', '--json']);
		expect(run.code, run.output).toBe(5);
		expect(JSON.parse(run.stdout)).toMatchObject({rehearsed: true, error: {code: 'apply-failed'}});
	});

	test('an unpreviewed apply by a role that may only read the table refuses with the GRANT (exit 4), not at the lock (exit 5)', async () => {
		for (const db of [pair.source, pair.target]) await db.client.query(`CREATE TABLE t (id int PRIMARY KEY, v text)`);
		await pair.source.client.query(`INSERT INTO t VALUES (1, 'a'), (2, 'b')`);
		await pair.target.client.query(`INSERT INTO t VALUES (1, 'a')`);
		const reader = await createRole('reader');
		try {
			await grantApplicationRole(pair.target, reader.name, {tablePrivileges: 'SELECT'});
			const before = await databaseChecksums(pair.target.client, ['public.t']);
			const run = await cli(['--from', pair.source.url, '--to', reader.url(pair.target), '--yes']);
			expect(run.code, run.output).toBe(4);
			expect(run.output).toMatch(/GRANT INSERT ON public\.t TO/);
			expect(await databaseChecksums(pair.target.client, ['public.t'])).toEqual(before);
		} finally {
			await reader.drop([pair.target]);
		}
	});
});
