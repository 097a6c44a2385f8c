/**
 * Issue 10 §1: everything a read-only look can know is a finding in the dry run. One test per
 * forecast, through the headless command as a user runs it: the dry run exits 4 with one JSON
 * document holding a blocking finding that names the cause and the fix, and an apply attempt
 * leaves the target byte-identical. And the cases where a forecast must not fire: a false block
 * is as wrong as a missed one.
 */
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import pg from 'pg';
import {pairPerTest} from '../support/databases.js';
import {databaseChecksums, quoteIdent} from '../support/oracle.js';
import {cli, createRole, grantApplicationRole, type TestRole} from '../support/sync-runs.js';

const pair = pairPerTest();
const roles: TestRole[] = [];
const blockers: pg.Client[] = [];
afterEach(async () => {
	for (const blocker of blockers.splice(0)) await blocker.end().catch(() => {});
	for (const role of roles.splice(0)) await role.drop([pair.source, pair.target]);
});

async function role(prefix: string): Promise<TestRole> {
	const created = await createRole(prefix);
	roles.push(created);
	return created;
}

interface JsonFinding {
	table?: string;
	severity: 'warning' | 'blocking';
	code: string;
	message: string;
	hint?: string;
}

/** Exactly one JSON document on stdout (a second one, or any text around it, fails to parse). */
function oneDocument(stdout: string): {
	findings?: JsonFinding[];
	error?: {code: string; message: string; hint?: string};
	[key: string]: unknown;
} {
	let report: ReturnType<typeof oneDocument> | undefined;
	expect(() => (report = JSON.parse(stdout)), `stdout is one JSON document:\n${stdout}`).not.toThrow();
	return report!;
}

/** Plain output with its wrapping undone, so a hint split over lines still matches. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

/** A role name as a hint may print it: bare or double-quoted. */
const roleName = (name: string) => `"?${name}"?`;

interface Forecast {
	/** The command's connection and selection flags. */
	args: string[];
	code: string;
	/** The table the finding is about; undefined for a finding about the whole target. */
	table?: string;
	cause: RegExp;
	fix: RegExp;
	/** Target tables whose contents must not change. */
	tables: string[];
	/** 4 when the plan refuses; 5 where only the server can refuse. */
	applyExit?: number;
}

/**
 * The issue's acceptance for one forecast: `--dry-run --json` exits 4 with a blocking finding of
 * `code` on `table` (message = the cause, hint = the fix); `--yes` exits 4 naming the same, and
 * the target is byte-identical.
 */
async function expectForecast(forecast: Forecast): Promise<JsonFinding> {
	const before = await databaseChecksums(pair.target.client, forecast.tables);

	const dry = await cli([...forecast.args, '--dry-run', '--json']);
	expect(dry.code, dry.output).toBe(4);
	const report = oneDocument(dry.stdout);
	const findings = report.findings ?? [];
	const finding = findings.find((candidate) => candidate.code === forecast.code && candidate.table === forecast.table);
	expect(
		finding,
		`a ${forecast.code} finding on ${forecast.table ?? 'the target'} in ${JSON.stringify(findings, null, 2)}`,
	).toBeDefined();
	expect(finding!.severity).toBe('blocking');
	expect(finding!.message).toMatch(forecast.cause);
	expect(finding!.hint ?? '').toMatch(forecast.fix);
	expect(dry.output).not.toMatch(/bug in pgconvoy|Unexpected error/i);
	expect(await databaseChecksums(pair.target.client, forecast.tables), 'the dry run wrote nothing').toEqual(before);

	const applied = await cli([...forecast.args, '--yes']);
	expect(applied.code, applied.output).toBe(forecast.applyExit ?? 4);
	expect(flat(applied.output)).toMatch(forecast.cause);
	expect(flat(applied.output)).toMatch(forecast.fix);
	expect(applied.output).not.toMatch(/bug in pgconvoy|Unexpected error/i);
	expect(
		await databaseChecksums(pair.target.client, forecast.tables),
		'the apply attempt left the target byte-identical',
	).toEqual(before);
	return finding!;
}

