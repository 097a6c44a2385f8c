/**
 * A count as a message reads it, in the engine's messages and on every screen alike:
 * `1,234`, `1 row`, `3 rows`. present/numbers.ts builds the rest of the number formats on these.
 */
const integer = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
	return integer.format(value);
}

/** "1 table", "3 tables": the count formatted, the noun agreeing with it. */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
	return `${formatCount(count)} ${count === 1 ? noun : pluralNoun}`;
}
