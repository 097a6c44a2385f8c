import {describe, expect, it} from 'vitest';
import {UserError} from '../../source/core/errors.js';
import {closestName} from '../../source/core/profiles/closest-name.js';
import {asksForHelp, parseFlagTable} from '../../source/commands/flag-table.js';
import {parseSyncFlags, syncFlags} from '../../source/commands/sync-flags.js';
import {profileAddFlags} from '../../source/commands/profile/help.js';
import {demoFlags} from '../../source/commands/command-help.js';

function usageError(work: () => unknown): UserError {
	try {
		work();
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		expect((error as UserError).exitCode).toBe(2);
		return error as UserError;
	}
	throw new Error('expected a usage error');
}

describe('parseSyncFlags', () => {
	it('reads every option, its aliases and the old script names', () => {
		expect(parseSyncFlags([])).toEqual({
			from: undefined,
			to: undefined,
			production: false,
			tables: [],
			exclude: [],
			schemas: ['public'],
			allSchemas: false,
			mode: undefined,
			dryRun: false,
			yes: false,
			confirm: undefined,
			json: false,
			keys: {},
			lockTimeoutMs: 5000,
			statementTimeoutMs: 0,
			maxDeleteRatio: 0.5,
			allowEmptySource: false,
			allowCascade: false,
			rehearse: false,
			plan: undefined,
			planOut: undefined,
			noJournal: false,
			keepJournals: undefined,
		});
		const options = parseSyncFlags([
			'--local-db-url',
			'postgres://a@h/src',
			'--prod-db-url=prod',
			'--tables',
			'users, classes',
			'--table',
			'qcms',
			'--exclude',
			'audit',
			'--schemas',
			'public,sales',
			'--all-schemas',
			'--update-existing',
			'--dry-run',
			'-y',
			'--confirm',
			'shop',
			'--json',
			'--key',
			'events=id,at',
			'--key',
			'logs=id',
			'--lock-timeout',
			'2s',
			'--statement-timeout',
			'1m',
			'--max-delete',
			'20%',
			'--allow-empty-source',
			'--no-journal',
			'--keep-journals',
			'50',
		]);
		expect(options).toEqual({
			from: 'postgres://a@h/src',
			to: 'prod',
			production: false,
			tables: ['users', 'classes', 'qcms'],
			exclude: ['audit'],
			schemas: ['public', 'sales'],
			allSchemas: true,
			mode: 'upsert',
			dryRun: true,
			yes: true,
			confirm: 'shop',
			json: true,
			keys: {events: ['id', 'at'], logs: ['id']},
			lockTimeoutMs: 2000,
			statementTimeoutMs: 60_000,
			maxDeleteRatio: 0.2,
			allowEmptySource: true,
			allowCascade: false,
			rehearse: false,
			plan: undefined,
			planOut: undefined,
			noJournal: true,
			keepJournals: '50',
		});
	});

	// Every option that takes a value, in every way a value can be missing: an unset shell variable
	// (`--tables $T`), an empty string, a forgotten value before the next option, `--x=`.
	const valueFlags = syncFlags.filter((spec) => spec.kind !== 'boolean');
	it.each(valueFlags.map((spec) => spec.name))(
		'--%s without a value is a usage error with a hint, never "all" or the default',
		(name) => {
			const spellings: string[][] = [
				[`--${name}`],
				[`--${name}`, ''],
				[`--${name}`, '  '],
				[`--${name}=`],
				[`--${name}`, '--yes'],
				['--yes', `--${name}`],
			];
			for (const argv of spellings) {
				const error = usageError(() => parseSyncFlags([...argv, '--dry-run']));
				expect(error.message, argv.join(' ')).toMatch(new RegExp(`^--${name} needs a value, but got `));
				expect(error.hint, argv.join(' ')).toBeTruthy();
			}
		},
	);

	it('an unset variable in a list (--tables ,) is empty too; a stray comma inside a list is not', () => {
		expect(usageError(() => parseSyncFlags(['--tables', ',', '--yes'])).message).toBe(
			'--tables needs a value, but got ",".',
		);
		expect(usageError(() => parseSyncFlags(['--exclude', ''])).hint).toContain('leave --exclude out');
		expect(usageError(() => parseSyncFlags(['--tables', ''])).hint).toContain(
			'An unset shell variable expands to nothing',
		);
		expect(parseSyncFlags(['--tables', 'users,,classes,']).tables).toEqual(['users', 'classes']);
	});

	it('an alias names itself in the error', () => {
		expect(usageError(() => parseSyncFlags(['--prod-db-url', ''])).message).toBe(
			'--prod-db-url needs a value, but got "".',
		);
		expect(usageError(() => parseSyncFlags(['--to', '--dry-run'])).message).toBe(
			'--to needs a value, but got none: the next argument, --dry-run, is an option.',
		);
	});

	it('a value may start with a dash when attached with =', () => {
		expect(parseSyncFlags(['--tables=-odd']).tables).toEqual(['-odd']);
	});

	it('a mistyped option gets "did you mean"', () => {
		const cases: Array<[string[], string, string]> = [
			[['--tabels', 'users'], 'Unknown option --tabels.', 'Did you mean --tables?'],
			[['--dryrun'], 'Unknown option --dryrun.', 'Did you mean --dry-run?'],
			[['--dry'], 'Unknown option --dry.', 'Did you mean --dry-run?'],
			[['-tables', 'users'], 'Unknown option -tables.', 'Did you mean --tables?'],
			[['--form=x'], 'Unknown option --form.', 'Did you mean --from?'],
			[['--lock-timout', '5s'], 'Unknown option --lock-timout.', 'Did you mean --lock-timeout?'],
		];
		for (const [argv, message, guess] of cases) {
			const error = usageError(() => parseSyncFlags(argv));
			expect(error.message).toBe(message);
			expect(error.hint).toBe(`${guess} pgconvoy sync --help lists the options.`);
		}
		expect(usageError(() => parseSyncFlags(['--frobnicate'])).hint).toBe('pgconvoy sync --help lists the options.');
	});

	it('refuses a value twice, a value on a switch, a stray word, and a mistyped mode', () => {
		expect(usageError(() => parseSyncFlags(['--to', 'a', '--to', 'b'])).message).toBe('--to is given 2 times.');
		expect(usageError(() => parseSyncFlags(['--from', 'a', '--local-db-url', 'b'])).message).toBe(
			'--from is given 2 times (as --from and --local-db-url).',
		);
		expect(usageError(() => parseSyncFlags(['--yes=false'])).message).toBe('--yes takes no value, but got "false".');
		const stray = usageError(() => parseSyncFlags(['dry-run']));
		expect(stray.message).toBe('Unexpected argument "dry-run".');
		expect(stray.hint).toMatch(/^Did you mean --dry-run\?/);
		const mode = usageError(() => parseSyncFlags(['--mode', 'upsret']));
		expect(mode.message).toBe('--mode must be one of insert, upsert, mirror, not "upsret".');
		expect(mode.hint).toBe('Did you mean --mode upsert?');
		expect(usageError(() => parseSyncFlags(['--mode', 'insert', '--update-existing'])).message).toMatch(
			/conflicts with --mode insert/,
		);
		expect(usageError(() => parseSyncFlags(['--key', 'events='])).message).toBe('--key events= names no column.');
	});

	it('--help and -h are seen anywhere before --', () => {
		expect(asksForHelp(['--to', 'prod', '--help'])).toBe(true);
		expect(asksForHelp(['-h'])).toBe(true);
		expect(asksForHelp(['--', '--help'])).toBe(false);
		expect(asksForHelp(['--helpful'])).toBe(false);
	});
});

