/**
 * DESIGN's boundary, enforced by `npm run lint`: source/core imports nothing from ui/, headless/,
 * ink or react. Throwaway files are linted with the repository's own biome.json, in a folder of
 * their own so nobody's working tree or build sees them.
 */
import {afterAll, expect, test} from 'vitest';
import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const biome = join(root, 'node_modules', '.bin', 'biome');
const project = mkdtempSync(join(tmpdir(), 'pgconvoy-lint-'));
copyFileSync(join(root, 'biome.json'), join(project, 'biome.json'));
afterAll(() => rmSync(project, {recursive: true, force: true}));

let probes = 0;
/** Lints one file at `path` (relative to the repository root) that imports `specifier`. */
function lintImport(path: string, specifier: string): {code: number | null; output: string} {
	const file = join(project, path.replace(/\.ts$/, `-${++probes}.ts`));
	mkdirSync(dirname(file), {recursive: true});
	writeFileSync(file, `import probe from '${specifier}';\nexport default probe;\n`);
	const run = spawnSync(biome, ['lint', '--vcs-enabled=false', '--colors=off', file], {cwd: project, encoding: 'utf8'});
	rmSync(file);
	return {code: run.status, output: `${run.stdout}${run.stderr}`};
}

test.each([
	'ink',
	'ink-spinner',
	'ink/build/render.js',
	'react',
	'react/jsx-runtime',
	'../../ui/state.js',
	'../ui/format.js',
	'../../headless/plain-renderer.js',
])('source/core importing %s fails the lint, naming the boundary', (specifier) => {
	const {code, output} = lintImport('source/core/diff/probe.ts', specifier);
	expect(code, output).not.toBe(0);
	expect(output).toContain('lint/style/noRestrictedImports');
	expect(output).toContain('source/core is the engine');
});

test.each(['pg', 'node:fs', '../errors.js', '../../core/events.js'])('source/core may import %s', (specifier) => {
	const {code, output} = lintImport('source/core/diff/probe.ts', specifier);
	expect(code, output).toBe(0);
});

test('the rule is for source/core only: the wizard imports ink', () => {
	const {code, output} = lintImport('source/ui/components/probe.ts', 'ink');
	expect(code, output).toBe(0);
});
