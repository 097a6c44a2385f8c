/**
 * The lines under the bench's table: peers that could not run, scenarios not built yet, the
 * journal's cost, what one more table costs, and how the diff scales with its readers.
 */
import type {Spread} from './ratios.js';
import type {BenchReport, GoalRow, ScenarioRow} from './report.js';

export const fixed = (value: number | undefined, digits = 2) => (value === undefined ? '' : value.toFixed(digits));
export const range = (value: Spread | undefined) => (value ? `${fixed(value.min)}–${fixed(value.max)}` : '');
export const met = (goal: GoalRow | undefined) => (!goal ? '' : goal.met === 'n/a' ? 'n/a' : goal.met ? 'met' : 'NO');

const write = (line: string) => process.stdout.write(`${line}\n`);

export function scenarioNotes(report: BenchReport): void {
	const unavailable = new Set(
		report.scenarios.flatMap((row) =>
			row.peers.filter((peer) => peer.unavailable).map((peer) => `${peer.name}: ${peer.unavailable}`),
		),
	);
	for (const note of unavailable) write(note);
	for (const entry of report.notBuilt ?? []) write(`${entry.id} ${entry.name}: n/a: not built yet (${entry.reason})`);
	journalLine(report.scenarios);
	perTableLine(report.scenarios);
	readersLine(report);
}

/** The undo journal's cost: scenario 4 with its journal ÷ 4nj without (4's goal), and its size per changed row. */
function journalLine(rows: ScenarioRow[]): void {
	const withJournal = rows.find((row) => row.id === '4');
	const without = rows.find((row) => row.id === '4nj');
	if (!withJournal || !without) return;
	const cost = withJournal.ratioB.median / without.ratioB.median;
	const changed = (
		withJournal.result as {tables: Array<{updated: number; inserted: number; deleted: number}>}
	).tables.reduce((sum, table) => sum + table.updated + table.inserted + table.deleted, 0);
	const size =
		withJournal.journalBytes !== undefined && changed > 0
			? `, ${fixed(withJournal.journalBytes / 1048576)} MB = ${Math.round(withJournal.journalBytes / changed)} bytes per changed row`
			: '';
	write(`journal: 4 ÷ 4nj = ${fixed(cost)} (goal ≤ 1.10: ${cost <= 1.1 ? 'met' : 'NO'})${size}`);
}

/** What one more table costs: per round, (many tiny tables − one table of the same rows) ÷ the extra tables. */
function perTableLine(rows: ScenarioRow[]): void {
	const costs = rows.filter((row) => row.perExtraTableMs);
	if (costs.length === 0) return;
	const parts = costs.map(
		(row) =>
			`${row.id} ${row.dryRun ? 'dry run' : row.mode} ${fixed(row.perExtraTableMs!.median, 1)} ms (${fixed(row.perExtraTableMs!.min, 1)}–${fixed(row.perExtraTableMs!.max, 1)})`,
	);
	write(`per extra table (${costs[0]!.tables ?? '?'} tables against one of the same rows): ${parts.join('; ')}`);
}

/** How the diff scales with its readers: each 8j<N>'s × B, and its speed-up over one reader. */
function readersLine(report: BenchReport): void {
	const rows = report.scenarios.filter((row) => /^8j\d+$/.test(row.id));
	const one = rows.find((row) => row.id === '8j1');
	if (rows.length === 0) return;
	const parts = rows.map((row) => {
		const speedUp = one && row !== one ? ` (${fixed(one.ratioB.median / row.ratioB.median)}× one reader's speed)` : '';
		return `${row.id.slice(2)}: ${fixed(row.ratioB.median)} × B${speedUp}`;
	});
	write(`diff readers (8d's dry run): ${parts.join('; ')}`);
}
