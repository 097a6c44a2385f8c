/** The bench's printed tables: per scenario pgconvoy and its peers, the goals, and the scale line. */
import type {Spread} from './ratios.js';
import type {BenchReport, GoalRow, ScenarioRow} from './report.js';

const fixed = (value: number | undefined, digits = 2) => (value === undefined ? '' : value.toFixed(digits));
const range = (value: Spread | undefined) => (value ? `${fixed(value.min)}–${fixed(value.max)}` : '');
const met = (goal: GoalRow | undefined) => (!goal ? '' : goal.met === 'n/a' ? 'n/a' : goal.met ? 'met' : 'NO');
const goalText = (goal: GoalRow | undefined) =>
	!goal ? '' : goal.against === 'B' ? `≤ ${fixed(goal.max)} × B` : `≤ ${fixed(goal.max)} × it`;

function writeTable(lines: string[][], leftAligned: number[]): void {
	const widths = lines[0]!.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
	for (const [index, line] of lines.entries()) {
		process.stdout.write(
			`${line
				.map((cell, column) =>
					leftAligned.includes(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
				)
				.join('  ')
				.trimEnd()}\n`,
		);
		if (index === 0) process.stdout.write(`${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
	}
}

function scenarioLines(row: ScenarioRow): string[][] {
	const bGoal = row.goals.find((goal) => goal.against === 'B');
	const lines = [
		[
			row.id,
			row.name,
			fixed(row.medianS),
			fixed(row.ratioB.median),
			range(row.ratioB),
			'',
			'',
			goalText(bGoal),
			met(bGoal),
			fixed(row.peakRssMb, 0),
			row.runsS.map((s) => fixed(s)).join(' '),
		],
	];
	for (const peer of row.peers) {
		const goal = row.goals.find((candidate) => candidate.against === peer.key);
		if (peer.unavailable) {
			lines.push(['', `  vs ${peer.name}`, 'n/a', '', '', '', '', goalText(goal), met(goal), '', '']);
			continue;
		}
		lines.push([
			'',
			`  vs ${peer.name}`,
			fixed(peer.medianS),
			fixed(peer.ratioB?.median),
			range(peer.ratioB),
			fixed(peer.pgconvoyToPeer?.median),
			range(peer.pgconvoyToPeer),
			goalText(goal),
			met(goal),
			'',
			peer.runsS.map((s) => fixed(s)).join(' '),
		]);
	}
	return lines;
}

export function printReport(report: BenchReport): void {
	const {machine, baseline} = report;
	const bRange = `${fixed(Math.min(...baseline.samplesS))}–${fixed(Math.max(...baseline.samplesS))}`;
	process.stdout.write(
		[
			'',
			`pgconvoy bench: ${report.rows.toLocaleString('en')} rows × 10 columns (${report.rowBytes} B/row, heap ${report.tableMb} MB), PostgreSQL ${report.servers.source}, ${report.runs} rounds`,
			`machine: ${machine.cpus} cores (${machine.cpuModel ?? 'unknown CPU'}), ${machine.memoryGiB} GiB, Node ${machine.node}${report.noisyRuns ? `; ${report.noisyRuns} run${report.noisyRuns === 1 ? '' : 's'} timed on a busy machine` : ''}`,
			`B = ${baseline.method}: median ${fixed(baseline.B)} s over ${baseline.samplesS.length} samples (${bRange} s); Bb, binary, for information: ${fixed(baseline.Bb)} s`,
			'× B: each run ÷ the mean of the B samples just before and after it; median of the runs, and min–max.',
			"pgconvoy ÷ it: per round, pgconvoy's × B ÷ the peer's × B (same round, both bracketed); median, and min–max.",
			'',
		].join('\n'),
	);
	const lines: string[][] = [
		[
			'#',
			'scenario / peer',
			'median s',
			'× B',
			'× B min–max',
			'pgconvoy ÷ it',
			'÷ min–max',
			'goal',
			'met',
			'RSS MB',
			'runs s',
		],
	];
	for (const row of report.scenarios) lines.push(...scenarioLines(row));
	writeTable(lines, [1, 7]);
	const unavailable = new Set(
		report.scenarios.flatMap((row) =>
			row.peers.filter((peer) => peer.unavailable).map((peer) => `${peer.name}: ${peer.unavailable}`),
		),
	);
	for (const note of unavailable) process.stdout.write(`${note}\n`);
	const goals = report.scenarios.flatMap((row) => row.goals);
	const missed = report.scenarios.flatMap((row) =>
		row.goals
			.filter((goal) => goal.met === false)
			.map(
				(goal) =>
					`${row.id} (${goal.against === 'B' ? '× B' : `÷ ${goal.against}`} ${fixed(goal.measured)} > ${fixed(goal.max)})`,
			),
	);
	const unknown = goals.filter((goal) => goal.met === 'n/a').length;
	process.stdout.write(
		`\ngoals met: ${goals.filter((goal) => goal.met === true).length} of ${goals.length}${unknown ? ` (${unknown} n/a)` : ''}${missed.length ? `; missed: ${missed.join(', ')}` : ''}\n`,
	);
	journalLine(report);

	const scale = report.scale;
	if (!scale) return;
	process.stdout.write(
		`\nscale line: 1% changed, ${scale.rows.toLocaleString('en')} → ${scale.scaleRows.toLocaleString('en')} rows, ${scale.runs} round(s); B ${fixed(scale.B)} s → ${fixed(scale.scaleB)} s\n\n`,
	);
	const scaleLines: string[][] = [['#', 'scenario', 'rows', 'median s', '× B', 'RSS MB']];
	for (const row of scale.scenarios)
		scaleLines.push([
			row.id,
			row.name,
			row.rows.toLocaleString('en'),
			fixed(row.medianS),
			fixed(row.ratioB.median),
			fixed(row.peakRssMb, 0),
		]);
	writeTable(scaleLines, [1]);
	const flat = scale.rssFlat.map(
		(entry) =>
			`${entry.id} ${fixed(entry.smallMb, 0)} → ${fixed(entry.largeMb, 0)} MB (${fixed(entry.factor)}×) ${entry.met ? 'met' : 'NO'}`,
	);
	process.stdout.write(
		`\npeak RSS flat (at most ${report.flatRssFactor}× from ${scale.rows.toLocaleString('en')} to ${scale.scaleRows.toLocaleString('en')} rows): ${flat.join('; ')}\n`,
	);
}

/** The undo journal's cost (issue 11): scenario 4 with its journal ÷ 4nj without, and its size per changed row. */
function journalLine(report: BenchReport): void {
	const withJournal = report.scenarios.find((row) => row.id === '4');
	const without = report.scenarios.find((row) => row.id === '4nj');
	if (!withJournal || !without) return;
	const cost = withJournal.ratioB.median / without.ratioB.median;
	const changed = (
		withJournal.result as {tables: Array<{updated: number; inserted: number; deleted: number}>}
	).tables.reduce((sum, table) => sum + table.updated + table.inserted + table.deleted, 0);
	const size =
		withJournal.journalBytes !== undefined && changed > 0
			? `, ${fixed(withJournal.journalBytes / 1048576)} MB = ${Math.round(withJournal.journalBytes / changed)} bytes per changed row`
			: '';
	process.stdout.write(`journal: 4 ÷ 4nj = ${fixed(cost)} (goal ≤ 1.10: ${cost <= 1.1 ? 'met' : 'NO'})${size}\n`);
}
