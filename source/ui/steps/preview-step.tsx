import {useMemo, useState, type Dispatch} from 'react';
import {Box, Text} from 'ink';

import type {PreviewResult, TableCounts} from '../../core/events.js';
import {isBlocked, type SyncPlan} from '../../core/plan/types.js';
import type {ApplyProgress} from '../../present/progress.js';
import {formatCount, formatPercent, liveRate, plural} from '../../present/numbers.js';
import {changesNothing, sumCounts} from '../../present/totals.js';
import {
	canWrite,
	cascadeQuestion,
	parentsToAdd,
	type Action,
	type Rehearsal,
	type Step,
	type WizardContext,
} from '../state.js';
import {usePreview, type LiveCounts} from '../hooks/use-preview.js';
import {useRehearsal} from '../hooks/use-rehearsal.js';
import {ApplyProgressPanel} from '../components/apply-progress.js';
import {useClock} from '../hooks/use-clock.js';
import {MarkedLine} from '../components/marked-line.js';
import {ErrorMessage} from '../components/error-message.js';
import {FindingsList, findingsHeight, sortFindings} from '../components/findings-list.js';
import {KeyHints, keyHintsHeight, type KeyHint} from '../components/key-hints.js';
import {NumberTable, layoutColumns, type NumberRow} from '../components/number-table.js';
import {Spinner} from '../components/spinner.js';
import {useKeys} from '../hooks/use-keys.js';

interface PreviewStepProps {
	step: Extract<Step, {name: 'preview'}>;
	context: WizardContext;
	dispatch: Dispatch<Action>;
	columns: number;
	rows: number;
}

const countColumns = [
	{header: 'insert', short: 'ins'},
	{header: 'update', short: 'upd'},
	{header: 'skip'},
	{header: 'delete', short: 'del'},
];
const countCells = (counts: Pick<TableCounts, 'insert' | 'update' | 'skip' | 'delete'>) =>
	[counts.insert, counts.update, counts.skip, counts.delete].map(formatCount);

/** Findings about rows whose FK parents are outside the selection. */
const parentCodes = new Set(['missing-parent', 'parent-not-selected']);

/** Findings shown under the table before `f` expands them. */
const collapsedFindings = 3;

/** The running compare in a few words: how far through the keys (against the estimates), how fast. */
function reading(live: LiveCounts, table: string, now: number): string {
	const progress = live.reading?.table === table ? live.reading : undefined;
	if (!progress) return 'counting…';
	const ratio = progress.keysEstimated > 0 ? progress.keysRead / progress.keysEstimated : 0;
	const rate = liveRate(progress.keysRead - progress.from, now - progress.since, 'keys');
	return progress.keysEstimated > 0
		? `${formatPercent(ratio)} · ${rate}`
		: `${formatCount(progress.keysRead)} keys · ${rate}`;
}

