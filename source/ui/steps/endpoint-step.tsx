import {useMemo, useState, type Dispatch} from 'react';
import {Box, Text} from 'ink';

import {describeEndpoint, sameDatabase, type Endpoint} from '../../core/connection/endpoint.js';
import {redactUrl} from '../../core/connection/url.js';
import {formatBytes, plural} from '../../present/numbers.js';
import type {Action, EndpointPhase, HistoryView, Role, WizardContext} from '../state.js';
import type {EndpointCandidate, WizardServices} from '../services.js';
import {toUserError} from '../errors.js';
import {maskUrlPassword} from '../format.js';
import {useConnect} from '../hooks/use-connect.js';
import {useHistory} from '../hooks/use-history.js';
import {alignedLines, historyCells} from '../../present/journal-report.js';
import {MarkedLine} from '../components/marked-line.js';
import {ErrorMessage} from '../components/error-message.js';
import {KeyHints, type KeyHint} from '../components/key-hints.js';
import {ProductionBadge} from '../components/production-badge.js';
import {SelectList} from '../components/select-list.js';
import {Spinner} from '../components/spinner.js';
import {TextField, maskAll} from '../components/text-field.js';
import {useKeys} from '../hooks/use-keys.js';

interface StepProps {
	role: Role;
	phase: EndpointPhase;
	context: WizardContext;
	services: WizardServices;
	dispatch: Dispatch<Action>;
	rows: number;
}

const enterUrl = 'enter-url';

/** Source and target: pick a saved profile or an env URL, or type one; then connect and describe it. */
export function EndpointStep(props: StepProps) {
	const {phase} = props;
	switch (phase.kind) {
		case 'choose':
			return <ChooseEndpoint {...props} />;
		case 'url':
			return <EnterUrl {...props} />;
		case 'password':
			return <EnterPassword endpoint={phase.endpoint} dispatch={props.dispatch} />;
		case 'connecting':
			return (
				<Connecting endpoint={phase.endpoint} role={props.role} services={props.services} dispatch={props.dispatch} />
			);
		case 'connected':
			return (
				<ConnectedSummary
					phase={phase}
					role={props.role}
					services={props.services}
					dispatch={props.dispatch}
					rows={props.rows}
				/>
			);
		case 'failed':
			return <ConnectFailed phase={phase} dispatch={props.dispatch} />;
	}
}

function CandidateLine({
	candidate,
	selected,
	labelWidth,
}: {
	candidate: EndpointCandidate;
	selected: boolean;
	labelWidth: number;
}) {
	return (
		<Box columnGap={1} flexWrap="wrap">
			<Text color={selected ? 'cyan' : undefined} bold={selected}>
				{candidate.label.padEnd(labelWidth)}
			</Text>
			{candidate.endpoint ? <Text color="gray">{describeEndpoint(candidate.endpoint)}</Text> : null}
			{candidate.endpoint?.production ? <ProductionBadge /> : null}
			{candidate.error ? (
				<MarkedLine mark="✗" color="red">
					{candidate.error.message}
				</MarkedLine>
			) : null}
		</Box>
	);
}

/** What the list offers: for the target, neither the source default (DATABASE_URL_LOCAL) nor the source itself. */
export function offeredCandidates(candidates: EndpointCandidate[], role: Role, source?: Endpoint): EndpointCandidate[] {
	if (role === 'source') return candidates;
	return candidates.filter(
		(candidate) =>
			!candidate.sourceDefault && !(source && candidate.endpoint && sameDatabase(source, candidate.endpoint)),
	);
}

