import {UserError} from '../core/errors.js';

/** Anything thrown by the engine as a UserError, so every screen shows a message and a hint. */
export function toUserError(error: unknown): UserError {
	if (error instanceof UserError) return error;
	const message = error instanceof Error ? error.message : String(error);
	return new UserError(
		'unexpected',
		`Unexpected error: ${message}`,
		'This is a bug in pgconvoy; please report it with what you were doing.',
		{cause: error},
	);
}
