/**
 * Features reached through `pgconvoy sync`'s flags (issues 21 and 22). Each run goes through the
 * headless sync command, as `pgconvoy sync … --json` makes it; until the flag exists, sync's own flag
 * table refuses it and the scenario prints "n/a: not built yet" instead of a number.
 * - 2s: scenario 2's dry run with `--show-changes 20`: it must read only the rows it shows (at most
 *   2 × 20 more rows on either server than the same dry run without it, its twin in the same rounds)
 *   and take at most 1.05 × its twin's time. That asking costs nothing when not asked for is
 *   scenario 2 itself, before and after the feature lands.
 * - 2w: scenario 2's dry run with `--where t="id < 1000"`: on the indexed key it must read only the
 *   999 matching rows (at most 2 × 999 rows on either server), not the table.
 */
import {exactDryRun10, expectTables, preview, type Scenario} from './scenarios.js';

export const changesShown = 20;
const filterMatches = 999;

/** The `changes` arrays anywhere in a `--json` document (issue 21 names the entries, not where they sit). */
function changeLists(value: unknown, found: unknown[][] = []): unknown[][] {
	if (Array.isArray(value)) for (const item of value) changeLists(item, found);
	else if (value && typeof value === 'object')
		for (const [key, inner] of Object.entries(value)) {
			if (key === 'changes' && Array.isArray(inner)) found.push(inner);
			else changeLists(inner, found);
		}
	return found;
}

export function flagScenarios(count: number): Scenario[] {
	const dryRun = exactDryRun10(count);
	const matchingTenth = Math.floor(filterMatches / 10);
	return [
		{
			...dryRun,
			id: '2s',
			name: `exact dry run, 10% changed, --show-changes ${changesShown}`,
			request: {flags: ['--show-changes', String(changesShown)]},
			goals: [
				{against: 'twin', max: 1.05},
				{against: 'rows read', per: changesShown, perWhat: 'shown', beyondTwin: true, max: 2},
			],
			twin: {
				name: 'the same dry run without --show-changes',
				scenario: {...dryRun, id: '2s-twin', request: {flags: []}, goals: []},
			},
			check: (r) => {
				const wrong = dryRun.check(r);
				if (wrong) return wrong;
				const lists = changeLists(r);
				const shown = lists.reduce((sum, list) => sum + list.length, 0);
				if (shown === 0) return `--show-changes ${changesShown} was taken, but the JSON holds no changes entries`;
				if (lists.some((list) => list.length > changesShown))
					return `--show-changes ${changesShown} listed more: ${lists.map((list) => list.length).join(', ')}`;
				return undefined;
			},
		},
		{
			...dryRun,
			id: '2w',
			name: 'exact dry run, 10% changed, --where t="id < 1000"',
			request: {flags: ['--where', 't=id < 1000']},
			goals: [{against: 'rows read', per: filterMatches, perWhat: 'matching', max: 2}],
			check: (r) => expectTables(r, preview(0, matchingTenth, filterMatches - matchingTenth, 0)),
		},
	];
}