function ChooseEndpoint({role, context, services, dispatch, rows}: StepProps) {
	const source = role === 'target' ? context.source?.endpoint : undefined;
	const candidates = useMemo(
		() => offeredCandidates(services.endpointCandidates(), role, source),
		[services, role, source],
	);
	const items: Array<EndpointCandidate | typeof enterUrl> = [...candidates, enterUrl];
	const current = role === 'source' ? context.source?.endpoint : context.target?.endpoint;
	// Start on the endpoint chosen before, else on the first one.
	const initialIndex = Math.max(
		0,
		current ? candidates.findIndex((candidate) => candidate.endpoint && sameDatabase(candidate.endpoint, current)) : 0,
	);
	const labelWidth = Math.max(0, ...candidates.map((candidate) => candidate.label.length));
	return (
		<Box flexDirection="column">
			<Text>{role === 'source' ? 'Where do the rows come from?' : 'Where should they go?'}</Text>
			<Box marginTop={1}>
				<SelectList
					items={items}
					initialIndex={initialIndex}
					limit={Math.max(3, rows - 10)}
					renderItem={(item, highlighted) =>
						item === enterUrl ? (
							<Text color={highlighted ? 'cyan' : undefined} bold={highlighted}>
								Enter a connection URL or profile name…
							</Text>
						) : (
							<CandidateLine candidate={item} selected={highlighted} labelWidth={labelWidth} />
						)
					}
					onSelect={(item) => {
						if (item === enterUrl) dispatch({type: 'enter-url'});
						else if (item.error) dispatch({type: 'endpoint-invalid', error: item.error});
						else if (item.endpoint) dispatch({type: 'endpoint-chosen', endpoint: item.endpoint});
					}}
				/>
			</Box>
			<KeyHints
				hints={[
					['↑↓', 'move'],
					['enter', 'connect'],
					...(role === 'target' ? ([['esc', 'back']] as KeyHint[]) : []),
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}

function EnterUrl({role, services, dispatch}: StepProps) {
	const [value, setValue] = useState('');
	const [error, setError] = useState<{problem: ReturnType<typeof toUserError>; typed: string}>();
	return (
		<Box flexDirection="column">
			<Text>Connection URL (or a saved profile name) for the {role}:</Text>
			<Box>
				<Text color="cyan">› </Text>
				<TextField
					value={value}
					placeholder="postgres://user@host:5432/database"
					display={maskUrlPassword}
					onChange={(text) => {
						setValue(text);
						setError(undefined);
					}}
					onSubmit={(text) => {
						try {
							dispatch({type: 'endpoint-chosen', endpoint: services.parseEndpoint(text, `the ${role} URL`)});
						} catch (problem) {
							setError({problem: toUserError(problem), typed: text});
						}
					}}
				/>
			</Box>
			<Text color="gray">Leave the password out to be asked for it without echo.</Text>
			{error ? (
				<Box flexDirection="column">
					<Text color="gray" wrap="truncate-end">
						You typed: {redactUrl(error.typed) || '(nothing)'}
					</Text>
					<ErrorMessage error={error.problem} />
				</Box>
			) : null}
			<KeyHints
				hints={[
					['enter', 'connect'],
					['esc', 'back to the list'],
				]}
			/>
		</Box>
	);
}

function EnterPassword({endpoint, dispatch}: {endpoint: Endpoint; dispatch: Dispatch<Action>}) {
	const [value, setValue] = useState('');
	return (
		<Box flexDirection="column">
			<Text>
				Password for <Text bold>{describeEndpoint(endpoint)}</Text>:
			</Text>
			<Box>
				<Text color="cyan">› </Text>
				<TextField
					value={value}
					display={maskAll}
					onChange={setValue}
					onSubmit={(password) => dispatch({type: 'password-entered', password})}
				/>
			</Box>
			<KeyHints
				hints={[
					['enter', 'connect'],
					['esc', 'back to the list'],
				]}
			/>
		</Box>
	);
}

function Connecting({
	endpoint,
	role,
	services,
	dispatch,
}: {
	endpoint: Endpoint;
	role: Role;
	services: WizardServices;
	dispatch: Dispatch<Action>;
}) {
	useConnect(endpoint, role, services, dispatch);
	return (
		<Box flexDirection="column">
			<Text>
				<Spinner /> Connecting to <Text bold>{describeEndpoint(endpoint)}</Text> ({endpoint.origin})…
			</Text>
			<KeyHints
				hints={[
					['esc', 'cancel'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}

function ConnectedSummary({
	phase,
	role,
	services,
	dispatch,
	rows,
}: {
	phase: Extract<EndpointPhase, {kind: 'connected'}>;
	role: Role;
	services: WizardServices;
	dispatch: Dispatch<Action>;
	rows: number;
}) {
	const {connected, history} = phase;
	const {endpoint, summary} = connected;
	useHistory(endpoint, history?.kind === 'loading', services, dispatch);
	useKeys((input, key) => {
		if (key.return) dispatch({type: 'next'});
		else if (input === 'h' && role === 'target') dispatch({type: 'toggle-history'});
	});
	return (
		<Box flexDirection="column">
			<MarkedLine mark="✓" color="green">
				Connected to the {role} <Text bold>{describeEndpoint(endpoint)}</Text>
				{endpoint.production ? ' ' : ''}
				{endpoint.production ? <ProductionBadge /> : null}
			</MarkedLine>
			{/* The details wrap under the line they belong to. */}
			<Box paddingLeft={2}>
				<Text wrap="wrap">
					PostgreSQL {summary.serverVersion} · database {summary.database} · {formatBytes(summary.sizeBytes)} ·{' '}
					{plural(summary.tableCount, 'table')}
				</Text>
			</Box>
			<Box paddingLeft={2}>
				<Text color="gray" wrap="wrap">
					from {endpoint.origin}
				</Text>
			</Box>
			{history ? <HistoryPanel history={history} rows={rows - 9} /> : null}
			<KeyHints
				hints={[
					['enter', 'continue'],
					...(role === 'target' ? ([['h', history ? 'hide history' : 'history of past syncs']] as KeyHint[]) : []),
					['esc', history ? 'hide history' : 'choose another'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}

/** The target's journaled runs, newest first, in `rows` lines: what `pgconvoy history --to` lists. */
function HistoryPanel({history, rows}: {history: HistoryView; rows: number}) {
	if (history.kind === 'loading') {
		return (
			<Box marginTop={1}>
				<Text>
					<Spinner /> Reading the journals of this target…
				</Text>
			</Box>
		);
	}
	if (history.kind === 'failed') {
		return (
			<Box marginTop={1}>
				<ErrorMessage error={history.error} />
			</Box>
		);
	}
	const {entries, undone, settled} = history.history;
	const notices = [
		...(settled?.committed ?? []).map(
			(id) => `Run ${id} was left pending; the target says it committed: it can be undone.`,
		),
		...(settled?.discarded ?? []).map(
			(id) => `Run ${id} was left pending; the target says it rolled back: its journal is removed.`,
		),
	];
	// One target's runs (its name is in the header); what each can still do before the counts, which may be cut.
	const lines =
		entries.length === 0
			? []
			: alignedLines([
					['run', 'when (UTC)', 'what', 'undo', '+ins ~upd -del'],
					...entries.map((entry) => {
						const cells = historyCells(entry, undone);
						return [cells.run, cells.when.replace(' UTC', ''), cells.what, cells.status, cells.rows];
					}),
				]);
	// The column header, then as many runs as fit; the rest are counted.
	const room = Math.max(2, rows - notices.length);
	const shown = lines.length <= room ? lines : lines.slice(0, room - 1);
	return (
		<Box flexDirection="column" marginTop={1}>
			{notices.map((notice) => (
				<Text key={notice} color="yellow" wrap="wrap">
					{notice}
				</Text>
			))}
			{entries.length === 0 ? (
				<Text color="gray">
					No journaled syncs of this target on this machine yet: every sync that writes keeps one.
				</Text>
			) : null}
			{shown.map((line, index) => (
				<Text key={line} bold={index === 0} wrap="truncate-end">
					{line}
				</Text>
			))}
			{shown.length < lines.length ? (
				<Text color="gray">
					… {plural(lines.length - shown.length, 'older run')} (pgconvoy history --to … lists them all)
				</Text>
			) : null}
		</Box>
	);
}

function ConnectFailed({
	phase,
	dispatch,
}: {
	phase: Extract<EndpointPhase, {kind: 'failed'}>;
	dispatch: Dispatch<Action>;
}) {
	// Retrying the same database as the target, or a candidate that does not parse, cannot help.
	const retryable = phase.endpoint !== undefined && !phase.sameAsSource;
	useKeys((input, key) => {
		if (key.return || (input === 'r' && retryable)) dispatch({type: 'retry'});
	});
	return (
		<Box flexDirection="column">
			<ErrorMessage error={phase.error} />
			<KeyHints
				hints={
					retryable
						? [
								['r/enter', 'retry'],
								['esc', 'choose another'],
								['q', 'quit'],
							]
						: [
								['enter/esc', 'choose another'],
								['q', 'quit'],
							]
				}
			/>
		</Box>
	);
}
