/**
 * The house's import rules (DESIGN §1, §9), checked by `npm run lint`. Folders show the flow; the
 * engine (source/core) knows nothing outside itself; presentation knows no front-end; no folder
 * imports another that imports it back; nothing imports the entry point. `npm run graph` prints
 * the folder-level import graph these rules keep.
 */
module.exports = {
	forbidden: [
		{
			name: 'core-imports-only-core',
			comment:
				'source/core is the engine: no React, terminal, presentation or command code (DESIGN §1). Move the code into core, or pass what core needs in as data.',
			severity: 'error',
			from: {path: '^source/core/'},
			to: {path: '^source/', pathNot: '^source/core/'},
		},
		{
			name: 'core-imports-no-ui-packages',
			comment: 'source/core is the engine: Ink and React belong to source/ui (DESIGN §1).',
			severity: 'error',
			from: {path: '^source/core/'},
			to: {path: '(^|/)node_modules/(ink|ink-[^/]+|react|react-[^/]+)/'},
		},
		{
			name: 'present-imports-no-front-end',
			comment:
				'source/present is shared by the wizard and flag mode: it may not import either of them, nor the commands.',
			severity: 'error',
			from: {path: '^source/present/'},
			to: {path: '^source/(ui|headless|commands)/'},
		},
		{
			name: 'nothing-imports-the-entry',
			comment: 'source/cli.tsx is the entry point (and the only process.exit): nothing imports it.',
			severity: 'error',
			from: {},
			to: {path: '^source/cli\\.tsx$'},
		},
		{
			name: 'imports-resolve',
			comment: 'An import the rules cannot follow could hide a forbidden one: every import must resolve.',
			severity: 'error',
			from: {path: '^source/'},
			to: {couldNotResolve: true},
		},
		{
			name: 'no-folder-circles',
			comment:
				'Folders show the flow: one that imports another must not be imported by it, directly or through others. Move the shared part down into a folder both may import.',
			severity: 'error',
			scope: 'folder',
			from: {path: '^source/'},
			to: {circular: true},
		},
		{
			name: 'no-module-circles',
			comment: 'Modules that import each other: move what both need into a third.',
			severity: 'error',
			// The engine and the presentation so far; commands/profile/ still shares its io types from its index.
			from: {path: '^source/(core|present)/'},
			to: {circular: true},
		},
	],
	options: {
		// TypeScript 7 has no compiler API for dependency-cruiser to read TypeScript with: Babel strips
		// the types (keeping type-only imports as dependencies), and @swc/core makes .ts/.tsx scannable.
		babelConfig: {fileName: '.dependency-cruiser.babel.cjs'},
		tsConfig: {fileName: 'tsconfig.json'},
		enhancedResolveOptions: {
			extensions: ['.ts', '.tsx', '.js'],
			// ESM-only packages (ink, conf) are found through their package.json exports.
			exportsFields: ['exports'],
			conditionNames: ['import', 'require', 'node', 'default', 'types'],
		},
		doNotFollow: {path: 'node_modules'},
		reporterOptions: {
			text: {highlightFocused: false},
		},
	},
};
