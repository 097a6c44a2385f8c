/** Goals measured: each one met, missed, or n/a (what it compares with could not run here). */
import type {Goal, GoalRow, PeerRow, RowsRead, ScenarioRow} from './report.js';
import type {Spread} from './ratios.js';
import {round} from './ratios.js';

const held = (goal: Goal, measured: number): GoalRow => ({
	...goal,
	measured: round(measured),
	met: measured <= goal.max,
});

/** A scenario's own goals, from its rounds; `scenario` goals stay n/a until `crossScenarioGoals`. */
export function scenarioGoals(
	goals: Goal[],
	measured: {ratioB: Spread; peers: PeerRow[]; rowsRead: RowsRead},
): GoalRow[] {
	return goals.map((goal) => {
		if (goal.against === 'B') return held(goal, measured.ratioB.median);
		if (goal.against === 'scenario') return {...goal, met: 'n/a'};
		if (goal.against === 'rows read') {
			const twin = measured.peers.find((peer) => peer.key === 'twin')?.rowsRead;
			if (goal.beyondTwin && !twin) return {...goal, met: 'n/a'};
			const beyond = (side: keyof RowsRead) => measured.rowsRead[side] - (goal.beyondTwin ? twin![side] : 0);
			return held(goal, Math.max(beyond('source'), beyond('target')) / goal.per!);
		}
		const peer = measured.peers.find((candidate) => candidate.key === goal.against);
		if (!peer?.pgconvoyToPeer) return {...goal, met: 'n/a'};
		return held(goal, peer.pgconvoyToPeer.median);
	});
}

/** Goals against another scenario (4 ≤ 1.10 × 4nj): its × B ÷ the other's, once both have run; else n/a. */
export function crossScenarioGoals(rows: ScenarioRow[]): void {
	for (const row of rows)
		row.goals = row.goals.map((goal) => {
			if (goal.against !== 'scenario') return goal;
			const other = rows.find((candidate) => candidate.id === goal.scenario);
			return other ? held(goal, row.ratioB.median / other.ratioB.median) : {...goal, met: 'n/a'};
		});
}

/** How a goal reads in the table: `≤ 0.35 × B`, `≤ 1.30 × it`, `≤ 1.10 × 4nj`, `≤ 2.00` (rows read ÷ its unit). */
export function goalText(goal: Goal): string {
	const max = goal.max.toFixed(2);
	switch (goal.against) {
		case 'B':
			return `≤ ${max} × B`;
		case 'scenario':
			return `≤ ${max} × ${goal.scenario}`;
		case 'rows read':
			return `≤ ${max}`;
		default:
			return `≤ ${max} × it`;
	}
}

/** What a goal's measured number is, for the line that names a missed goal. */
export function goalLabel(goal: Goal): string {
	switch (goal.against) {
		case 'B':
			return '× B';
		case 'scenario':
			return `÷ ${goal.scenario}`;
		case 'rows read':
			return `rows read${goal.beyondTwin ? ' beyond the twin' : ''} per server ÷ ${goal.per} ${goal.perWhat ?? ''}`.trimEnd();
		default:
			return `÷ ${goal.against}`;
	}
}
