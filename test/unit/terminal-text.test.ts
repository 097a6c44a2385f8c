import {expect, test} from 'vitest';
import {jsonText, terminalLines, terminalText} from '../../source/present/terminal-text.js';

const c0 = Array.from({length: 0x20}, (_, code) => String.fromCharCode(code));
const c1 = Array.from({length: 0x21}, (_, index) => String.fromCharCode(0x7f + index));
const bidi = [
	'\u061c',
	'\u200e',
	'\u200f',
	'\u202a',
	'\u202b',
	'\u202c',
	'\u202d',
	'\u202e',
	'\u2066',
	'\u2067',
	'\u2068',
	'\u2069',
];
const separators = ['\u2028', '\u2029'];
/** What a terminal acts on: nothing of it may survive. */
const acting = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

test.each(
	[...c0, ...c1, ...bidi, ...separators].map((character) => [character.codePointAt(0)!.toString(16), character]),
)('U+%s inside a name is shown escaped, never raw', (_, character) => {
	const shown = terminalText(`users${character}x`);
	expect(shown).not.toMatch(acting);
	expect(shown.startsWith('users\\')).toBe(true);
	expect(shown.endsWith('x')).toBe(true);
});

test('escape sequences come out inert and readable: OSC title, OSC 52 clipboard, CSI, one-byte CSI', () => {
	expect(terminalText('\u001b]0;owned\u0007users')).toBe('\\x1b]0;owned\\x07users');
	expect(terminalText('\u001b]52;c;ZWNobyBoaQ==\u0007')).toBe('\\x1b]52;c;ZWNobyBoaQ==\\x07');
	expect(terminalText('a\u001b[2Jb')).toBe('a\\x1b[2Jb');
	expect(terminalText('\u009b31m')).toBe('\\x9b31m');
	expect(terminalText('abc\u202edef')).toBe('abc\\u202edef');
});

test('names that differ only in a control character stay tellable apart, also from a literal escape', () => {
	const names = ['users', 'users\u200f', 'users\u202e', 'users\\u202e', 'users\\x1b', 'users\u001b'];
	expect(new Set(names.map(terminalText)).size).toBe(names.length);
});

test('ordinary text, Unicode and emoji pass unchanged', () => {
	for (const text of ['public.élèves', 'naïve café', '学生', 'ضيف', '👩‍👩‍👧', 'a b', "O'Brien"])
		expect(terminalText(text)).toBe(text);
});

test('multi-line text keeps its line breaks and tabs, and nothing else', () => {
	expect(terminalLines('line one\nline\ttwo\r\nthree')).toBe('line one\nline\ttwo\nthree');
	expect(terminalLines('over\rwrite')).toBe('over\\rwrite');
	const shown = terminalLines(`x${c0.join('')}${c1.join('')}${bidi.join('')}`);
	expect(shown.replace(/[\n\t]/g, '')).not.toMatch(acting);
});

test('--json: the same value for a parser, with nothing a terminal acts on', () => {
	const value = {table: `t${c0.join('')}${c1.join('')}${bidi.join('')}${separators.join('')}`, n: 1};
	const text = jsonText(value, 2);
	expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/);
	expect(JSON.parse(text)).toEqual(value);
});
