/** Every help screen is laid out here, so all of them fit an 80-column terminal the same way. */
export const helpWidth = 80;

export interface HelpSection {
	title: string;
	/** Aligned term/description pairs; long descriptions wrap under their column. */
	rows?: Array<[term: string, description: string]>;
	/** Lines kept as written (examples: a command must stay whole to run as printed), indented by two. */
	lines?: string[];
	/** Prose, indented by two and wrapped to the width. */
	paragraphs?: string[];
}

export interface HelpDoc {
	usage: string[];
	summary?: string;
	sections: HelpSection[];
}

const indent = '  ';
const widestTermColumn = 26;

export function renderHelp(doc: HelpDoc): string {
	const out: string[] = [];
	// One description column for the whole screen, so sections line up with each other.
	const column = descriptionColumn(doc.sections.flatMap((section) => section.rows ?? []));
	out.push(...doc.usage.map((line, index) => (index === 0 ? `Usage: ${line}` : `       ${line}`)));
	if (doc.summary) out.push('', ...wrap(doc.summary, helpWidth));
	for (const section of doc.sections) {
		out.push('', section.title);
		if (section.rows) out.push(...renderRows(section.rows, column));
		for (const line of section.lines ?? []) out.push(indent + line);
		for (const paragraph of section.paragraphs ?? [])
			out.push(...wrap(paragraph, helpWidth - indent.length).map((part) => indent + part));
	}
	return out.join('\n') + '\n';
}

function descriptionColumn(rows: Array<[string, string]>): number {
	const fitting = rows.map(([term]) => term.length).filter((length) => length <= widestTermColumn);
	return indent.length + Math.max(0, ...fitting) + 2;
}

function renderRows(rows: Array<[string, string]>, column: number): string[] {
	const lines: string[] = [];
	for (const [term, description] of rows) {
		const parts = wrap(description, helpWidth - column);
		const head = indent + term;
		if (head.length + 2 > column) lines.push(head);
		else lines.push(head.padEnd(column) + (parts.shift() ?? ''));
		for (const part of parts) lines.push(' '.repeat(column) + part);
	}
	return lines.map((line) => line.trimEnd());
}

/** Greedy word wrap; a single word longer than the width stays whole on its own line. */
export function wrap(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/).filter(Boolean)) {
		if (line && line.length + 1 + word.length > width) {
			lines.push(line);
			line = word;
		} else line = line ? `${line} ${word}` : word;
	}
	if (line) lines.push(line);
	return lines;
}
