/**
 * How dependency-cruiser reads TypeScript here. Its own TypeScript reader needs the compiler's JS API,
 * which TypeScript 7 no longer has, so Babel strips the types and dependency-cruiser reads the rest.
 * `import type` counts as a dependency too (a type from present/ in core/ is still presentation in the
 * engine): it is turned into a plain import before the types are stripped, and nothing is elided.
 */
const keepTypeImports = {
	visitor: {
		Program(path) {
			for (const statement of path.node.body) {
				if (statement.type === 'ImportDeclaration' || statement.type === 'ExportNamedDeclaration')
					if (statement.source) {
						statement.importKind = 'value';
						statement.exportKind = 'value';
						for (const specifier of statement.specifiers ?? []) {
							specifier.importKind = 'value';
							specifier.exportKind = 'value';
						}
					}
			}
		},
	},
};

module.exports = {
	babelrc: false,
	configFile: false,
	plugins: [keepTypeImports],
	presets: [['@babel/preset-typescript', {onlyRemoveTypeImports: true}]],
};
