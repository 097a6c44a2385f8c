/**
 * What the plan, the preview or the apply found about a sync before writing: a warning to show, or a
 * blocking reason not to write. Worded for people, with the fix.
 */
export type Severity = 'warning' | 'blocking';

export interface Finding {
	table?: string;
	severity: Severity;
	code: string;
	message: string;
	/** What to do, worded for any interface (no flags: the wizard has none). */
	hint?: string;
	/** The same advice as flags to type, for flag mode; falls back to `hint`. */
	flagHint?: string;
	/** For findings about foreign-key parents: the parent table, so a UI can offer to add it. */
	parent?: string;
}

export function isBlocked(findings: Finding[]): boolean {
	return findings.some((finding) => finding.severity === 'blocking');
}