/** A sync that must go through: the dry run exits 0 without a blocking finding, the apply exits 0. */
async function expectNoBlock(args: string[], notCodes: string[]): Promise<void> {
	const dry = await cli([...args, '--dry-run', '--json']);
	const report = oneDocument(dry.stdout);
	const findings = report.findings ?? [];
	expect(
		findings.filter((finding) => finding.severity === 'blocking' || notCodes.includes(finding.code)),
		'no false block',
	).toEqual([]);
	expect(dry.code, dry.output).toBe(0);
	const applied = await cli([...args, '--yes', '--json']);
	expect(applied.code, applied.output).toBe(0);
	expect(oneDocument(applied.stdout)).toMatchObject({committed: true});
}

const items = `CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);`;
/** insert 1 (id 3), update 1 (id 2, upsert and mirror), delete 1 (id 9, mirror: a third of the rows). */
async function loadItems() {
	await pair.source.client.query(items + `INSERT INTO items VALUES (1, 'pen'), (2, 'ink'), (3, 'cap')`);
	await pair.target.client.query(items + `INSERT INTO items VALUES (1, 'pen'), (2, 'old ink'), (9, 'gone')`);
}
const itemRows = async () => (await pair.target.client.query(`SELECT id, name FROM items ORDER BY id`)).rows;

describe('a read-only target', () => {
	test('a role whose sessions start read-only (default_transaction_read_only): blocked, names ALTER ROLE … = off', async () => {
		await loadItems();
		const app = await role('readonly');
		await grantApplicationRole(pair.target, app.name);
		await pair.target.client.query(`ALTER ROLE ${quoteIdent(app.name)} SET default_transaction_read_only = on`);
		await expectForecast({
			args: ['--from', pair.source.url, '--to', app.url(pair.target), '--mode', 'upsert'],
			code: 'target-read-only',
			table: undefined,
			cause: /default_transaction_read_only/,
			fix: new RegExp(`ALTER ROLE ${roleName(app.name)} SET default_transaction_read_only = off`),
			tables: ['public.items'],
		});
	});
});

describe('source privileges', () => {
	let reader: TestRole;
	beforeEach(async () => {
		reader = await role('reader');
		const schema = items + `CREATE TABLE secrets (id int PRIMARY KEY, value text NOT NULL);`;
		await pair.source.client.query(
			schema + `INSERT INTO items VALUES (1, 'pen'), (2, 'ink'); INSERT INTO secrets VALUES (1, 'a'), (2, 'b');`,
		);
		await pair.target.client.query(
			schema + `INSERT INTO items VALUES (1, 'pen'); INSERT INTO secrets VALUES (1, 'a'), (7, 'target only');`,
		);
		const who = quoteIdent(reader.name);
		await pair.source.client.query(`
			REVOKE ALL ON DATABASE ${quoteIdent(pair.source.name)} FROM PUBLIC;
			GRANT CONNECT ON DATABASE ${quoteIdent(pair.source.name)} TO ${who};
			GRANT USAGE ON SCHEMA public TO ${who};
			GRANT SELECT ON items TO ${who};`);
	});

	test('a source table the source role may not SELECT: source-privilege, names GRANT SELECT', async () => {
		await expectForecast({
			args: ['--from', reader.url(pair.source), '--to', pair.target.url],
			code: 'source-privilege',
			table: 'public.secrets',
			cause: new RegExp(`source role ${roleName(reader.name)}.*no SELECT`),
			fix: new RegExp(`GRANT SELECT ON public\\.secrets TO ${roleName(reader.name)}`),
			tables: ['public.items', 'public.secrets'],
		});
	});

	test('row-level security hides source rows: source-row-security, and the hidden rows never become mirror deletes', async () => {
		await pair.source.client.query(`
			GRANT SELECT ON secrets TO ${quoteIdent(reader.name)};
			ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
			CREATE POLICY own_rows ON secrets FOR SELECT USING (value = current_user);`);
		await expectForecast({
			args: ['--from', reader.url(pair.source), '--to', pair.target.url, '--mode', 'mirror', '--max-delete', '100%'],
			code: 'source-row-security',
			table: 'public.secrets',
			cause: /row-level security/i,
			fix: /BYPASSRLS|owner/,
			tables: ['public.items', 'public.secrets'],
		});
		expect((await pair.target.client.query(`SELECT count(*)::int AS n FROM secrets`)).rows[0].n).toBe(2);
	});
});

