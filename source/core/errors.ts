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
	| 'lock-timeout'
	| 'interrupted'
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
	'lock-timeout': 5,
	interrupted: 130,
	unexpected: 1,
};

export class UserError extends Error {
	readonly code: ErrorCode;
	readonly hint: string | undefined;
	readonly exitCode: number;

	constructor(code: ErrorCode, message: string, hint?: string, options?: {cause?: unknown}) {
		super(message, options);
		this.name = 'UserError';
		this.code = code;
		this.hint = hint;
		this.exitCode = exitCodes[code];
	}
}