describe('--max-delete', () => {
	it('is a share with %, a number of rows without, and nothing ambiguous', () => {
		const parse = (value: string) => {
			const {maxDeleteRatio, maxDeleteRows} = parseSyncFlags(['--max-delete', value]);
			return {maxDeleteRatio, maxDeleteRows};
		};
		expect(parse('1%')).toEqual({maxDeleteRatio: 0.01, maxDeleteRows: undefined});
		expect(parse('1')).toEqual({maxDeleteRatio: 1, maxDeleteRows: 1});
		expect(parse('0')).toEqual({maxDeleteRatio: 1, maxDeleteRows: 0});
		expect(parse('0%')).toEqual({maxDeleteRatio: 0, maxDeleteRows: undefined});
		expect(parse('2.5%')).toEqual({maxDeleteRatio: 0.025, maxDeleteRows: undefined});
		expect(parse('0.0001%')).toEqual({maxDeleteRatio: 0.000001, maxDeleteRows: undefined});
		expect(parse('100%')).toEqual({maxDeleteRatio: 1, maxDeleteRows: undefined});
		expect(parse('250')).toEqual({maxDeleteRatio: 1, maxDeleteRows: 250});
		for (const fraction of ['0.5', '.5', '1.0', '0.02']) {
			const error = usageError(() => parseSyncFlags(['--max-delete', fraction]));
			expect(error.message).toBe(
				`--max-delete takes a percentage (50%) or a whole number of rows (100), not "${fraction}".`,
			);
			expect(error.hint).toContain(`--max-delete ${fraction}% for ${fraction} percent`);
			expect(error.hint).toContain('--max-delete 10 for at most 10 rows per table');
		}
		for (const bad of ['-1', '1e3', '50 %%', '101%', '0.00001%', 'half', '5 rows']) {
			expect(() => parseSyncFlags(['--max-delete', bad]), bad).toThrow(UserError);
		}
	});
});