describe('target privileges for the rows the mode writes', () => {
	let app: TestRole;
	beforeEach(async () => {
		await loadItems();
		app = await role('app');
	});
	const args = (mode: string) => ['--from', pair.source.url, '--to', app.url(pair.target), '--mode', mode];

	test('no SELECT on a target table: its rows cannot be compared', async () => {
		await grantApplicationRole(pair.target, app.name);
		await pair.target.client.query(`REVOKE SELECT ON items FROM ${quoteIdent(app.name)}`);
		await expectForecast({
			args: args('insert'),
			code: 'target-privilege',
			table: 'public.items',
			cause: /no SELECT/,
			fix: new RegExp(`GRANT SELECT ON public\\.items TO ${roleName(app.name)}`),
			tables: ['public.items'],
		});
	});

	test.each([
		['insert', 'INSERT', 'SELECT, UPDATE, DELETE'],
		['upsert', 'UPDATE', 'SELECT, INSERT, DELETE'],
		['mirror', 'DELETE', 'SELECT, INSERT, UPDATE'],
	] as const)('%s mode without %s: blocked, names the GRANT', async (mode, privilege, granted) => {
		await grantApplicationRole(pair.target, app.name, {tablePrivileges: granted});
		await expectForecast({
			args: args(mode),
			code: 'target-privilege',
			table: 'public.items',
			cause: new RegExp(`${privilege.toLowerCase()} 1 row in public\\.items.*no ${privilege}`),
			fix: new RegExp(`GRANT ${privilege} ON public\\.items TO ${roleName(app.name)}`),
			tables: ['public.items'],
		});
	});

	test('no false block: INSERT (and SELECT) only, insert mode, a changed row it will not update', async () => {
		await grantApplicationRole(pair.target, app.name, {tablePrivileges: 'SELECT, INSERT'});
		await expectNoBlock(args('insert'), ['target-privilege']);
		expect(await itemRows()).toEqual([
			{id: 1, name: 'pen'},
			{id: 2, name: 'old ink'},
			{id: 3, name: 'cap'},
			{id: 9, name: 'gone'},
		]);
	});
});

