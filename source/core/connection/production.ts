import type {Endpoint} from './endpoint.js';

/**
 * The one production rule: which writes need the target's database name typed back. Every write to a
 * production target asks (a sync, a retry, a rehearsal's follow-up apply, an undo), in the wizard
 * (typed) and in flag mode (`--confirm <dbname>`). Whether a target *is* production is decided where
 * endpoints are resolved (`Endpoint.production`), never here.
 */
export function needsTypedConfirmation(target: Pick<Endpoint, 'production'>): boolean {
	return target.production;
}

/** `typed` (the wizard's field, or `--confirm`) confirms a write to `target`: its database name, surrounding blanks aside. */
export function confirmsTarget(target: Pick<Endpoint, 'production' | 'database'>, typed: string | undefined): boolean {
	return !needsTypedConfirmation(target) || typed?.trim() === target.database;
}
