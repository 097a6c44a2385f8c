import {UserError} from '../core/errors.js';
import {closestName} from '../core/profiles/closest-name.js';
import type {FlagSpec} from './flag-table.js';
import {flagHelpRows} from './flag-table.js';
import {renderHelp} from './help-text.js';
import {profileCommands, profileHelpFor} from './profile/help.js';
import {syncHelp} from './sync-flags.js';
import {historyHelp, undoHelp} from './journal-commands.js';

export const commands = ['sync', 'history', 'undo', 'profile', 'demo', 'help', 'version'] as const;

export const topHelp = renderHelp({
	usage: ['pgconvoy [command] [options]'],
	summary: 'Move table data from one PostgreSQL database to another, safely: preview, confirm, one transaction.',
	sections: [
		{
			title: 'Commands',
			rows: [
				['(none)', 'the interactive wizard (needs a terminal)'],
				[
					'sync [options]',
					'sync with options; headless when stdin is not a terminal, or with --yes, --json or --dry-run',
				],
				['history', 'the syncs journaled on this machine, and whether each can be undone'],
				['undo <run|last>', 'take one committed sync back, from its journal'],
				['profile <command>', 'saved connections: add, list, show, remove, test'],
				['demo [--keep]', 'two throw-away servers with sample data, and the wizard on them'],
				['help [command]', 'help for a command (or: pgconvoy <command> --help)'],
				['version', 'the version (or: --version, -V)'],
			],
		},
		{
			title: 'Examples',
			lines: [
				'pgconvoy                                      # the wizard',
				'pgconvoy profile add prod --url postgresql://app@db.example.com/shop',
				'pgconvoy sync --from local --to prod --dry-run',
				'pgconvoy sync --to prod --mode upsert --yes --confirm shop',
				'pgconvoy sync --help                          # every sync option',
			],
		},
		{
			title: 'Exit codes',
			paragraphs: [
				'0 done, 1 unexpected, 2 usage/config, 3 connection/auth, 4 blocked by findings, 5 failed and rolled back, 6 outcome unknown (COMMIT sent, its answer lost), 130 interrupted',
			],
		},
	],
});

export const demoFlags: FlagSpec[] = [
	{
		name: 'keep',
		kind: 'boolean',
		help: 'without a terminal, or after the wizard: keep the servers running and print how to reach them; Ctrl-C stops them',
	},
];

const demoHelp = renderHelp({
	usage: ['pgconvoy demo [--keep]'],
	summary:
		'Start two throw-away PostgreSQL servers ("local" and "prod"), load a school database into both, save two temporary profiles (demo-local, and demo-prod tagged production) and open the wizard on them. Quitting stops both servers and deletes their data.',
	sections: [
		{title: 'Options', rows: [...flagHelpRows(demoFlags), ['-h, --help', 'this help']]},
		{
			title: 'Examples',
			lines: [
				'pgconvoy demo',
				'pgconvoy demo --keep',
				'npm run demo -- --keep      # from a clone: builds pgconvoy first',
			],
		},
	],
});

const versionHelp = renderHelp({
	usage: ['pgconvoy version', 'pgconvoy --version', 'pgconvoy -V'],
	summary: "Print pgconvoy's version.",
	sections: [],
});

const helpHelp = renderHelp({
	usage: ['pgconvoy help [command] [subcommand]'],
	summary: 'Print the help of pgconvoy or of one of its commands.',
	sections: [{title: 'Examples', lines: ['pgconvoy help sync', 'pgconvoy help profile add']}],
});

/** The help for `pgconvoy help <path…>` and `pgconvoy <path…> --help`; a wrong name is a usage error with a guess. */
export function helpFor(path: readonly string[]): string {
	const [command, subcommand] = path;
	switch (command) {
		case undefined:
			return topHelp;
		case 'sync':
			return syncHelp;
		case 'history':
			return historyHelp;
		case 'undo':
			return undoHelp;
		case 'demo':
			return demoHelp;
		case 'version':
			return versionHelp;
		case 'help':
			return helpHelp;
		case 'profile': {
			const help = profileHelpFor(subcommand);
			if (help) return help;
			throw unknownCommand(subcommand!, profileCommands, 'pgconvoy profile');
		}
		default:
			throw unknownCommand(command, commands, 'pgconvoy');
	}
}

/** `Unknown command "snyc".` → `Did you mean pgconvoy sync?` */
export function unknownCommand(typed: string, known: readonly string[], parent: string): UserError {
	const guess = closestName(typed, known);
	return new UserError(
		'usage',
		`Unknown command "${typed}".`,
		`${guess ? `Did you mean ${parent} ${guess}? ` : ''}${parent} --help lists the commands (${known.join(', ')}).`,
	);
}

/** Every help screen, for the test that checks they all fit 80 columns. */
export function allHelpPaths(): string[][] {
	return [
		[],
		['sync'],
		['history'],
		['undo'],
		['profile'],
		...profileCommands.map((command) => ['profile', command]),
		['demo'],
		['version'],
		['help'],
	];
}