describe('TEMP on the target database (the apply stages rows in a TEMP table)', () => {
	let app: TestRole;
	beforeEach(async () => {
		app = await role('notemp');
	});
	const args = (mode: string) => ['--from', pair.source.url, '--to', app.url(pair.target), '--mode', mode];
	const revokeTemp = () =>
		pair.target.client.query(`REVOKE TEMP ON DATABASE ${quoteIdent(pair.target.name)} FROM ${quoteIdent(app.name)}`);

	test('updates go through a stage: without TEMP, blocked, names GRANT TEMP', async () => {
		await loadItems();
		await grantApplicationRole(pair.target, app.name);
		await revokeTemp();
		await expectForecast({
			args: args('upsert'),
			code: 'target-temp-privilege',
			table: 'public.items',
			cause: /TEMP/,
			fix: new RegExp(`GRANT TEMP ON DATABASE "?${pair.target.name}"? TO ${roleName(app.name)}`),
			tables: ['public.items'],
		});
	});

	test('a whole-table copy into a non-empty target (most rows missing): without TEMP, blocked', async () => {
		await pair.source.client.query(items + `INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g`);
		await pair.target.client.query(items + `INSERT INTO items VALUES (1, 'item 1')`);
		await grantApplicationRole(pair.target, app.name);
		await revokeTemp();
		await expectForecast({
			args: args('insert'),
			code: 'target-temp-privilege',
			table: 'public.items',
			cause: /TEMP/,
			fix: /GRANT TEMP ON DATABASE/,
			tables: ['public.items'],
		});
	});

	test('no false block: only inserts into an empty target (a direct COPY)', async () => {
		await pair.source.client.query(items + `INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g`);
		await pair.target.client.query(items);
		await grantApplicationRole(pair.target, app.name, {tablePrivileges: 'SELECT, INSERT'});
		await revokeTemp();
		await expectNoBlock(args('insert'), ['target-temp-privilege']);
		expect((await pair.target.client.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n).toBe(10);
	});

	test('no false block: a few inserts into a non-empty target (COPYed straight in)', async () => {
		await pair.source.client.query(items + `INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g`);
		await pair.target.client.query(items + `INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 9) g`);
		await grantApplicationRole(pair.target, app.name);
		await revokeTemp();
		await expectNoBlock(args('insert'), ['target-temp-privilege']);
		expect((await pair.target.client.query(`SELECT count(*)::int AS n FROM items`)).rows[0].n).toBe(10);
	});
});

describe('a sequence that must move', () => {
	test('USAGE without UPDATE: sequence-privilege, names GRANT UPDATE ON SEQUENCE; the sequence is untouched', async () => {
		const create = `CREATE TABLE tickets (id serial PRIMARY KEY, title text NOT NULL);`;
		await pair.source.client.query(create + `INSERT INTO tickets (title) VALUES ('a'), ('b'), ('c')`);
		await pair.target.client.query(create + `INSERT INTO tickets (title) VALUES ('a')`);
		const app = await role('seq');
		await grantApplicationRole(pair.target, app.name, {sequencePrivileges: 'USAGE'});
		const sequenceBefore = (await pair.target.client.query(`SELECT last_value::int, is_called FROM tickets_id_seq`))
			.rows[0];
		await expectForecast({
			args: ['--from', pair.source.url, '--to', app.url(pair.target), '--mode', 'insert'],
			code: 'sequence-privilege',
			table: 'public.tickets',
			cause: /tickets_id_seq/,
			fix: new RegExp(`GRANT UPDATE ON SEQUENCE \\S*tickets_id_seq\\S* TO ${roleName(app.name)}`),
			tables: ['public.tickets'],
		});
		expect((await pair.target.client.query(`SELECT last_value::int, is_called FROM tickets_id_seq`)).rows[0]).toEqual(
			sequenceBefore,
		);
	});
});

describe('enum labels the target lacks', () => {
	const sourceType = `CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');`;
	const targetType = `CREATE TYPE mood AS ENUM ('happy', 'sad');`;

	test('in a plain enum column: enum-label-missing names the label, the column and ALTER TYPE … ADD VALUE', async () => {
		const table = `CREATE TABLE moods (id int PRIMARY KEY, mood mood NOT NULL);`;
		await pair.source.client.query(sourceType + table + `INSERT INTO moods VALUES (1, 'happy'), (2, 'meh')`);
		await pair.target.client.query(targetType + table + `INSERT INTO moods VALUES (1, 'happy')`);
		await expectForecast({
			args: ['--from', pair.source.url, '--to', pair.target.url],
			code: 'enum-label-missing',
			table: 'public.moods',
			cause: /'meh'.*\bmood\b/,
			fix: /ALTER TYPE \S*mood\S* ADD VALUE 'meh'/,
			tables: ['public.moods'],
		});
	});

	test('inside an enum array: the same finding', async () => {
		const table = `CREATE TABLE diaries (id int PRIMARY KEY, moods mood[] NOT NULL);`;
		await pair.source.client.query(sourceType + table + `INSERT INTO diaries VALUES (1, '{happy}'), (2, '{sad,meh}')`);
		await pair.target.client.query(targetType + table + `INSERT INTO diaries VALUES (1, '{happy}')`);
		await expectForecast({
			args: ['--from', pair.source.url, '--to', pair.target.url],
			code: 'enum-label-missing',
			table: 'public.diaries',
			cause: /'meh'.*\bmoods\b/,
			fix: /ALTER TYPE \S*mood\S* ADD VALUE 'meh'/,
			tables: ['public.diaries'],
		});
	});

	test('no false block: the missing label is only in rows the mode does not write', async () => {
		const table = `CREATE TABLE moods (id int PRIMARY KEY, mood mood NOT NULL);`;
		// Insert mode writes only id 3; id 2 differs ('meh' in the source) but insert mode leaves it alone.
		await pair.source.client.query(
			sourceType + table + `INSERT INTO moods VALUES (1, 'happy'), (2, 'meh'), (3, 'sad')`,
		);
		await pair.target.client.query(targetType + table + `INSERT INTO moods VALUES (1, 'happy'), (2, 'sad')`);
		await expectNoBlock(
			['--from', pair.source.url, '--to', pair.target.url, '--mode', 'insert'],
			['enum-label-missing'],
		);
		expect((await pair.target.client.query(`SELECT id, mood::text FROM moods ORDER BY id`)).rows).toEqual([
			{id: 1, mood: 'happy'},
			{id: 2, mood: 'sad'},
			{id: 3, mood: 'sad'},
		]);
	});

	test('no false block: the source enum has the label, but no row to write uses it', async () => {
		const table = `CREATE TABLE moods (id int PRIMARY KEY, mood mood NOT NULL);`;
		await pair.source.client.query(sourceType + table + `INSERT INTO moods VALUES (1, 'happy'), (2, 'sad')`);
		await pair.target.client.query(targetType + table + `INSERT INTO moods VALUES (1, 'happy')`);
		await expectNoBlock(
			['--from', pair.source.url, '--to', pair.target.url, '--mode', 'upsert'],
			['enum-label-missing'],
		);
	});
});

describe('more locks than max_locks_per_transaction', () => {
	test('a table with 70 partitions: a warning with the advice; the dry run still exits 0', async () => {
		const schema = `
			CREATE TABLE readings (id int NOT NULL, at int NOT NULL, value text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
			DO $$ BEGIN
				FOR i IN 0..69 LOOP
					EXECUTE format('CREATE TABLE readings_%s PARTITION OF readings FOR VALUES FROM (%s) TO (%s)', i, i * 10, i * 10 + 10);
				END LOOP;
			END $$;`;
		await pair.source.client.query(schema + `INSERT INTO readings SELECT g, g, 'v' FROM generate_series(0, 699) g`);
		await pair.target.client.query(schema + `INSERT INTO readings SELECT g, g, 'v' FROM generate_series(0, 349) g`);
		const maxLocks = (await pair.target.client.query(`SHOW max_locks_per_transaction`)).rows[0]
			.max_locks_per_transaction as string;

		const dry = await cli(['--from', pair.source.url, '--to', pair.target.url, '--dry-run', '--json']);
		expect(dry.code, dry.output).toBe(0);
		const findings = oneDocument(dry.stdout).findings ?? [];
		const warning = findings.find((finding) => finding.code === 'lock-footprint');
		expect(warning, JSON.stringify(findings, null, 2)).toBeDefined();
		expect(warning!.severity).toBe('warning');
		expect(warning!.message).toContain('max_locks_per_transaction');
		expect(warning!.message).toContain(`(${maxLocks})`);
		expect(warning!.hint).toMatch(/fewer tables|max_locks_per_transaction/);
	});

	test('an ordinary sync: no such warning', async () => {
		await loadItems();
		const dry = await cli(['--from', pair.source.url, '--to', pair.target.url, '--dry-run', '--json']);
		expect(dry.code, dry.output).toBe(0);
		expect((oneDocument(dry.stdout).findings ?? []).map((finding) => finding.code)).not.toContain('lock-footprint');
	});
});

describe('a lock held on a target table during the preview', () => {
	test("the dry run fails with the apply's message, naming the blocker's pid (exit 5, not 1)", async () => {
		await loadItems();
		const blocker = new pg.Client({connectionString: pair.target.url, application_name: 'nightly-report'});
		blockers.push(blocker);
		await blocker.connect();
		const pid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
		await blocker.query('BEGIN');
		// Its last statement is what the message shows ("what it runs").
		await blocker.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');

		const plain = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--dry-run',
			'--lock-timeout',
			'300ms',
		]);
		expect(plain.code, plain.output).toBe(5);
		expect(flat(plain.output)).toMatch(/Timed out waiting for a lock/);
		expect(flat(plain.output)).toContain(`held by pid ${pid} (`);
		expect(flat(plain.output)).toContain('nightly-report');
		expect(flat(plain.output)).toContain(`pg_terminate_backend(${pid})`);
		expect(flat(plain.output)).toContain('--lock-timeout');
		expect(plain.output).not.toMatch(/bug in pgconvoy|Unexpected error/i);

		const json = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--dry-run',
			'--json',
			'--lock-timeout',
			'300ms',
		]);
		expect(json.code, json.output).toBe(5);
		const report = oneDocument(json.stdout);
		expect(report.error?.message).toContain(`held by pid ${pid} (`);
		expect(report.error?.message).toMatch(/LOCK TABLE items/);
		expect(report.error?.hint).toContain(`pg_terminate_backend(${pid})`);

		// Once the session lets go, the same dry run goes through.
		await blocker.query('ROLLBACK');
		const after = await cli([
			'--from',
			pair.source.url,
			'--to',
			pair.target.url,
			'--dry-run',
			'--json',
			'--lock-timeout',
			'300ms',
		]);
		expect(after.code, after.output).toBe(0);
	});
});

