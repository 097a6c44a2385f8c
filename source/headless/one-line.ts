/**
 * Text from outside (server messages, lock holders' queries, file names) as part of one printed line:
 * line breaks and tabs become single spaces and other control characters are dropped, so a
 * multi-line server message cannot break a line-per-record log or move a terminal's cursor.
 */
export function oneLine(text: string): string {
	return text
		.replace(/[ \t]*[\r\n\t]+[ \t]*/g, ' ')
		.replace(/[\u0000-\u001f\u007f]/g, '')
		.trimEnd();
}

/** `✗ message` and, when there is one, `  → hint`: each a single line. */
export function errorLines(error: {message: string; hint?: string; flagHint?: string}): string[] {
	const hint = error.flagHint ?? error.hint;
	return [`✗ ${oneLine(error.message)}`, ...(hint ? [`  → ${oneLine(hint)}`] : [])];
}
