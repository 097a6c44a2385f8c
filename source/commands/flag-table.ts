import {redactUrl} from '../core/connection/url.js';
import {parseArgs} from 'node:util';
import {UserError} from '../core/errors.js';
import {closestName} from '../core/profiles/closest-name.js';

/**
 * One command-line option, described once: the parser, the usage errors and the help are all made
 * from these rows, so adding an option is adding a row.
 */
export interface FlagSpec {
	/** Without dashes: `lock-timeout`. */
	name: string;
	/** `list` values are comma-separated and the flag may repeat; `repeat` values are kept one per use. */
	kind: 'boolean' | 'value' | 'list' | 'repeat';
	short?: string;
	/** Other spellings that mean the same option. */
	aliases?: string[];
	/** Shown after the name in help: `<profile|url>`. */
	placeholder?: string;
	/** The help description; an empty string hides the flag from the options list. */
	help: string;
	/** What to give instead of an empty value (a missing value never means "all" or "default"). */
	emptyHint?: string;
}

export interface ParsedFlags {
	positionals: string[];
	boolean(name: string): boolean;
	/** A `value` flag's value, undefined when not given. */
	value(name: string): string | undefined;
	/** A `list` flag's items (comma-split, trimmed) or a `repeat` flag's values; [] when not given. */
	values(name: string): string[];
}

/** `-h`/`--help` anywhere before `--`: help wins over every other mistake on the line, as in git and gh. */
export function asksForHelp(argv: readonly string[]): boolean {
	const end = argv.indexOf('--');
	return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * Parses `argv` against `specs` with node:util's parseArgs, reading its tokens so that every mistake
 * is a usage error naming what was typed: an unknown option (with "did you mean"), a value missing or
 * empty (`--tables ""` would otherwise mean "every table"), a value given twice, a value given to a
 * switch. `command` is how the hints name the command (`pgconvoy sync`).
 */
export function parseFlagTable(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedFlags {
	const byName = new Map<string, FlagSpec>();
	for (const spec of specs) for (const name of [spec.name, ...(spec.aliases ?? [])]) byName.set(name, spec);
	const options = Object.fromEntries(
		[...byName].map(
			([name, spec]) =>
				[
					name,
					{
						type: spec.kind === 'boolean' ? 'boolean' : 'string',
						multiple: true,
						...(name === spec.name && spec.short ? {short: spec.short} : {}),
					},
				] as const,
		),
	);
	const {tokens} = parseArgs({args: [...argv], options, strict: false, allowPositionals: true, tokens: true});

	const positionals: string[] = [];
	const given = new Map<FlagSpec, Array<{spelling: string; value?: string}>>();
	for (const token of tokens) {
		if (token.kind === 'positional') positionals.push(token.value);
		if (token.kind !== 'option') continue;
		const spec = byName.get(token.name);
		if (!spec)
			throw unknownOption(
				argv[token.index].startsWith('--') ? token.rawName : argv[token.index].split('=')[0],
				specs,
				command,
			);
		const spelling = token.rawName;
		if (spec.kind === 'boolean') {
			if (token.value !== undefined)
				throw new UserError(
					'usage',
					`${spelling} takes no value, but got "${token.value}".`,
					`Write ${spelling} alone, or leave it out.`,
				);
		} else if (token.value === undefined) {
			throw emptyValue(spec, spelling, 'none');
		} else if (!token.inlineValue && /^-./.test(token.value)) {
			// parseArgs takes the next argument whatever it is; `--tables --yes` means the value was forgotten.
			throw emptyValue(spec, spelling, `none: the next argument, ${token.value}, is an option`);
		}
		given.set(spec, [...(given.get(spec) ?? []), {spelling, value: token.value}]);
	}

	for (const [spec, uses] of given) {
		if (spec.kind === 'value' && uses.length > 1) {
			const spellings = [...new Set(uses.map((use) => use.spelling))];
			throw new UserError(
				'usage',
				`--${spec.name} is given ${uses.length} times${spellings.length > 1 ? ` (as ${spellings.join(' and ')})` : ''}.`,
				`Give --${spec.name} once.`,
			);
		}
		for (const {spelling, value = ''} of uses) {
			if (spec.kind === 'boolean') continue;
			const empty = spec.kind === 'list' ? splitList(value).length === 0 : value.trim() === '';
			if (empty) throw emptyValue(spec, spelling, value === '' ? '""' : `"${value}"`);
		}
	}

	const uses = (name: string) => {
		const spec = byName.get(name);
		if (!spec) throw new Error(`No flag --${name} in this table.`);
		return {spec, uses: given.get(spec) ?? []};
	};
	return {
		positionals,
		boolean: (name) => uses(name).uses.length > 0,
		value: (name) => uses(name).uses[0]?.value?.trim(),
		values(name) {
			const {spec, uses: list} = uses(name);
			const values = list.map((use) => use.value ?? '');
			return spec.kind === 'list' ? values.flatMap(splitList) : values.map((value) => value.trim());
		},
	};
}

function splitList(value: string): string[] {
	return value
		.split(',')
		.map((item) => item.trim())
		.filter(Boolean);
}

function emptyValue(spec: FlagSpec, spelling: string, got: string): UserError {
	return new UserError(
		'usage',
		`${spelling} needs a value, but got ${got}.`,
		spec.emptyHint ?? `Give ${spelling} ${spec.placeholder ?? 'a value'}, or leave it out.`,
	);
}

/** Hint for a mistyped option: the closest known one, and where the full list is. */
export function unknownOption(typed: string, specs: readonly FlagSpec[], command: string): UserError {
	// `-tables` is read as -t -a -b…; compare it as the long option it was meant to be.
	const asLong = typed.startsWith('--') ? typed : `-${typed}`;
	const names = specs.flatMap((spec) => [spec.name, ...(spec.aliases ?? [])].map((name) => `--${name}`));
	const guess = closestName(asLong, [...names, '--help']);
	return new UserError(
		'usage',
		`Unknown option ${redactUrl(typed)}.`,
		`${guess ? `Did you mean ${guess}? ` : ''}${command} --help lists the options.`,
	);
}

/** Hint for a stray word: `pgconvoy sync dry-run` most likely meant the option. */
export function unexpectedArgument(arg: string, specs: readonly FlagSpec[], command: string): UserError {
	const guess = closestName(
		arg,
		specs.map((spec) => spec.name),
	);
	// A stray `password=…` (an unquoted keyword/value connection string) must not be echoed.
	return new UserError(
		'usage',
		`Unexpected argument "${redactUrl(arg)}".`,
		`${guess ? `Did you mean --${guess}? ` : ''}${command} takes options only; ${command} --help lists them.`,
	);
}

/** The options section of a help screen, made from the same rows the parser reads. */
export function flagHelpRows(specs: readonly FlagSpec[]): Array<[string, string]> {
	return specs
		.filter((spec) => spec.help !== '')
		.map((spec) => [
			`${spec.short ? `-${spec.short}, ` : ''}--${spec.name}${spec.placeholder ? ` ${spec.placeholder}` : ''}`,
			spec.help,
		]);
}