describe('bad values', () => {
	it('every refused value gets a hint whose example value parses', () => {
		const cases: Array<[flag: string, bad: string]> = [
			['--lock-timeout', '5x'],
			['--statement-timeout', 'soon'],
			['--max-delete', '150%'],
			['--max-delete', 'half'],
			['--max-delete', '0.5'],
			['--mode', 'copy'],
			['--key', 'events'],
			['--key', 'events='],
		];
		for (const [flag, bad] of cases) {
			const error = usageError(() => parseSyncFlags([flag, bad, '--dry-run']));
			const example = new RegExp(`${flag} (\\S+?)[.,]?(?: |$)`).exec(error.hint ?? '')?.[1];
			expect(example, `${flag} ${bad}: ${error.hint}`).toBeDefined();
			expect(() => parseSyncFlags([flag, example!, '--dry-run']), `${flag} ${example}`).not.toThrow();
		}
	});
});

describe('the other flag tables', () => {
	it('profile add: every value option refuses an empty value', () => {
		for (const spec of profileAddFlags.filter((flag) => flag.kind !== 'boolean')) {
			for (const argv of [[`--${spec.name}`, ''], [`--${spec.name}`], [`--${spec.name}`, '--force']]) {
				const error = usageError(() => parseFlagTable(['prod', ...argv], profileAddFlags, 'pgconvoy profile add'));
				expect(error.message).toMatch(new RegExp(`^--${spec.name} needs a value`));
				expect(error.hint).toBeTruthy();
			}
		}
		expect(
			parseFlagTable(['prod', '--no-password'], profileAddFlags, 'pgconvoy profile add').boolean('no-password'),
		).toBe(true);
	});

	it('demo: a mistyped --keep gets a guess', () => {
		expect(usageError(() => parseFlagTable(['--kep'], demoFlags, 'pgconvoy demo')).hint).toBe(
			'Did you mean --keep? pgconvoy demo --help lists the options.',
		);
	});
});

describe('closestName', () => {
	it('finds typos, swaps and prefixes, and stays quiet for unrelated words', () => {
		expect(closestName('snyc', ['sync', 'profile', 'demo'])).toBe('sync');
		expect(closestName('profil', ['sync', 'profile', 'demo'])).toBe('profile');
		expect(closestName('rmove', ['add', 'list', 'show', 'remove', 'test'])).toBe('remove');
		expect(closestName('Prod', ['prod', 'staging'])).toBe('prod');
		expect(closestName('frobnicate', ['sync', 'profile', 'demo'])).toBeUndefined();
		expect(closestName('x', ['sync'])).toBeUndefined();
		expect(closestName('', ['sync'])).toBeUndefined();
	});
});
