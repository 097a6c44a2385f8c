/** The bench's printed tables: per scenario pgconvoy, its twin and its peers, the goals, and the scale line. */
import {goalLabel, goalText as textOf} from './goals.js';
import {fixed, met, range, scenarioNotes} from './print-notes.js';
import type {BenchReport, GoalRow, ScenarioRow} from './report.js';

const goalText = (goal: GoalRow | undefined) => (goal ? textOf(goal) : '');

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
			fixed(peer.peakRssMb, 0),
			peer.runsS.map((s) => fixed(s)).join(' '),
		]);
	}
	// Goals against another scenario or on rows read: a line each, the measured value under "÷".
	for (const goal of row.goals.filter((candidate) => ['scenario', 'rows read'].includes(candidate.against)))
		lines.push(['', `  ${goalLabel(goal)}`, '', '', '', fixed(goal.measured), '', goalText(goal), met(goal), '', '']);
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
	scenarioNotes(report);
	printScale(report);
	printGoalSummary(report);
}

function printScale(report: BenchReport): void {
	const scale = report.scale;
	if (!scale) return;
	process.stdout.write(
		`\nscale line: 1% changed, ${scale.rows.toLocaleString('en')} → ${scale.scaleRows.toLocaleString('en')} rows, ${scale.runs} round(s); B ${fixed(scale.B)} s → ${fixed(scale.scaleB)} s\n\n`,
	);
	const scaleLines: string[][] = [['#', 'scenario', 'rows', 'median s', '× B', 'goal', 'met', 'RSS MB']];
	for (const row of scale.scenarios) {
		const goal = row.goals.find((candidate) => candidate.against === 'B');
		scaleLines.push([
			row.id,
			row.name,
			row.rows.toLocaleString('en'),
			fixed(row.medianS),
			fixed(row.ratioB.median),
			goalText(goal),
			met(goal),
			fixed(row.peakRssMb, 0),
		]);
	}
	writeTable(scaleLines, [1, 5]);
	const flat = scale.rssFlat.map(
		(entry) =>
			`${entry.id} ${fixed(entry.smallMb, 0)} → ${fixed(entry.largeMb, 0)} MB (${fixed(entry.factor)}×) ${entry.met ? 'met' : 'NO'}`,
	);
	process.stdout.write(
		`\npeak RSS flat (at most ${report.flatRssFactor}× from ${scale.rows.toLocaleString('en')} to ${scale.scaleRows.toLocaleString('en')} rows): ${flat.join('; ')}\n`,
	);
}

/** Every goal counted once (scale line and not-built scenarios included), and each missed one named. */
function printGoalSummary(report: BenchReport): void {
	const rows = [...report.scenarios, ...(report.scale?.scenarios ?? [])];
	const goals: Array<GoalRow['met']> = [
		...rows.flatMap((row) => row.goals.map((goal) => goal.met)),
		...(report.notBuilt ?? []).flatMap((entry) => entry.goals.map((): GoalRow['met'] => 'n/a')),
		...(report.scale?.rssFlat ?? []).map((entry) => entry.met),
	];
	const missed = [
		...rows.flatMap((row) =>
			row.goals
				.filter((goal) => goal.met === false)
				.map((goal) => `${row.id} (${goalLabel(goal)} ${fixed(goal.measured)} > ${fixed(goal.max)})`),
		),
		...(report.scale?.rssFlat ?? [])
			.filter((entry) => !entry.met)
			.map((entry) => `${entry.id} (peak RSS ${fixed(entry.factor)}× > ${report.flatRssFactor}×)`),
	];
	const unknown = goals.filter((value) => value === 'n/a').length;
	process.stdout.write(
		`\ngoals met: ${goals.filter((value) => value === true).length} of ${goals.length}${unknown ? ` (${unknown} n/a)` : ''}${missed.length ? `; missed: ${missed.join(', ')}` : ''}\n`,
	);
}
