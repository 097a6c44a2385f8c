/** Why a run stopped, as the user should read it. Only cli.tsx turns `exitCode` into a process exit. */
export type ErrorCode =
	| 'usage'
	| 'config'
	| 'connection'
	| 'auth'
	| 'database-missing'
	| 'blocked'
	| 'drift'
	| 'apply-failed'
	/** A server refused while previewing (a permission, a missing object…): nothing was written. */
	| 'server-refused'
	| 'lock-timeout'
	| 'interrupted'
	/** COMMIT was sent and neither its reply nor the server could say whether it took effect. */
	| 'outcome-unknown'
	| 'unexpected';

const exitCodes: Record<ErrorCode, number> = {
	usage: 2,
	config: 2,
	connection: 3,
	auth: 3,
	'database-missing': 3,
	blocked: 4,
	drift: 5,
	'apply-failed': 5,
	'server-refused': 5,
	'lock-timeout': 5,
	interrupted: 130,
	'outcome-unknown': 6,
	unexpected: 1,
};

export class UserError extends Error {
	readonly code: ErrorCode;
	/** What to do, worded for any interface (no flags: the wizard has none). */
	readonly hint: string | undefined;
	/** The same advice as flags to type, for flag mode; falls back to `hint`. */
	readonly flagHint: string | undefined;
	readonly exitCode: number;

	constructor(code: ErrorCode, message: string, hint?: string, options?: {cause?: unknown; flagHint?: string}) {
		super(message, options);
		this.name = 'UserError';
		this.code = code;
		this.hint = hint;
		this.flagHint = options?.flagHint;
		this.exitCode = exitCodes[code];
	}
}

/** The process exit code for an error code (cli.tsx exits with it). */
export function exitCodeOf(code: ErrorCode): number {
	return exitCodes[code];
}
