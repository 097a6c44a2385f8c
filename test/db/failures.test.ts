import {beforeEach, describe, expect, test} from 'vitest';
import pg from 'pg';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {SyncSession, defaultSyncOptions} from '../../source/core/session/sync-session.js';
import type {SyncOptions} from '../../source/core/plan/types.js';
import {UserError} from '../../source/core/errors.js';
import type {SyncEvent} from '../../source/core/events.js';

const schema = `
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors(id), title text NOT NULL);
CREATE TABLE reviews (id bigserial PRIMARY KEY, book_id int NOT NULL REFERENCES books(id), stars int NOT NULL, body text);
`;
const tables = ['public.authors', 'public.books', 'public.reviews'];

const pair = pairPerTest();
beforeEach(async () => {
	for (const db of [pair.source, pair.target]) await db.client.query(schema);
	const seed = `
		INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 50) g;
		INSERT INTO books SELECT g, 1 + g % 50, 'book ' || g FROM generate_series(1, 500) g;`;
	await pair.source.client.query(seed);
	await pair.target.client.query(seed);
	await pair.target.client.query(
		`INSERT INTO reviews (book_id, stars, body) SELECT 1 + g % 500, 1 + g % 5, 'old review ' || g FROM generate_series(1, 1000) g`,
	);
});

async function attempt(
	options: Partial<SyncOptions>,
	hooks: {
		onEvent?: (event: SyncEvent) => void;
		signal?: AbortSignal;
		selection?: string[];
		lockTimeoutMs?: number;
	} = {},
) {
	const session = await SyncSession.open(pair.source.endpoint, pair.target.endpoint, {
		schemas: ['public'],
		allSchemas: false,
	});
	try {
		const plan = session.plan(
			{tables: hooks.selection ?? [], exclude: []},
			{...defaultSyncOptions, ...(hooks.lockTimeoutMs ? {lockTimeoutMs: hooks.lockTimeoutMs} : {}), ...options},
		);
		return await session.apply(plan, {onEvent: hooks.onEvent, signal: hooks.signal});
	} finally {
		await session.close();
	}
}

async function expectFailure(promise: Promise<unknown>): Promise<UserError> {
	const error = await promise.then(
		() => undefined,
		(failure: unknown) => failure,
	);
	expect(error).toBeInstanceOf(UserError);
	return error as UserError;
}

