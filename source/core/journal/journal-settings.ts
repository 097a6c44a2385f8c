import {dirname} from 'node:path';
import {describeEndpoint, type Endpoint} from '../connection/endpoint.js';
import {openSession, closeSession} from '../connection/connect.js';
import {databaseIdentity} from '../connection/database-identity.js';
import {openProfileStore} from '../profiles/store.js';
import {UserError} from '../errors.js';
import {defaultJournalRetention, journalDirectory, listJournals, undoneRuns} from './journal-store.js';
import type {JournalEntry} from './journal-format.js';
import type {JournalOptions} from './journal-recorder.js';
import {settlePendingJournals, type SettledJournals} from './settle-journals.js';

/** pgconvoy's config directory: PGCONVOY_CONFIG_DIR, else conf's per-user directory (where profiles.json lives). */
export function configDirectory(env: NodeJS.ProcessEnv): string {
	return env.PGCONVOY_CONFIG_DIR || dirname(openProfileStore({env}).file);
}

/** How many committed journals to keep per target: --keep-journals, else PGCONVOY_JOURNAL_KEEP, else 20. */
export function journalRetention(env: NodeJS.ProcessEnv, flag?: string): number {
	const given = flag ?? env.PGCONVOY_JOURNAL_KEEP;
	if (given === undefined || given === '') return defaultJournalRetention;
	const keep = Number(given);
	if (!Number.isInteger(keep) || keep < 1) {
		throw new UserError(
			'usage',
			`${flag !== undefined ? '--keep-journals' : 'PGCONVOY_JOURNAL_KEEP'} takes a whole number of runs (1 or more), not "${given}".`,
			`For example: ${flag !== undefined ? '--keep-journals 50' : 'PGCONVOY_JOURNAL_KEEP=50'} (the default keeps the last ${defaultJournalRetention} runs per target).`,
		);
	}
	return keep;
}

/** The journal options of a run from this environment, for these endpoints. */
export function journalOptions(
	env: NodeJS.ProcessEnv,
	target: Endpoint,
	source?: Endpoint,
	keepFlag?: string,
): JournalOptions {
	return {
		configDirectory: configDirectory(env),
		retention: journalRetention(env, keepFlag),
		labels: {
			...(source ? {source: describeEndpoint(source)} : {}),
			target: describeEndpoint(target),
			...(target.profileName ? {targetProfile: target.profileName} : {}),
		},
	};
}

/**
 * Connects to the target briefly: its identity (see databaseIdentity), and its pending journals
 * settled (see settlePendingJournals). Connects only when `always` or some journal is pending.
 */
export async function settleTarget(
	env: NodeJS.ProcessEnv,
	target: Endpoint,
	always = false,
): Promise<{identity?: string; settled?: SettledJournals}> {
	const directory = journalDirectory(configDirectory(env));
	if (!always && !listJournals(directory).some((entry) => entry.state === 'pending')) return {};
	const client = await openSession(target, 'target');
	try {
		const identity = await databaseIdentity(client);
		return {identity, settled: await settlePendingJournals(directory, client, identity)};
	} finally {
		await closeSession(client);
	}
}

/**
 * The journaled runs of this machine, newest first: of `target` only (its pending ones settled
 * first), or all when no target is given. `undone` maps each undone run to its undo; files that are
 * not readable journals are pushed onto `unreadable`. Shared by `pgconvoy history` and the wizard.
 */
export async function journalHistory(
	env: NodeJS.ProcessEnv,
	target: Endpoint | undefined,
	unreadable?: string[],
): Promise<{entries: JournalEntry[]; undone: Map<string, string>; settled?: SettledJournals}> {
	const {identity, settled} = target ? await settleTarget(env, target, true) : {};
	const all = listJournals(journalDirectory(configDirectory(env)), unreadable);
	return {
		entries: identity ? all.filter((entry) => entry.run.targetIdentity === identity) : all,
		undone: undoneRuns(all),
		...(settled ? {settled} : {}),
	};
}
