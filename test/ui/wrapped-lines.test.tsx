import {Box} from 'ink';
import {render} from 'ink-testing-library';
import {describe, expect, test} from 'vitest';
import {UserError} from '../../source/core/errors.js';
import {ErrorMessage} from '../../source/ui/components/error-message.js';
import {FindingsList} from '../../source/ui/components/findings-list.js';
import {frameText} from './helpers.js';

const longMessage =
	'Rolled back: nothing was written to local_db on 127.0.0.1 because another session holds a lock on public.niveaux.';
const longHint =
	'Wait for the other session to finish, or end it (SELECT pg_terminate_backend(7976)), then apply again.';

/** Every line after the first of a wrapped block starts at `column`: nothing falls back to column 0. */
function expectHangingIndent(lines: string[], column: number) {
	expect(lines.length).toBeGreaterThan(1);
	for (const line of lines.slice(1)) expect(line.slice(0, column).trim(), line).toBe('');
}

describe('wrapped messages and hints keep their indent', () => {
	test.each([40, 60, 80])('an error and its hint at %i columns', (width) => {
		const app = render(
			<Box width={width}>
				<ErrorMessage error={new UserError('apply-failed', longMessage, longHint)} />
			</Box>,
		);
		const lines = frameText(app).split('\n');
		const hintStart = lines.findIndex((line) => line.startsWith('  → Wait'));
		expect(lines[0]).toMatch(/^✗ Rolled back/);
		expectHangingIndent(lines.slice(0, hintStart), 2);
		expectHangingIndent(lines.slice(hintStart), 4);
		app.unmount();
	});

	test('a finding and its hint wrap under their own text', () => {
		const findings = [
			{table: 'public.notes', severity: 'blocking' as const, code: 'no-key', message: longMessage, hint: longHint},
		];
		const app = render(
			<Box width={50}>
				<FindingsList findings={findings} limit={3} />
			</Box>,
		);
		const lines = frameText(app).split('\n');
		const hintStart = lines.findIndex((line) => line.startsWith('  → Wait'));
		expect(hintStart).toBeGreaterThan(0);
		expectHangingIndent(lines.slice(0, hintStart), 2);
		expectHangingIndent(lines.slice(hintStart), 4);
		app.unmount();
	});
});
