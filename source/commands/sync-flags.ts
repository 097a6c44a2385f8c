import type {SyncMode} from '../core/plan/types.js';
import {syncModes} from '../core/plan/types.js';
import {UserError} from '../core/errors.js';
import {flagHelpRows, parseFlagTable, unexpectedArgument, type FlagSpec} from './flag-table.js';
import {renderHelp} from './help-text.js';
import {parseDuration, parseKeys, parseMaxDelete, parseMode} from './sync-flag-values.js';

export interface SyncCommandOptions {
	from?: string;
	to?: string;
	/** --production: the target is production whatever the profiles say. */
	production: boolean;
	tables: string[];
	exclude: string[];
	schemas: string[];
	allSchemas: boolean;
	mode?: SyncMode;
	dryRun: boolean;
	/** Run the real apply, then roll it back: exact counts and any failure, nothing kept. */
	rehearse: boolean;
	yes: boolean;
	confirm?: string;
	json: boolean;
	keys: Record<string, string[]>;
	lockTimeoutMs: number;
	statementTimeoutMs: number;
	maxDeleteRatio: number;
	/** --max-delete N (a row count): the most rows a mirror may delete per table, instead of a share. */
	maxDeleteRows?: number;
	allowEmptySource: boolean;
	allowCascade: boolean;
	/** --dry-run: write the reviewed plan (selection, mode, per-table counts and key digests) here. */
	planOut?: string;
	/** Apply exactly this reviewed plan, only if every digest still holds. */
	plan?: string;
	/** Keep no undo journal of this run. */
	noJournal: boolean;
	/** --keep-journals as typed: journals kept per target (checked where it is used). */
	keepJournals?: string;
}

/** `pgconvoy sync`'s options, in help order. A new option is a row here and a line in parseSyncFlags. */
export const syncFlags: FlagSpec[] = [
	{
		name: 'from',
		kind: 'value',
		aliases: ['local-db-url'],
		placeholder: '<profile|url>',
		help: 'source: a profile, a URL, env:VAR (a variable holding the URL) or - (the URL on stdin); default: DATABASE_URL_LOCAL, from the environment or .env',
		emptyHint:
			'Give a saved profile (pgconvoy profile list shows them), a postgresql:// URL or env:VAR; leave --from out to use DATABASE_URL_LOCAL.',
	},
	{
		name: 'to',
		kind: 'value',
		aliases: ['prod-db-url'],
		placeholder: '<profile|url>',
		help: 'target, given the same ways (default: DATABASE_URL_PROD)',
		emptyHint:
			'Give a saved profile (pgconvoy profile list shows them), a postgresql:// URL or env:VAR; leave --to out to use DATABASE_URL_PROD.',
	},
	{
		name: 'production',
		kind: 'boolean',
		help: 'the target is a production database (as if a production profile named it): writing needs --confirm',
	},
	{
		name: 'tables',
		kind: 'list',
		aliases: ['table'],
		placeholder: 'a,b',
		help: 'tables to sync (default: every table of the chosen schemas)',
		emptyHint:
			'Name the tables (--tables users,classes), or leave --tables out to sync every table. An unset shell variable expands to nothing.',
	},
	{
		name: 'exclude',
		kind: 'list',
		placeholder: 'c,d',
		help: 'tables to leave out',
		emptyHint:
			'Name the tables to leave out (--exclude audit_log), or leave --exclude out. An unset shell variable expands to nothing.',
	},
	{
		name: 'schema',
		kind: 'list',
		aliases: ['schemas'],
		placeholder: 's1,s2',
		help: 'schemas to read (default: public)',
		emptyHint: 'Name the schemas (--schema public,sales), or leave --schema out to read public.',
	},
	{name: 'all-schemas', kind: 'boolean', help: 'read every non-system schema'},
	{
		name: 'mode',
		kind: 'value',
		placeholder: syncModes.join('|'),
		help: 'insert: add missing rows (default); upsert: also update changed rows; mirror: upsert and delete rows missing from the source (guarded)',
		emptyHint: `Give one of ${syncModes.join(', ')}, or leave --mode out for insert.`,
	},
	{name: 'update-existing', kind: 'boolean', help: ''},
	{name: 'dry-run', kind: 'boolean', help: 'only count what would change'},
	{name: 'rehearse', kind: 'boolean', help: 'run the real apply, then roll it back'},
	{
		name: 'plan-out',
		kind: 'value',
		placeholder: 'FILE',
		help: 'with --dry-run: save the reviewed plan',
		emptyHint: 'Give a file name: --plan-out plan.json',
	},
	{
		name: 'plan',
		kind: 'value',
		placeholder: 'FILE',
		help: 'apply a reviewed plan if nothing drifted',
		emptyHint: 'Give the file --plan-out wrote: --plan plan.json',
	},
	{name: 'yes', kind: 'boolean', short: 'y', help: 'write without asking (required when stdin is not a terminal)'},
	{
		name: 'confirm',
		kind: 'value',
		placeholder: '<dbname>',
		help: 'required to write to a production database: its name',
		emptyHint:
			"Type the production target's database name after --confirm (pgconvoy profile list shows each profile's database).",
	},
	{name: 'json', kind: 'boolean', help: 'print one JSON document'},
	{
		name: 'key',
		kind: 'repeat',
		placeholder: 'table=c1,c2',
		help: 'key for a table without primary key (repeatable)',
		emptyHint: 'Give a table and its key columns: --key events=id,at.',
	},
	{
		name: 'lock-timeout',
		kind: 'value',
		placeholder: '5s',
		help: 'how long to wait for a table lock on the target',
		emptyHint: 'Give a duration such as 5s, 500ms or 2m, or leave --lock-timeout out for 5s.',
	},
	{
		name: 'statement-timeout',
		kind: 'value',
		placeholder: '0',
		help: 'per-statement limit on the target (0: none)',
		emptyHint: 'Give a duration such as 30s (0 for none), or leave --statement-timeout out.',
	},
	{
		name: 'max-delete',
		kind: 'value',
		placeholder: '50%|N',
		help: "mirror: the most of a table's rows that may be deleted: a share (50%, the default) or a number of rows (100)",
		emptyHint: 'Give a percentage such as 50%, or a number of rows such as 100; or leave --max-delete out for 50%.',
	},
	{name: 'allow-empty-source', kind: 'boolean', help: 'mirror: allow emptying a table whose source side is empty'},
	{name: 'allow-cascade', kind: 'boolean', help: 'mirror: let deletes cascade into tables not selected'},
	{name: 'no-journal', kind: 'boolean', help: 'keep no undo journal of this run (pgconvoy undo cannot take it back)'},
	{
		name: 'keep-journals',
		kind: 'value',
		placeholder: '<n>',
		help: 'undo journals kept per target (default 20, or PGCONVOY_JOURNAL_KEEP)',
		emptyHint: 'Give a number of runs, for example --keep-journals 50.',
	},
];