/** The dry run: per-table counts filling in live, totals, and what the plan found. */
export function PreviewStep({step, context, dispatch, columns, rows}: PreviewStepProps) {
	const {session, selected, mode, options, cascadeAllowed} = context;
	const counting = !context.preview && !step.error && session !== undefined && mode !== undefined;
	const request = useMemo(
		() =>
			counting
				? {
						session: session!,
						selected,
						mode: mode!,
						options: cascadeAllowed ? {...options, allowCascade: true} : options,
						run: step.run,
					}
				: undefined,
		[counting, session, selected, mode, options, cascadeAllowed, step.run],
	);
	const {plan: livePlan, live} = usePreview(request, dispatch);
	const rehearsing = step.rehearsal?.kind === 'running';
	const preview = context.preview;
	const rehearsalRequest = useMemo(
		() => (rehearsing && session && preview ? {session, plan: preview.plan, expected: preview.result} : undefined),
		[rehearsing, session, preview],
	);
	const rehearsal = useRehearsal(rehearsalRequest, dispatch);
	const now = useClock(counting || rehearsing);
	const [expanded, setExpanded] = useState(false);
	const [offset, setOffset] = useState(0);

	const result = context.preview?.result;
	const plan = context.preview?.plan ?? livePlan;
	const counted = new Map((result?.tables ?? Object.values(live.counts)).map((counts) => [counts.table, counts]));
	const tableIds = plan?.tables.map((table) => table.id) ?? [];
	const findings = result?.findings ?? plan?.findings ?? [];
	const blocked = isBlocked(findings);
	const totals = sumCounts([...counted.values()]);
	const differing = [...counted.values()].reduce((sum, counts) => sum + counts.differing - counts.update, 0);
	const nothingToDo = result !== undefined && !blocked && changesNothing(result.tables);
	const writable = canWrite({step, context});
	// Blocked only by cascaded changes the user may allow: a question instead of a dead end.
	const cascadable = result !== undefined && cascadeQuestion(findings).length > 0;
	const asking = cascadable && !step.cascade;
	// Rows whose parents are not selected (and maybe not on the target): offer to take the parents along.
	const namedParents = [
		...new Set(
			findings.filter((finding) => finding.parent && parentCodes.has(finding.code)).map((finding) => finding.parent!),
		),
	];
	const parents = result ? parentsToAdd(context, namedParents) : [];

	// Up to three findings under the table, fewer when long ones would push the screen past its height.
	const findingBudget = rows - (asking ? 10 : 18) - (step.notice ? 2 : 0);
	const sorted = sortFindings(findings);
	let collapsed = Math.min(collapsedFindings, findings.length);
	while (collapsed > 1 && findingsHeight(sorted.slice(0, collapsed), columns - 1, false) + 1 > findingBudget)
		collapsed--;
	const findingLines = expanded
		? 0
		: findingsHeight(sorted.slice(0, collapsed), columns - 1, false) + (findings.length > collapsed ? 1 : 0);
	// Numbers as wide as they will get (the totals), so the layout does not change while counting.
	const layout = layoutColumns({
		columns: countColumns,
		rows: tableIds.map((id) => ({key: id, name: id, cells: countCells(totals)})),
		total: {key: 'total', name: 'total', cells: countCells(totals)},
		width: columns - 1,
	});
	const linesPerRow = layout.stacked ? 2 : 1;
	const hintsFor = (scroll: boolean): KeyHint[] => [
		...(cascadable ? ([['y', 'allow the cascaded changes']] as KeyHint[]) : []),
		...(asking ? ([['n', 'no']] as KeyHint[]) : []),
		...(writable
			? ([
					['enter', 'confirm'],
					['r', 'rehearse (write, then roll back)'],
				] as KeyHint[])
			: []),
		...(scroll ? ([['↑↓', 'scroll']] as KeyHint[]) : []),
		...(parents.length > 0 ? ([['p', 'add parent tables']] as KeyHint[]) : []),
		...(findings.length > 0 ? ([['f', expanded ? 'counts' : 'all findings']] as KeyHint[]) : []),
		...(step.error ? ([['r', 'retry']] as KeyHint[]) : []),
		['esc', 'back'],
		['q', 'quit'],
	];
	// The table gets every line the rest of the screen leaves: the rest counted as it will wrap.
	const width = columns - 1;
	const wrapped = (text: string, indent = 0) => Math.max(1, Math.ceil(text.length / Math.max(10, width - indent)));
	const status = statusLine({
		failed: step.error !== undefined,
		counting: !result,
		done: counted.size,
		total: tableIds.length,
		blocked,
		asking,
		nothingToDo,
	});
	const differingText =
		mode === 'insert' && differing > 0
			? `${plural(differing, 'row')} ${differing === 1 ? 'differs' : 'differ'} but insert mode leaves them as they are (upsert would update them).`
			: undefined;
	const parentsText = parents.length > 0 ? `p adds ${parents.join(', ')} to the tables and counts again.` : undefined;
	const chrome =
		(step.notice ? wrapped(step.notice, 2) + 1 : 0) +
		wrapped(status.text, 2) +
		// Margin, column headers, the rule and the total (two lines when stacked).
		1 +
		1 +
		(layout.stacked ? 3 : 2) +
		(differingText ? wrapped(differingText) : 0) +
		(findings.length > 0 ? 1 + findingLines : 0) +
		(parentsText ? wrapped(parentsText) : 0) +
		(step.error ? 1 + wrapped(step.error.message, 2) + (step.error.hint ? wrapped(step.error.hint, 4) : 0) : 0);
	// The header's three lines (the app gives back any more it takes) and the line Ink keeps for the cursor.
	const free = (scroll: boolean) => rows - 4 - chrome - keyHintsHeight(hintsFor(scroll), width);
	const fitsAll = tableIds.length * linesPerRow <= free(false);
	// Scrolling adds the "↑ more" and "↓ more" lines and the ↑↓ key.
	// Scrolling: the "↑ more" and "↓ more" lines take a row's place only while they show.
	const room = free(true);
	const lastStart = fitsAll ? 0 : Math.max(0, tableIds.length - Math.max(1, Math.floor((room - 1) / linesPerRow)));
	const findingsPage = Math.max(1, Math.floor((rows - 10) / 3));
	const scrollable = expanded ? findings.length : tableIds.length;
	const maxStart = expanded ? Math.max(0, findings.length - findingsPage) : lastStart;
	const start = Math.min(offset, maxStart);
	const tableSize = fitsAll
		? tableIds.length
		: Math.max(1, Math.floor((room - (start > 0 ? 1 : 0) - (start < lastStart ? 1 : 0)) / linesPerRow));
	const pageSize = expanded ? findingsPage : tableSize;
	const hints = hintsFor(scrollable > pageSize);

	useKeys((input, key) => {
		// A rehearsal running or its failure shown: only Esc (back to the counts) and q mean something.
		if (step.rehearsal) return;
		if (cascadable && (input === 'y' || input === 'Y')) dispatch({type: 'answer-cascade', allow: true});
		else if (asking && (input === 'n' || input === 'N' || key.return)) dispatch({type: 'answer-cascade', allow: false});
		else if (key.upArrow || input === 'k') setOffset(Math.max(0, start - 1));
		else if (key.downArrow || input === 'j') setOffset(Math.min(maxStart, start + 1));
		else if (input === 'f' && findings.length > 0) {
			setExpanded(!expanded);
			setOffset(0);
		} else if (input === 'p' && parents.length > 0) dispatch({type: 'add-parents', parents: namedParents});
		else if (input === 'r' && step.error) dispatch({type: 'retry'});
		else if (input === 'r' && writable) dispatch({type: 'rehearse'});
		else if (key.return) dispatch({type: 'next'});
	});

	const tableRows: NumberRow[] = tableIds.slice(start, start + tableSize).map((id) => {
		const counts = counted.get(id);
		if (counts)
			return {key: id, name: id, cells: countCells(counts), dim: counts.insert + counts.update + counts.delete === 0};
		return {
			key: id,
			name: id,
			pending:
				// Only a run still going counts: after a failure (or an abort) nothing is being counted.
				counting && live.running === id ? (
					<Text wrap="truncate-end">
						<Spinner /> {reading(live, id, now)}
					</Text>
				) : (
					<Text color="gray">{step.error ? '—' : 'queued'}</Text>
				),
		};
	});

	if (step.rehearsal && preview) {
		return (
			<RehearsalView
				rehearsal={step.rehearsal}
				plan={preview.plan}
				expected={preview.result}
				progress={rehearsal.progress}
				elapsed={now - rehearsal.startedAt}
				now={now}
				columns={columns}
			/>
		);
	}

	return (
		<Box flexDirection="column">
			{step.notice ? (
				<Box marginBottom={1}>
					<MarkedLine mark="↺" color="yellow">
						{step.notice}
					</MarkedLine>
				</Box>
			) : null}
			<Status
				failed={step.error !== undefined}
				counting={!result}
				done={counted.size}
				total={tableIds.length}
				blocked={blocked}
				asking={asking}
				nothingToDo={nothingToDo}
			/>
			{expanded ? (
				<Box flexDirection="column" marginTop={1}>
					{start > 0 ? <Text color="gray">↑ {start} more</Text> : null}
					<FindingsList findings={sortFindings(findings).slice(start, start + pageSize)} limit={pageSize} withHints />
					{start + pageSize < findings.length ? (
						<Text color="gray">↓ {findings.length - start - pageSize} more</Text>
					) : null}
				</Box>
			) : (
				<Box flexDirection="column" marginTop={1}>
					{/* While asking about cascades, the findings and the question take the room; the counts come back after. */}
					{tableIds.length > 0 && !asking ? (
						<NumberTable
							nameHeader="table"
							columns={countColumns}
							rows={tableRows}
							width={columns - 1}
							layout={layout}
							above={start > 0 ? <Text color="gray"> ↑ {start} more</Text> : undefined}
							below={
								start + tableSize < tableIds.length ? (
									<Text color="gray"> ↓ {tableIds.length - start - tableSize} more</Text>
								) : undefined
							}
							total={{key: 'total', name: result ? 'total' : 'so far', cells: countCells(totals)}}
						/>
					) : null}
					{differingText ? (
						<Text color="gray" wrap="wrap">
							{differingText}
						</Text>
					) : null}
					{findings.length > 0 ? (
						<Box marginTop={1}>
							<FindingsList findings={findings} limit={collapsed} moreHint="f shows all" />
						</Box>
					) : null}
				</Box>
			)}
			{parentsText ? (
				<Text color="cyan" wrap="wrap">
					{parentsText}
				</Text>
			) : null}
			{step.error ? (
				<Box marginTop={1}>
					<ErrorMessage error={step.error} />
				</Box>
			) : null}
			{asking ? (
				<Box marginTop={1}>
					<Text bold wrap="wrap">
						Allow these cascaded changes? (y/N)
					</Text>
				</Box>
			) : null}
			<KeyHints hints={hints} />
		</Box>
	);
}

