import {describe, expect, it} from 'vitest';
import {UserError} from '../../source/core/errors.js';
import {allHelpPaths, helpFor} from '../../source/commands/command-help.js';
import {helpWidth} from '../../source/commands/help-text.js';
import {syncFlags} from '../../source/commands/sync-flags.js';
import {profileAddFlags} from '../../source/commands/profile/help.js';

describe('help screens', () => {
	it.each(allHelpPaths().map((path) => [path.join(' ') || '(top)', path] as const))(
		'pgconvoy %s --help fits 80 columns and shows usage',
		(_label, path) => {
			const help = helpFor(path);
			expect(help.startsWith('Usage: pgconvoy')).toBe(true);
			for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(helpWidth);
			expect(help).not.toMatch(/[ \t]$/m);
		},
	);

	it('every screen of a command that does something shows an example', () => {
		for (const path of allHelpPaths().filter((path) => path[0] !== 'version'))
			expect(helpFor(path), path.join(' ')).toMatch(/^Examples?$/m);
	});

	it('is generated from the flag tables, so no option is missing from it', () => {
		const sync = helpFor(['sync']);
		for (const spec of syncFlags.filter((flag) => flag.help !== '')) expect(sync).toContain(`--${spec.name}`);
		expect(sync).toContain('--update-existing = --mode upsert');
		const add = helpFor(['profile', 'add']);
		for (const spec of profileAddFlags) expect(add).toContain(`--${spec.name}`);
	});

	it('lists every exit code the command can end with, 6 (outcome unknown) included', () => {
		for (const path of [[], ['sync'], ['undo']]) {
			const codes = helpFor(path)
				.split(/^Exit codes$/m)[1]!
				.replace(/\s+/g, ' ');
			for (const code of [
				'0 done',
				'2 usage/config',
				'3 connection/auth',
				'4 blocked',
				'5 failed and rolled back',
				'6 outcome unknown',
				'130 interrupted',
			])
				expect(codes, `${path.join(' ') || '(top)'}: ${code}`).toContain(code);
		}
	});

	it('a mistyped command asks "did you mean"', () => {
		for (const [path, hint] of [
			[['snyc'], 'Did you mean pgconvoy sync?'],
			[['profile', 'rmove'], 'Did you mean pgconvoy profile remove?'],
		] as const) {
			try {
				helpFor(path);
				throw new Error('expected an error');
			} catch (error) {
				expect(error).toBeInstanceOf(UserError);
				expect((error as UserError).hint).toMatch(new RegExp(`^${hint.replaceAll('?', '\\?')}`));
			}
		}
	});
});