export const syncHelp = renderHelp({
	usage: ['pgconvoy sync [options]'],
	summary:
		'Sync table data from a source to a target database. On a terminal, the wizard opens with the given options filled in; it runs headless when stdin is not a terminal, or with --yes, --json or --dry-run.',
	sections: [
		{title: 'Options', rows: [...flagHelpRows(syncFlags), ['-h, --help', 'this help']]},
		{
			title: 'Old sync_db_to_prod flags',
			lines: ['--local-db-url = --from   --prod-db-url = --to', '--update-existing = --mode upsert'],
		},
		{
			title: 'Examples',
			lines: [
				'# what would change, per table',
				'pgconvoy sync --from local --to prod --dry-run',
				'# insert and update two tables, no questions asked',
				'pgconvoy sync --to prod --tables users,classes --mode upsert --yes \\',
				'  --confirm systeme_intelligent',
				'# the same dry run as one JSON document',
				'pgconvoy sync --to prod --mode upsert --dry-run --json',
			],
		},
		{
			title: 'Exit codes',
			paragraphs: [
				'0 done, 1 unexpected, 2 usage/config, 3 connection/auth, 4 blocked by findings, 5 failed and rolled back, 6 outcome unknown (COMMIT sent, its answer lost), 130 interrupted',
			],
		},
	],
});

/** argv (after the command name) → typed options. Pure, so it is tested without a process. */
export function parseSyncFlags(argv: readonly string[]): SyncCommandOptions {
	const flags = parseFlagTable(argv, syncFlags, 'pgconvoy sync');
	if (flags.positionals.length > 0) throw unexpectedArgument(flags.positionals[0], syncFlags, 'pgconvoy sync');
	let mode = parseMode(flags.value('mode'));
	if (flags.boolean('update-existing')) {
		if (mode && mode !== 'upsert')
			throw new UserError(
				'usage',
				`--update-existing means --mode upsert; it conflicts with --mode ${mode}.`,
				'Keep one of them.',
			);
		mode = 'upsert';
	}
	const schemas = flags.values('schema');
	const lockTimeout = flags.value('lock-timeout');
	const statementTimeout = flags.value('statement-timeout');
	const maxDelete = flags.value('max-delete');
	return {
		from: flags.value('from'),
		to: flags.value('to'),
		production: flags.boolean('production'),
		tables: flags.values('tables'),
		exclude: flags.values('exclude'),
		schemas: schemas.length > 0 ? schemas : ['public'],
		allSchemas: flags.boolean('all-schemas'),
		mode,
		dryRun: flags.boolean('dry-run'),
		rehearse: flags.boolean('rehearse'),
		planOut: flags.value('plan-out'),
		plan: flags.value('plan'),
		yes: flags.boolean('yes'),
		confirm: flags.value('confirm'),
		json: flags.boolean('json'),
		keys: parseKeys(flags.values('key')),
		lockTimeoutMs: lockTimeout !== undefined ? parseDuration(lockTimeout, '--lock-timeout') : 5000,
		statementTimeoutMs: statementTimeout !== undefined ? parseDuration(statementTimeout, '--statement-timeout') : 0,
		...(maxDelete !== undefined ? parseMaxDelete(maxDelete) : {maxDeleteRatio: 0.5}),
		allowEmptySource: flags.boolean('allow-empty-source'),
		allowCascade: flags.boolean('allow-cascade'),
		noJournal: flags.boolean('no-journal'),
		keepJournals: flags.value('keep-journals'),
	};
}