/** What a message or a JSON document says about `table`: the count written before "in <table>". */
function countIn(message: string, table: string): number | undefined {
	const name = table.startsWith('public.')
		? `(?:public\\.)?${table.slice('public.'.length)}`
		: table.replace('.', '\\.');
	const match = new RegExp(`(\\d+)(?: rows?)?(?: (?:deleted|set null|set default|cascaded?))? in ${name}\\b`).exec(
		message,
	);
	return match ? Number(match[1]) : undefined;
}

/** Somewhere in a JSON document, an object naming `table` next to the number `rows`. */
function reportsRows(document: unknown, table: string, rows: number): boolean {
	if (Array.isArray(document)) return document.some((item) => reportsRows(item, table, rows));
	if (document && typeof document === 'object') {
		const values = Object.values(document);
		if (values.includes(table) && values.includes(rows)) return true;
		return values.some((value) => reportsRows(value, table, rows));
	}
	return false;
}

describe('mirror deletes and the rows outside the selection that point at them', () => {
	const customers = `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);`;
	/** Source: customers 1–5. Target: customers 1–10, so a mirror deletes 6–10 (half the table). */
	async function loadCustomers(targetExtra: string, sourceExtra = '') {
		await pair.source.client.query(
			customers + `INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 5) g;` + sourceExtra,
		);
		await pair.target.client.query(
			customers + `INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 10) g;` + targetExtra,
		);
	}
	const mirror = (...extra: string[]) => [
		'--from',
		pair.source.url,
		'--to',
		pair.target.url,
		'--mode',
		'mirror',
		'--tables',
		'customers',
		'--max-delete',
		'100%',
		...extra,
	];

	describe('a foreign key that refuses the delete (NO ACTION / RESTRICT)', () => {
		test('a target-only row of an unselected table in another schema references a row to delete: blocked', async () => {
			await loadCustomers(`
				CREATE SCHEMA billing;
				CREATE TABLE billing.invoices (id int PRIMARY KEY, customer_id int NOT NULL CONSTRAINT invoices_customer_fk REFERENCES customers (id));
				INSERT INTO billing.invoices VALUES (1, 1), (2, 7);`);
			await expectForecast({
				args: mirror(),
				code: 'mirror-delete-restricted',
				table: 'public.customers',
				cause: /billing\.invoices.*invoices_customer_fk/,
				fix: /billing\.invoices/,
				tables: ['public.customers', 'billing.invoices'],
			});
		});

		test('two levels down: a delete cascades into notes, whose rows a RESTRICT key of note_flags holds', async () => {
			const notes = `CREATE TABLE notes (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id) ON DELETE CASCADE, body text);`;
			await loadCustomers(
				`${notes}
				CREATE TABLE note_flags (id int PRIMARY KEY, note_id int NOT NULL CONSTRAINT note_flags_note_fk REFERENCES notes (id) ON DELETE RESTRICT);
				INSERT INTO notes VALUES (1, 1, 'kept'), (2, 8, 'goes with customer 8');
				INSERT INTO note_flags VALUES (1, 2);`,
				notes,
			);
			await expectForecast({
				args: mirror('--allow-cascade'),
				code: 'mirror-delete-restricted',
				table: 'public.customers',
				cause: /note_flags.*note_flags_note_fk/,
				fix: /note_flags/,
				tables: ['public.customers', 'public.notes', 'public.note_flags'],
			});
		});

		test('no false block: the referencing rows point only at customers that stay', async () => {
			await loadCustomers(`
				CREATE SCHEMA billing;
				CREATE TABLE billing.invoices (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id));
				INSERT INTO billing.invoices VALUES (1, 1), (2, 5);`);
			await expectNoBlock(mirror(), ['mirror-delete-restricted', 'mirror-cascade']);
			expect(
				(await pair.target.client.query(`SELECT array_agg(id ORDER BY id) AS ids FROM customers`)).rows[0].ids,
			).toEqual([1, 2, 3, 4, 5]);
		});
	});

	describe('a foreign key that cascades or sets null', () => {
		/**
		 * The issue's example: 5 deletes in customers → 10 in notes (CASCADE), 10 in note_tags (CASCADE
		 * from notes), 5 in audit.customer_log (SET NULL, a schema only the target has). Customers that
		 * stay have notes, tags and log rows too, which must not be counted.
		 */
		async function loadTheIssuesExample() {
			const notes = `CREATE TABLE notes (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id) ON DELETE CASCADE, body text);
				CREATE TABLE note_tags (id int PRIMARY KEY, note_id int NOT NULL REFERENCES notes (id) ON DELETE CASCADE, tag text);`;
			// The source has the same tables (not selected, so their rows do not matter); audit exists only on the target.
			await loadCustomers(
				`${notes}
				INSERT INTO notes SELECT g, 1 + (g - 1) / 2, 'note ' || g FROM generate_series(1, 20) g;
				INSERT INTO note_tags SELECT g, g, 'tag' FROM generate_series(1, 20) g;
				CREATE SCHEMA audit;
				CREATE TABLE audit.customer_log (id int PRIMARY KEY, customer_id int REFERENCES customers (id) ON DELETE SET NULL, event text);
				INSERT INTO audit.customer_log SELECT g, g, 'created' FROM generate_series(1, 10) g;`,
				notes,
			);
		}
		const allTables = ['public.customers', 'public.notes', 'public.note_tags', 'audit.customer_log'];

		test('without --allow-cascade: blocked, counting the rows in every table it reaches', async () => {
			await loadTheIssuesExample();
			const finding = await expectForecast({
				args: mirror(),
				code: 'mirror-cascade',
				table: 'public.customers',
				cause: /5 deletes? in public\.customers/,
				fix: /--allow-cascade/,
				tables: allTables,
			});
			expect({
				notes: countIn(finding.message, 'public.notes'),
				note_tags: countIn(finding.message, 'public.note_tags'),
				customer_log: countIn(finding.message, 'audit.customer_log'),
			}).toEqual({notes: 10, note_tags: 10, customer_log: 5});
		});

		test('with --allow-cascade: a warning with the same counts; the apply writes them and reports them', async () => {
			await loadTheIssuesExample();
			const dry = await cli(mirror('--allow-cascade', '--dry-run', '--json'));
			expect(dry.code, dry.output).toBe(0);
			const findings = oneDocument(dry.stdout).findings ?? [];
			expect(findings.filter((finding) => finding.severity === 'blocking')).toEqual([]);
			const warning = findings.find((finding) => finding.code === 'mirror-cascade');
			expect(warning, JSON.stringify(findings, null, 2)).toBeDefined();
			expect(warning!.severity).toBe('warning');
			expect([
				countIn(warning!.message, 'public.notes'),
				countIn(warning!.message, 'public.note_tags'),
				countIn(warning!.message, 'audit.customer_log'),
			]).toEqual([10, 10, 5]);

			const applied = await cli(mirror('--allow-cascade', '--yes', '--json'));
			expect(applied.code, applied.output).toBe(0);
			const result = oneDocument(applied.stdout);
			expect(result).toMatchObject({committed: true});
			// The result says what the cascade did, not only the 5 deletes in customers.
			expect(reportsRows(result, 'public.notes', 10), applied.stdout).toBe(true);
			expect(reportsRows(result, 'public.note_tags', 10), applied.stdout).toBe(true);
			expect(reportsRows(result, 'audit.customer_log', 5), applied.stdout).toBe(true);

			const counted = async (sql: string) => (await pair.target.client.query(sql)).rows[0].n as number;
			expect(await counted(`SELECT count(*)::int AS n FROM customers`)).toBe(5);
			expect(await counted(`SELECT count(*)::int AS n FROM notes`)).toBe(10);
			expect(await counted(`SELECT count(*)::int AS n FROM note_tags`)).toBe(10);
			expect(await counted(`SELECT count(*)::int AS n FROM audit.customer_log WHERE customer_id IS NULL`)).toBe(5);
			expect(await counted(`SELECT count(*)::int AS n FROM audit.customer_log`)).toBe(10);
		});
	});
});

