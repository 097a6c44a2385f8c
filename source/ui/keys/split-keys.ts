import type {Key} from 'ink';

/** One key as the wizard's handlers see it: Ink's (input, key) pair. */
export interface KeyPress {
	input: string;
	key: Key;
}

/** A key with no arrow, modifier or named key set: a plain character. */
export const plainKey: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

/** One character of a run, named as Ink names it when it arrives alone. */
function charKey(char: string): KeyPress {
	if (char === '\r' || char === '\n') return {input: '', key: {...plainKey, return: true}};
	if (char === '\t') return {input: '', key: {...plainKey, tab: true}};
	if (char === '\u007F' || char === '\b') return {input: '', key: {...plainKey, backspace: true}};
	const code = char.codePointAt(0)!;
	// Ctrl-A … Ctrl-Z (Ctrl-C among them) inside a run.
	if (code >= 1 && code <= 26) return {input: String.fromCodePoint(code + 96), key: {...plainKey, ctrl: true}};
	return {input: char, key: {...plainKey, shift: /^[A-Z]$/.test(char)}};
}

/**
 * Ink hands `useInput` one event per escape sequence, but a run of plain characters that arrived in
 * one read (fast typing, a paste, tmux, SSH: `jj`, two spaces, `j` + Enter) as one string, which no
 * `input === 'j'` test matches. Splits such a run into the keys it is made of, in order.
 */
export function splitKeys(input: string, key: Key): KeyPress[] {
	const chars = [...input];
	if (chars.length <= 1 || key.ctrl || key.meta) return [{input, key}];
	// `\r\n` is one Enter.
	return input
		.replaceAll('\r\n', '\r')
		.split('')
		.reduce<string[]>((all, unit) => {
			// Keep surrogate pairs (emoji) together.
			const last = all.at(-1);
			if (last !== undefined && last.length === 1 && /[\uD800-\uDBFF]/.test(last) && /[\uDC00-\uDFFF]/.test(unit))
				all[all.length - 1] = last + unit;
			else all.push(unit);
			return all;
		}, [])
		.map(charKey);
}
