/**
 * DESIGN's folder rules, enforced by `npm run lint` (dependency-cruiser, .dependency-cruiser.cjs):
 * source/core imports nothing outside core (nor Ink or React), present/ imports no front-end, no two
 * folders import each other (directly or round a circle), nothing imports cli.tsx. Probe files that
 * break each rule go into a copy of source/ in a folder of their own, so nobody's working tree or
 * build sees them; the copy is checked with the repository's own configuration.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {spawnSync} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'pgconvoy-imports-'));
afterAll(() => rmSync(project, {recursive: true, force: true}));

interface Violation {
	rule: string;
	from: string;
	to: string;
}

/**
 * Runs the lint's dependency-cruiser on the copy, as `npm run lint` does (its exit code fails the
 * lint); each violation from its report, as the rule and the modules or folders it names in order.
 * Cached by content, so a run after the first reads only the probes anew.
 */
function cruise(): {code: number | null; violations: Violation[]; output: string} {
	const run = spawnSync(
		join(root, 'node_modules', '.bin', 'depcruise'),
		['source', '--config', '.dependency-cruiser.cjs', '--cache', '.cache', '--cache-strategy', 'content'],
		{cwd: project, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024},
	);
	const output = `${run.stdout}${run.stderr}`;
	const violations = output
		.split(/\n(?=\s*error )/)
		.map((block) => block.match(/^\s*error ([\w-]+): ([\s\S]*)$/))
		.filter((match) => match !== null)
		.map((match) => {
			const names = match[2]!.match(/source\/[^\s→]+/g) ?? [];
			return {rule: match[1]!, from: names[0]!, to: names[1]!};
		});
	return {code: run.status, violations, output};
}

/** Files written into the copy for one cruise, then removed. */
function withProbes<T>(probes: Record<string, string>, check: () => T): T {
	for (const [path, source] of Object.entries(probes)) {
		mkdirSync(dirname(join(project, path)), {recursive: true});
		writeFileSync(join(project, path), source);
	}
	try {
		return check();
	} finally {
		for (const path of Object.keys(probes)) rmSync(join(project, path));
	}
}

const importing = (specifier: string) => `import probe from '${specifier}';\nexport default probe;\n`;

beforeAll(() => {
	cpSync(join(root, 'source'), join(project, 'source'), {recursive: true});
	for (const file of ['tsconfig.json', 'package.json', '.dependency-cruiser.cjs', '.dependency-cruiser.babel.cjs'])
		cpSync(join(root, file), join(project, file));
	symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'), 'dir');
});

/** Each probe file, and the rule that must name it. */
const forbidden: Array<[string, string, string]> = [
	['source/core/diff/probe-present.ts', importing('../../present/numbers.js'), 'core-imports-only-core'],
	['source/core/diff/probe-ui.ts', importing('../../ui/state.js'), 'core-imports-only-core'],
	['source/core/diff/probe-headless.ts', importing('../../headless/plain-renderer.js'), 'core-imports-only-core'],
	['source/core/write/probe-commands.ts', importing('../../commands/sync.js'), 'core-imports-only-core'],
	[
		'source/core/journal/probe-type.ts',
		"import type {ApplyProgress} from '../../present/progress.js';\nexport type Probe = ApplyProgress;\n",
		'core-imports-only-core',
	],
	['source/core/diff/probe-ink.ts', importing('ink'), 'core-imports-no-ui-packages'],
	['source/core/diff/probe-react.ts', importing('react'), 'core-imports-no-ui-packages'],
	['source/core/diff/probe-nowhere.ts', importing('../missing/module.js'), 'imports-resolve'],
	['source/present/probe-ui.ts', importing('../ui/format.js'), 'present-imports-no-front-end'],
	['source/present/probe-headless.ts', importing('../headless/one-line.js'), 'present-imports-no-front-end'],
	['source/present/probe-commands.ts', importing('../commands/sync.js'), 'present-imports-no-front-end'],
	['source/ui/probe-entry.ts', importing('../cli.js'), 'nothing-imports-the-entry'],
];

describe('a forbidden import fails the lint, naming its rule', () => {
	let result: ReturnType<typeof cruise>;
	beforeAll(() => {
		result = withProbes(Object.fromEntries(forbidden.map(([path, source]) => [path, source])), cruise);
	});

	test('the lint fails', () => {
		expect(result.code).not.toBe(0);
	});

	test.for(forbidden)('%s', ([path, , rule]) => {
		const named = result.violations.filter((violation) => violation.from === path).map((violation) => violation.rule);
		expect(named, result.output).toContain(rule);
	});
});

describe('an import circle between folders fails the lint', () => {
	let result: ReturnType<typeof cruise>;
	beforeAll(() => {
		result = withProbes(
			{
				// core/diff imports core/plan already: plan importing diff closes the circle.
				'source/core/plan/probe-circle.ts': importing('../diff/diff-table.js'),
				// Two front-ends that import each other.
				'source/ui/probe-circle.ts': importing('../headless/one-line.js'),
				'source/headless/probe-circle.ts': importing('../ui/format.js'),
			},
			cruise,
		);
	});

	test('the lint fails', () => {
		expect(result.code).not.toBe(0);
	});

	test.for([
		['source/core/plan', 'source/core/diff'],
		['source/ui', 'source/headless'],
	])('%s and %s', ([one, other]) => {
		const circle = result.violations.find(
			(violation) =>
				violation.rule === 'no-folder-circles' &&
				[violation.from, violation.to].includes(one!) &&
				[violation.from, violation.to].includes(other!),
		);
		expect(circle, result.output).toBeDefined();
	});
});

test('the tree as it is keeps every rule, and so do allowed imports: core imports core, packages and Node; the front-ends import core and present', () => {
	const {code, violations, output} = withProbes(
		{
			'source/core/diff/probe-core.ts': `${importing('../errors.js')}import '../sql/value-forms.js';\nimport 'pg';\nimport 'node:fs';\n`,
			'source/ui/probe-allowed.ts': `${importing('../core/events.js')}import '../present/numbers.js';\nimport 'ink';\n`,
			'source/headless/probe-allowed.ts': importing('../present/numbers.js'),
		},
		cruise,
	);
	expect(violations, output).toEqual([]);
	expect(code).toBe(0);
});
