import meow from 'meow';
import type {SyncMode} from '../core/plan/types.js';
import {syncModes} from '../core/plan/types.js';
import {UserError} from '../core/errors.js';

export interface SyncCommandOptions {
	from?: string;
	to?: string;
	tables: string[];
	exclude: string[];
	schemas: string[];
	allSchemas: boolean;
	mode?: SyncMode;
	dryRun: boolean;
	yes: boolean;
	confirm?: string;
	json: boolean;
	keys: Record<string, string[]>;
	lockTimeoutMs: number;
	statementTimeoutMs: number;
	maxDeleteRatio: number;
	allowEmptySource: boolean;
}

export const syncHelp = `
  Usage
    $ pgconvoy                       the interactive wizard
    $ pgconvoy sync [options]        sync from the command line (headless when not a TTY, or with --yes/--json/--dry-run)
    $ pgconvoy profile <add|list|show|remove|test> [name]
    $ pgconvoy demo [--keep]         two embedded PostgreSQL servers with sample data, and the wizard

  Sync options
    --from <profile|url>       source (default: DATABASE_URL_LOCAL, from the environment or .env)
    --to <profile|url>         target (default: DATABASE_URL_PROD)
    --tables a,b               tables to sync (default: every table of the chosen schemas)
    --exclude c,d              tables to leave out
    --schema s1,s2             schemas to read (default: public)      --all-schemas   every non-system schema
    --mode insert|upsert|mirror
                               insert: add missing rows (default); upsert: also update changed rows;
                               mirror: upsert and delete rows missing from the source (guarded)
    --dry-run                  only count what would change
    --yes                      write without asking (required when stdin is not a terminal)
    --confirm <dbname>         required to write to a profile tagged production
    --json                     print one JSON document
    --key table=c1,c2          key for a table without primary key (repeatable)
    --lock-timeout 5s          how long to wait for a table lock on the target
    --statement-timeout 0      per-statement limit on the target (0: none)
    --max-delete 50%           mirror: largest share of a table's rows that may be deleted
    --allow-empty-source       mirror: allow emptying a table whose source side is empty

  Old sync_db_to_prod flags
    --local-db-url = --from    --prod-db-url = --to    --update-existing = --mode upsert

  Exit codes: 0 done, 1 unexpected, 2 usage/config, 3 connection/auth, 4 blocked by findings,
              5 failed and rolled back, 130 interrupted
`;

const list = (values: string[]) => values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);

/** "5s", "500ms", "2m", "1500" (ms) → milliseconds. */
export function parseDuration(value: string, flag: string): number {
	const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(value.trim());
	if (!match) throw new UserError('usage', `${flag} takes a duration like 5s, 500ms or 2m, not "${value}".`);
	const unit = match[2] ?? 'ms';
	return Math.round(Number(match[1]) * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}

/** "50%", "0.5", "50" → 0.5. */
export function parseRatio(value: string): number {
	const trimmed = value.trim();
	const number = Number(trimmed.replace(/%$/, ''));
	if (!Number.isFinite(number) || number < 0) throw new UserError('usage', `--max-delete takes a percentage like 50%, not "${value}".`);
	const ratio = trimmed.endsWith('%') || number > 1 ? number / 100 : number;
	if (ratio > 1) throw new UserError('usage', `--max-delete cannot exceed 100%.`);
	return ratio;
}

function parseKeys(values: string[]): Record<string, string[]> {
	const keys: Record<string, string[]> = {};
	for (const value of values) {
		const separator = value.lastIndexOf('=');
		if (separator <= 0) throw new UserError('usage', `--key takes table=column[,column], not "${value}".`);
		const columns = list([value.slice(separator + 1)]);
		if (columns.length === 0) throw new UserError('usage', `--key ${value} names no column.`);
		keys[value.slice(0, separator).trim()] = columns;
	}
	return keys;
}

/** argv (after the command name) → typed options. Pure, so it is tested without a process. */
export function parseSyncFlags(argv: string[]): SyncCommandOptions {
	const cli = meow(syncHelp, {
		importMeta: import.meta,
		argv,
		autoHelp: false,
		autoVersion: false,
		// meow would print and process.exit on an unknown flag; we report it as a usage error instead.
		allowUnknownFlags: true,
		flags: {
			from: {type: 'string', aliases: ['localDbUrl']},
			to: {type: 'string', aliases: ['prodDbUrl']},
			tables: {type: 'string', isMultiple: true, aliases: ['table']},
			exclude: {type: 'string', isMultiple: true},
			schema: {type: 'string', isMultiple: true, aliases: ['schemas']},
			allSchemas: {type: 'boolean'},
			mode: {type: 'string'},
			updateExisting: {type: 'boolean'},
			dryRun: {type: 'boolean'},
			yes: {type: 'boolean', shortFlag: 'y'},
			confirm: {type: 'string'},
			json: {type: 'boolean'},
			key: {type: 'string', isMultiple: true},
			lockTimeout: {type: 'string'},
			statementTimeout: {type: 'string'},
			maxDelete: {type: 'string'},
			allowEmptySource: {type: 'boolean'},
		},
	});
	const flags = cli.flags;
	const known = new Set(['from', 'localDbUrl', 'to', 'prodDbUrl', 'tables', 'table', 'exclude', 'schema', 'schemas', 'allSchemas', 'mode', 'updateExisting', 'dryRun', 'yes', 'y', 'confirm', 'json', 'key', 'lockTimeout', 'statementTimeout', 'maxDelete', 'allowEmptySource']);
	const unknown = Object.keys(flags).filter((name) => !known.has(name));
	if (unknown.length > 0) {
		const dashed = unknown.map((name) => '--' + name.replace(/[A-Z]/g, (letter) => '-' + letter.toLowerCase()));
		throw new UserError('usage', `Unknown option ${dashed.join(', ')}.`, 'Run pgconvoy --help for the options.');
	}
	if (cli.input.length > 0) throw new UserError('usage', `Unexpected argument "${cli.input[0]}".`, 'Run pgconvoy --help for the options.');
	let mode: SyncMode | undefined;
	if (flags.mode !== undefined) {
		if (!syncModes.includes(flags.mode as SyncMode)) throw new UserError('usage', `--mode must be one of ${syncModes.join(', ')}, not "${flags.mode}".`);
		mode = flags.mode as SyncMode;
	}
	if (flags.updateExisting) {
		if (mode && mode !== 'upsert') throw new UserError('usage', `--update-existing means --mode upsert; it conflicts with --mode ${mode}.`);
		mode = 'upsert';
	}
	const schemas = list(flags.schema ?? []);
	return {
		from: flags.from,
		to: flags.to,
		tables: list(flags.tables ?? []),
		exclude: list(flags.exclude ?? []),
		schemas: schemas.length > 0 ? schemas : ['public'],
		allSchemas: flags.allSchemas ?? false,
		mode,
		dryRun: flags.dryRun ?? false,
		yes: flags.yes ?? false,
		confirm: flags.confirm,
		json: flags.json ?? false,
		keys: parseKeys(flags.key ?? []),
		lockTimeoutMs: flags.lockTimeout ? parseDuration(flags.lockTimeout, '--lock-timeout') : 5000,
		statementTimeoutMs: flags.statementTimeout ? parseDuration(flags.statementTimeout, '--statement-timeout') : 0,
		maxDeleteRatio: flags.maxDelete ? parseRatio(flags.maxDelete) : 0.5,
		allowEmptySource: flags.allowEmptySource ?? false,
	};
}