interface StatusFacts {
	failed: boolean;
	counting: boolean;
	done: number;
	total: number;
	blocked: boolean;
	asking: boolean;
	nothingToDo: boolean;
}

/** Where the preview stands, in one marked line: its text also sizes the table below it. */
function statusLine({failed, counting, done, total, blocked, asking, nothingToDo}: StatusFacts): {
	mark: string;
	color?: string;
	text: string;
} {
	if (failed) return {mark: '✗', color: 'red', text: 'The preview failed; nothing was written.'};
	if (asking)
		return {
			mark: '!',
			color: 'yellow',
			text: 'These deletes also change rows of tables not selected (ON DELETE actions).',
		};
	if (blocked)
		return {
			mark: '✗',
			color: 'red',
			text: 'Blocked: nothing can be written until the findings below are fixed. Esc goes back to change the tables or the mode.',
		};
	if (counting)
		return {
			mark: '⠋',
			text: `Counting what would change… ${done} of ${plural(total, 'table')} (read-only on both sides)`,
		};
	if (nothingToDo)
		return {
			mark: '✓',
			color: 'green',
			text: 'Nothing to change: the target already matches for these tables. Esc goes back to choose other tables or another mode; q quits.',
		};
	return {mark: '✓', color: 'green', text: `Counted ${plural(total, 'table')}. Nothing has been written yet.`};
}

