import React, {useMemo, useState, type Dispatch} from 'react';
import {Box, Text, useInput} from 'ink';
import SelectInput from 'ink-select-input';
import {describeEndpoint, sameDatabase, type Endpoint} from '../../core/connection/endpoint.js';
import {formatCount, formatBytes} from '../../present/numbers.js';
import type {Action, Connected, EndpointPhase, Role, WizardContext} from '../state.js';
import type {EndpointCandidate, WizardServices} from '../services.js';
import {toUserError} from '../errors.js';
import {maskUrlPassword} from '../format.js';
import {useConnect} from '../hooks/use-connect.js';
import {ErrorMessage} from '../components/error-message.js';
import {KeyHints, type KeyHint} from '../components/key-hints.js';
import {ProductionBadge} from '../components/production-badge.js';
import {Spinner} from '../components/spinner.js';
import {TextField, maskAll} from '../components/text-field.js';

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
			return <Connecting endpoint={phase.endpoint} role={props.role} services={props.services} dispatch={props.dispatch} />;
		case 'connected':
			return <ConnectedSummary connected={phase.connected} role={props.role} dispatch={props.dispatch} />;
		case 'failed':
			return <ConnectFailed phase={phase} dispatch={props.dispatch} />;
	}
}

function CandidateLine({candidate, source, selected, labelWidth}: {candidate: EndpointCandidate; source?: Endpoint; selected: boolean; labelWidth: number}) {
	const isSource = source && candidate.endpoint && sameDatabase(source, candidate.endpoint);
	return (
		<Box columnGap={1} flexWrap="wrap">
			<Text color={selected ? 'cyan' : undefined} bold={selected}>
				{candidate.label.padEnd(labelWidth)}
			</Text>
			{candidate.endpoint ? <Text color="gray">{describeEndpoint(candidate.endpoint)}</Text> : null}
			{candidate.endpoint?.production ? <ProductionBadge /> : null}
			{isSource ? <Text color="yellow">(the source)</Text> : null}
			{candidate.error ? <Text color="red">✗ {candidate.error.message}</Text> : null}
		</Box>
	);
}

function ChooseEndpoint({role, context, services, dispatch, rows}: StepProps) {
	const candidates = useMemo(() => services.endpointCandidates(), [services]);
	const source = role === 'target' ? context.source?.endpoint : undefined;
	const items = [...candidates.map((candidate) => ({key: candidate.key, label: candidate.key, value: candidate.key})), {key: enterUrl, label: enterUrl, value: enterUrl}];
	const current = role === 'source' ? context.source?.endpoint : context.target?.endpoint;
	// Start on the endpoint chosen before, else (for the target) on the first one that is not the source.
	const initialIndex = Math.max(
		0,
		candidates.findIndex((candidate) => (current ? candidate.endpoint && sameDatabase(candidate.endpoint, current) : !(source && candidate.endpoint && sameDatabase(source, candidate.endpoint)))),
	);
	const byKey = new Map(candidates.map((candidate) => [candidate.key, candidate]));
	const labelWidth = Math.max(...candidates.map((candidate) => candidate.label.length));
	return (
		<Box flexDirection="column">
			<Text>{role === 'source' ? 'Where do the rows come from?' : 'Where should they go?'}</Text>
			<Box marginTop={1}>
				<SelectInput
					items={items}
					initialIndex={initialIndex}
					limit={Math.max(3, rows - 10)}
					itemComponent={({label, isSelected}) => {
						const candidate = byKey.get(label);
						return candidate ? (
							<CandidateLine candidate={candidate} source={source} selected={Boolean(isSelected)} labelWidth={labelWidth} />
						) : (
							<Text color={isSelected ? 'cyan' : undefined} bold={isSelected}>
								Enter a connection URL or profile name…
							</Text>
						);
					}}
					onSelect={(item) => {
						const candidate = byKey.get(item.value);
						if (!candidate) dispatch({type: 'enter-url'});
						else if (candidate.error) dispatch({type: 'endpoint-invalid', error: candidate.error});
						else if (candidate.endpoint) dispatch({type: 'endpoint-chosen', endpoint: candidate.endpoint});
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
	const [error, setError] = useState<ReturnType<typeof toUserError>>();
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
							setError(toUserError(problem));
						}
					}}
				/>
			</Box>
			<Text color="gray">Leave the password out to be asked for it without echo.</Text>
			{error ? <ErrorMessage error={error} /> : null}
			<KeyHints hints={[['enter', 'connect'], ['esc', 'back to the list']]} />
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
				<TextField value={value} display={maskAll} onChange={setValue} onSubmit={(password) => dispatch({type: 'password-entered', password})} />
			</Box>
			<KeyHints hints={[['enter', 'connect'], ['esc', 'back to the list']]} />
		</Box>
	);
}

function Connecting({endpoint, role, services, dispatch}: {endpoint: Endpoint; role: Role; services: WizardServices; dispatch: Dispatch<Action>}) {
	useConnect(endpoint, role, services, dispatch);
	return (
		<Box flexDirection="column">
			<Text>
				<Spinner /> Connecting to <Text bold>{describeEndpoint(endpoint)}</Text> ({endpoint.origin})…
			</Text>
			<KeyHints hints={[['esc', 'cancel'], ['q', 'quit']]} />
		</Box>
	);
}

function ConnectedSummary({connected, role, dispatch}: {connected: Connected; role: Role; dispatch: Dispatch<Action>}) {
	const {endpoint, summary} = connected;
	useInput((_input, key) => {
		if (key.return) dispatch({type: 'next'});
	});
	return (
		<Box flexDirection="column">
			<Text color="green">
				✓ Connected to the {role} <Text bold>{describeEndpoint(endpoint)}</Text>
				{endpoint.production ? ' ' : ''}
				{endpoint.production ? <ProductionBadge /> : null}
			</Text>
			<Text>
				{'  '}PostgreSQL {summary.serverVersion} · database {summary.database} · {formatBytes(summary.sizeBytes)} · {formatCount(summary.tableCount)} {summary.tableCount === 1 ? 'table' : 'tables'}
			</Text>
			<Text color="gray">  from {endpoint.origin}</Text>
			<KeyHints
				hints={[
					['enter', 'continue'],
					['esc', 'choose another'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}

function ConnectFailed({phase, dispatch}: {phase: Extract<EndpointPhase, {kind: 'failed'}>; dispatch: Dispatch<Action>}) {
	useInput((input, key) => {
		if (key.return || input === 'r') dispatch({type: 'retry'});
	});
	return (
		<Box flexDirection="column">
			<ErrorMessage error={phase.error} />
			<KeyHints
				hints={[
					['r', phase.endpoint ? 'retry' : 'choose again'],
					['esc', 'choose another'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}