describe('a failed sync leaves the target exactly as it was', () => {
	test('FK violation in the last table rolls back the tables before it', async () => {
		// The source gains authors and books (fine) and reviews of a book the target will not get.
		await pair.source.client.query(`
			INSERT INTO authors SELECT g, 'new author ' || g FROM generate_series(51, 60) g;
			INSERT INTO books VALUES (9999, 1, 'source-only book');
			INSERT INTO reviews (id, book_id, stars, body) SELECT 2000 + g, 1 + g % 500, 5, 'new review ' || g FROM generate_series(1, 300) g;
			INSERT INTO reviews (id, book_id, stars, body) VALUES (3000, 9999, 1, 'orphan once books is left out');`);
		const before = await databaseChecksums(pair.target.client, tables);
		const error = await expectFailure(attempt({mode: 'insert'}, {selection: ['authors', 'reviews']}));
		expect(error.code).toBe('apply-failed');
		expect(error.exitCode).toBe(5);
		expect(error.message).toMatch(/Foreign key violation while writing public\.reviews/);
		expect(error.message).toMatch(/reviews_book_id_fkey/);
		expect(error.message).toMatch(/\(book_id\)=\(9999\)/);
		expect(error.hint).toMatch(/parent table/);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});

	test('the target backend killed mid-apply loses nothing', async () => {
		await pair.source.client.query(
			`INSERT INTO reviews (book_id, stars, body) SELECT 1 + g % 500, 1 + g % 5, repeat('x', 100) || g FROM generate_series(1, 200000) g`,
		);
		const before = await databaseChecksums(pair.target.client, tables);
		const killer = new pg.Client({connectionString: pair.target.url});
		await killer.connect();
		let killed = 0;
		const error = await expectFailure(
			attempt(
				{mode: 'upsert'},
				{
					onEvent: (event) => {
						if (event.type === 'apply-table-started' && event.table === 'public.reviews') {
							void killer
								.query(
									`SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pgconvoy' AND pid <> pg_backend_pid()`,
									[pair.target.name],
								)
								.then((result) => (killed = Number(result.rows[0].killed)));
						}
					},
				},
			),
		);
		await killer.end();
		expect(killed).toBeGreaterThan(0);
		expect(error.code).toBe('apply-failed');
		expect(error.message).toMatch(/connection to the target was lost|target server ended the session/);
		expect(error.message).toMatch(/nothing was written/i);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});

	test('a lock held on a target table fails after the lock timeout and names the blocker', async () => {
		await pair.source.client.query(`INSERT INTO authors VALUES (77, 'late author')`);
		const before = await databaseChecksums(pair.target.client, tables);
		const blocker = new pg.Client({connectionString: pair.target.url, application_name: 'nightly-report'});
		await blocker.connect();
		await blocker.query('BEGIN');
		await blocker.query('LOCK TABLE books IN EXCLUSIVE MODE');
		const blockerPid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
		const started = Date.now();
		const error = await expectFailure(attempt({mode: 'upsert'}, {lockTimeoutMs: 300}));
		const waited = Date.now() - started;
		await blocker.query('ROLLBACK');
		await blocker.end();
		expect(error.code).toBe('lock-timeout');
		expect(error.message).toContain(`pid ${blockerPid}`);
		expect(error.message).toContain('nightly-report');
		// The hint ends the real blocker, not a placeholder; flag mode's names the flag, the wizard's none.
		expect(error.hint).toContain(`pg_terminate_backend(${blockerPid})`);
		expect(error.hint).not.toMatch(/--/);
		expect(error.flagHint).toMatch(/--lock-timeout/);
		expect(waited).toBeGreaterThanOrEqual(300);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});

	test('aborting mid-apply cancels the statement and rolls back', async () => {
		await pair.source.client.query(
			`INSERT INTO reviews (book_id, stars, body) SELECT 1 + g % 500, 1 + g % 5, repeat('y', 100) || g FROM generate_series(1, 200000) g`,
		);
		const before = await databaseChecksums(pair.target.client, tables);
		const abort = new AbortController();
		const error = await expectFailure(
			attempt(
				{mode: 'upsert'},
				{
					signal: abort.signal,
					onEvent: (event) => {
						if (event.type === 'apply-table-started' && event.table === 'public.reviews') abort.abort();
					},
				},
			),
		);
		expect(error.code).toBe('interrupted');
		expect(error.exitCode).toBe(130);
		expect(await databaseChecksums(pair.target.client, tables)).toEqual(before);
	});
});

describe('sequences', () => {
	test('advanced to max(id) after explicit ids, never moved back', async () => {
		await pair.source.client.query(
			`INSERT INTO reviews (id, book_id, stars) SELECT g, 1, 5 FROM generate_series(5001, 5100) g`,
		);
		await attempt({mode: 'insert'});
		const after = await pair.target.client.query(`SELECT last_value::int AS value FROM reviews_id_seq`);
		expect(after.rows[0].value).toBe(5100);
		// The next application insert gets a fresh id.
		const next = await pair.target.client.query(`INSERT INTO reviews (book_id, stars) VALUES (1, 1) RETURNING id::int`);
		expect(next.rows[0].id).toBe(5101);

		await pair.target.client.query(`SELECT setval('reviews_id_seq', 90000)`);
		await pair.source.client.query(`INSERT INTO reviews (id, book_id, stars) VALUES (6000, 1, 3)`);
		await attempt({mode: 'insert'});
		const ahead = await pair.target.client.query(`SELECT last_value::int AS value FROM reviews_id_seq`);
		expect(ahead.rows[0].value).toBe(90000);
	});
});
