/** Identifier quoting, shared by every SQL builder: everything is schema-qualified and quoted. */
export function quoteIdent(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

export function quoteLiteral(value: string): string {
	return `'${value.replaceAll("'", "''")}'`;
}

export function qualifiedName(schema: string, name: string): string {
	return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

const plainIdentifier = /^[a-z_][a-z0-9_$]*$/;

/** How a name is shown to users: `public.users`, `"Ventes 2024"."Élèves"`. Quoted only when it must be. */
export function displayIdent(name: string): string {
	return plainIdentifier.test(name) ? name : quoteIdent(name);
}

export function tableId(schema: string, name: string): string {
	return `${displayIdent(schema)}.${displayIdent(name)}`;
}

/**
 * Splits a user-typed table reference (`users`, `public.users`, `"My Schema"."Élèves"`) into parts.
 * Unquoted parts are matched exactly as typed, like pgsync: no case folding surprises.
 */
export function parseTableReference(reference: string): {schema?: string; name: string} {
	const parts: string[] = [];
	let current = '';
	let quoted = false;
	for (let index = 0; index < reference.length; index++) {
		const char = reference[index]!;
		if (quoted) {
			if (char === '"' && reference[index + 1] === '"') {
				current += '"';
				index++;
			} else if (char === '"') quoted = false;
			else current += char;
		} else if (char === '"') quoted = true;
		else if (char === '.') {
			parts.push(current);
			current = '';
		} else current += char;
	}
	parts.push(current);
	if (parts.length === 1) return {name: parts[0]!};
	return {schema: parts[0], name: parts.slice(1).join('.')};
}
