import {describeEndpoint} from '../../core/connection/endpoint.js';
import {confirmsTarget, needsTypedConfirmation} from '../../core/connection/production.js';
import {UserError} from '../../core/errors.js';
import {unknownProfileError} from '../../core/profiles/resolve-endpoint.js';
import {openProfileStore} from '../../core/profiles/store.js';
import {terminalText} from '../../present/terminal-text.js';
import {parseFlagTable} from '../flag-table.js';
import {openForm} from './form.js';
import {profileRemoveFlags} from './help.js';
import {oneName, type ProfileCommandIo, type Write} from './index.js';

/**
 * `profile remove NAME`. A production profile is what makes its database production (see
 * resolve-endpoint), so removing one is confirmed by the production rule: its database name, typed
 * on a terminal or given as `--confirm`.
 */
export async function removeProfile(rest: string[], io: ProfileCommandIo, out: Write): Promise<number> {
	const flags = parseFlagTable(rest, profileRemoveFlags, 'pgconvoy profile remove');
	const name = oneName(flags.positionals, 'remove');
	const store = openProfileStore({env: io.env});
	const profile = store.getProfile(name);
	if (!profile) throw unknownProfileError(name, store, {purpose: 'existing'});
	if (needsTypedConfirmation(profile)) {
		let typed = flags.value('confirm');
		if (typed === undefined) {
			if (!io.isTTY)
				throw new UserError(
					'usage',
					`Profile "${name}" marks ${describeEndpoint(profile)} as production: removing it needs --confirm ${profile.database}.`,
					`Check that you mean it (pgconvoy profile show ${name}), then: pgconvoy profile remove ${name} --confirm ${profile.database}`,
				);
			const form = openForm(io);
			try {
				typed = await form.ask(
					`Profile "${terminalText(name)}" marks ${terminalText(describeEndpoint(profile))} as production; without it, writes there are no longer confirmed. Type its database name (${terminalText(profile.database)}) to remove it`,
				);
			} finally {
				form.close();
			}
		}
		if (!confirmsTarget(profile, typed))
			throw new UserError(
				'usage',
				`"${typed}" is not the database name of profile "${name}" (${profile.database}): nothing was removed.`,
				`To remove it: pgconvoy profile remove ${name} --confirm ${profile.database}`,
			);
	}
	store.removeProfile(name);
	out(`Removed profile "${terminalText(name)}".\n`);
	return 0;
}