function Status(facts: StatusFacts) {
	const line = statusLine(facts);
	if (facts.counting && !facts.failed && !facts.asking && !facts.blocked) {
		return (
			<Text wrap="wrap">
				<Spinner /> Counting what would change… {facts.done} of {plural(facts.total, 'table')}{' '}
				<Text color="gray">(read-only on both sides)</Text>
			</Text>
		);
	}
	return (
		<MarkedLine mark={line.mark} color={line.color}>
			{line.text}
		</MarkedLine>
	);
}

/** The rehearsal in place of the counts: the apply's progress while it runs, then why it failed. */
function RehearsalView({
	rehearsal,
	plan,
	expected,
	progress,
	elapsed,
	now,
	columns,
}: {
	rehearsal: Rehearsal;
	plan: SyncPlan;
	expected: PreviewResult;
	progress: ApplyProgress;
	elapsed: number;
	now: number;
	columns: number;
}) {
	const tables = plan.tables.map((table) => table.id);
	const width = Math.min(Math.max(20, columns - 1), 80);
	if (rehearsal.kind === 'failed') {
		return (
			<Box flexDirection="column" width={width}>
				<MarkedLine mark="✗" color="red" bold>
					The rehearsal failed, so the apply would fail too. It was rolled back: nothing was written.
				</MarkedLine>
				<Box marginTop={1}>
					<ErrorMessage error={rehearsal.error} />
				</Box>
				<KeyHints
					hints={[
						['esc', 'back to the preview'],
						['q', 'quit'],
					]}
				/>
			</Box>
		);
	}
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="wrap">
				Rehearsing: the real apply, then rolled back · {formatCount(progress.finished.length)} of{' '}
				{plural(tables.length, 'table')} done
			</Text>
			<ApplyProgressPanel
				tables={tables}
				expected={expected}
				progress={progress}
				elapsed={elapsed}
				now={now}
				width={width}
			/>
			<KeyHints
				hints={[
					['esc', 'stop the rehearsal'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}
