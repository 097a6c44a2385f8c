/** Quotes an argument for a POSIX shell only when it needs it, so a printed command runs as printed. */
export function shellQuote(arg: string): string {
	return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** `pgconvoy` and its arguments as one line to paste back into the shell. */
export function commandLine(args: readonly string[]): string {
	return ['pgconvoy', ...args].map(shellQuote).join(' ');
}