describe('secondary unique constraints', () => {
	const users = `CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL CONSTRAINT users_email_key UNIQUE, handle text, name text NOT NULL);
		CREATE UNIQUE INDEX users_handle_idx ON users (handle);`;
	const args = (mode: string) => ['--from', pair.source.url, '--to', pair.target.url, '--mode', mode];

	/** The conflicting values are often e-mail addresses: no output may print them. */
	async function expectValuesUnprinted(mode: string, values: string[]) {
		const dry = await cli([...args(mode), '--dry-run', '--json']);
		for (const value of values) expect(dry.output).not.toContain(value);
		const applied = await cli([...args(mode), '--yes']);
		for (const value of values) expect(applied.output).not.toContain(value);
	}

	test('an insert whose e-mail already belongs to another target row: names the constraint and both keys, never the value', async () => {
		await pair.source.client.query(
			users + `INSERT INTO users VALUES (1, 'ann@example.com', 'ann', 'Ann'), (301, 'cy@example.com', 'cy', 'Cy')`,
		);
		await pair.target.client.query(
			users +
				`INSERT INTO users VALUES (1, 'ann@example.com', 'ann', 'Ann'), (907, 'cy@example.com', 'cyril', 'Cyril')`,
		);
		await expectForecast({
			args: args('insert'),
			code: 'unique-conflict',
			table: 'public.users',
			cause: /users_email_key.*\b301\b.*\b907\b|users_email_key.*\b907\b.*\b301\b/,
			fix: /fix|remove|change/i,
			tables: ['public.users'],
		});
		await expectValuesUnprinted('insert', ['cy@example.com']);
	});

	test('an update onto a value of a non-key unique index that a target-only row holds', async () => {
		await pair.source.client.query(users + `INSERT INTO users VALUES (1, 'ada@example.com', 'ada', 'Ada')`);
		await pair.target.client.query(
			users +
				`INSERT INTO users VALUES (1, 'ada@example.com', 'ada-old', 'Ada'), (505, 'other@example.com', 'ada', 'Someone else')`,
		);
		await expectForecast({
			args: args('upsert'),
			code: 'unique-conflict',
			table: 'public.users',
			cause: /users_handle_idx.*\b505\b/,
			fix: /fix|remove|change/i,
			tables: ['public.users'],
		});
	});

	test('two rows that swap their e-mails', async () => {
		await pair.source.client.query(
			users + `INSERT INTO users VALUES (11, 'a@example.com', NULL, 'A'), (12, 'b@example.com', NULL, 'B')`,
		);
		await pair.target.client.query(
			users + `INSERT INTO users VALUES (11, 'b@example.com', NULL, 'A'), (12, 'a@example.com', NULL, 'B')`,
		);
		await expectForecast({
			args: args('upsert'),
			code: 'unique-conflict',
			table: 'public.users',
			cause: /users_email_key.*\b11\b.*\b12\b|users_email_key.*\b12\b.*\b11\b/,
			fix: /fix|remove|change/i,
			tables: ['public.users'],
		});
		await expectValuesUnprinted('upsert', ['a@example.com', 'b@example.com']);
	});

	test('no false block: a row keeps its own e-mail, and NULL handles never conflict', async () => {
		await pair.source.client.query(
			users + `INSERT INTO users VALUES (1, 'ann@example.com', NULL, 'Ann Smith'), (2, 'bo@example.com', NULL, 'Bo')`,
		);
		await pair.target.client.query(
			users + `INSERT INTO users VALUES (1, 'ann@example.com', NULL, 'Ann'), (3, 'cy@example.com', NULL, 'Cy')`,
		);
		await expectNoBlock(args('upsert'), ['unique-conflict']);
		expect((await pair.target.client.query(`SELECT id, name FROM users ORDER BY id`)).rows).toEqual([
			{id: 1, name: 'Ann Smith'},
			{id: 2, name: 'Bo'},
			{id: 3, name: 'Cy'},
		]);
	});
});
