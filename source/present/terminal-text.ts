/**
 * Text from outside pgconvoy (a database's names, values and messages, a file, the environment, a
 * flag) made safe to show on a terminal. The one owner of that rule: every front-end (plain lines,
 * the wizard, JSON) calls these before such text is written.
 *
 * A terminal acts on C0 controls (ESC starts CSI/OSC sequences that retitle the window, write the
 * clipboard with OSC 52, move the cursor), on DEL and on C1 controls (U+009B is a one-character CSI
 * on many terminals), and bidirectional controls reorder what is shown (Trojan Source,
 * CVE-2021-42574). Each is shown visibly escaped instead of being dropped, so two names that differ
 * only in such a character stay tellable apart: ESC becomes `\x1b`, U+202E becomes `\u202e`, and a
 * backslash becomes `\\` so an escape written literally is not mistaken for one.
 */

/** C0 (but not the line breaks and tabs a multi-line text keeps), DEL, C1, bidi controls, line and paragraph separators. */
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\\]/g;
const unsafeInLine = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\\]/g;

function escapeCharacter(character: string): string {
	if (character === '\\') return '\\\\';
	if (character === '\n') return '\\n';
	if (character === '\r') return '\\r';
	if (character === '\t') return '\\t';
	const code = character.codePointAt(0)!;
	return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` for one terminal line: every control, line break and tab included, shown escaped.
 * For names, keys, values and anything else shown inside a line of pgconvoy's own.
 */
export function terminalText(text: string): string {
	return text.replace(unsafeInLine, escapeCharacter);
}

/**
 * `text` that may span lines (a server's DETAIL, a trigger's message): `\n` and `\t` are kept,
 * a lone `\r` is escaped (it would overwrite the line), everything else as `terminalText`.
 */
export function terminalLines(text: string): string {
	return text.replace(/\r\n/g, '\n').replace(unsafe, escapeCharacter);
}

/** Characters JSON.stringify leaves raw that a terminal still acts on (DEL, C1, bidi, separators). */
const rawInJson = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify, with every character a terminal would act on written as a `\uXXXX` escape: the
 * same JSON value for a parser, inert when the document is shown (`--json` printed to a terminal,
 * `less`, a CI log). JSON.stringify already escapes C0 (RFC 8259 §7).
 */
export function jsonText(value: unknown, indent?: number): string {
	return JSON.stringify(value, null, indent).replace(
		rawInJson,
		(character) => `\\u${character.codePointAt(0)!.toString(16).padStart(4, '0')}`,
	);
}
