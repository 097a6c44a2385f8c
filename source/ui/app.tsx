import {useEffect, useReducer, type Dispatch} from 'react';
import {Box, Text, useApp} from 'ink';
import type {Endpoint} from '../core/connection/endpoint.js';
import {
	assertNever,
	stepOrder,
	wizardReducer,
	type Action,
	type EndpointPhase,
	type StepName,
	type WizardState,
} from './state.js';
import type {WizardServices} from './services.js';
import {useGlobalKeys} from './hooks/use-global-keys.js';
import {KeysProvider} from './hooks/use-keys.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {Header, headerHeight} from './components/header.js';
import {EndpointStep} from './steps/endpoint-step.js';
import {TablesStep} from './steps/tables-step.js';
import {ModeStep} from './steps/mode-step.js';
import {PreviewStep} from './steps/preview-step.js';
import {ConfirmStep} from './steps/confirm-step.js';
import {ApplyStep} from './steps/apply-step.js';
import {SummaryStep} from './steps/summary-step.js';

export interface AppProps {
	services: WizardServices;
	initial: WizardState;
	/** Called once with the exit code, just before the app unmounts. */
	onExit: (code: number) => void;
}

const titles: Record<StepName, string> = {
	source: 'Source',
	target: 'Target',
	tables: 'Tables',
	mode: 'Mode',
	preview: 'Preview',
	confirm: 'Confirm',
	apply: 'Apply',
	summary: 'Summary',
};

function phaseEndpoint(phase: EndpointPhase): Endpoint | undefined {
	switch (phase.kind) {
		case 'password':
		case 'connecting':
			return phase.endpoint;
		case 'connected':
			return phase.connected.endpoint;
		case 'failed':
			return phase.endpoint;
		case 'choose':
		case 'url':
			return undefined;
		default:
			return assertNever(phase);
	}
}

/** The endpoints the header shows: the connected ones, or the one being connected to right now. */
function headerEndpoints({step, context}: WizardState): {source?: Endpoint; target?: Endpoint} {
	if (step.name === 'source') return {source: phaseEndpoint(step.phase) ?? context.source?.endpoint};
	if (step.name === 'target')
		return {source: context.source?.endpoint, target: phaseEndpoint(step.phase) ?? context.target?.endpoint};
	return {source: context.source?.endpoint, target: context.target?.endpoint};
}

/** The wizard: one reducer, a header, the current step; keys reach it one at a time, in order. */
export function App(props: AppProps) {
	return (
		<KeysProvider>
			<Wizard {...props} />
		</KeysProvider>
	);
}

function Wizard({services, initial, onExit}: AppProps) {
	const [state, dispatch] = useReducer(wizardReducer, initial);
	const {exit} = useApp();
	const {columns, rows} = useTerminalSize();
	useGlobalKeys(state, dispatch);

	const {step, context} = state;
	const session = context.session;
	useEffect(
		() => () => {
			// A session left behind (back to the target step, or quitting) releases its connections.
			void session?.close();
		},
		[session],
	);
	useEffect(() => {
		if (state.exit === undefined) return;
		onExit(state.exit);
		exit();
	}, [state.exit, onExit, exit]);

	const quitting = state.exit !== undefined && step.name !== 'summary';
	const {source, target} = headerEndpoints(state);
	// Steps size their lists for a three-line header; a header that wraps takes lines from them.
	const stepRows = rows - (headerHeight({source, target}, columns - 1) - 3);
	const detail =
		step.name === 'preview' || step.name === 'confirm' || step.name === 'apply' ? `${context.mode} mode` : undefined;
	return (
		<Box flexDirection="column">
			<Header
				source={source}
				target={target}
				stepNumber={stepOrder.indexOf(step.name) + 1}
				stepCount={stepOrder.length}
				title={titles[step.name]}
				detail={detail}
				columns={columns - 1}
			/>
			{quitting ? (
				<Text color="gray">Quit: nothing was written.</Text>
			) : (
				<CurrentStep state={state} dispatch={dispatch} services={services} columns={columns} rows={stepRows} />
			)}
		</Box>
	);
}

function CurrentStep({
	state,
	dispatch,
	services,
	columns,
	rows,
}: {
	state: WizardState;
	dispatch: Dispatch<Action>;
	services: WizardServices;
	columns: number;
	rows: number;
}) {
	const {step, context} = state;
	switch (step.name) {
		case 'source':
		case 'target':
			return (
				<EndpointStep
					key={step.name}
					role={step.name}
					phase={step.phase}
					context={context}
					services={services}
					dispatch={dispatch}
					rows={rows}
				/>
			);
		case 'tables':
			return (
				<TablesStep
					step={step}
					context={context}
					services={services}
					dispatch={dispatch}
					columns={columns}
					rows={rows}
				/>
			);
		case 'mode':
			return <ModeStep mode={context.mode ?? context.prefill.mode} dispatch={dispatch} columns={columns} />;
		case 'preview':
			return (
				<PreviewStep key={step.run} step={step} context={context} dispatch={dispatch} columns={columns} rows={rows} />
			);
		case 'confirm':
			return <ConfirmStep step={step} context={context} dispatch={dispatch} columns={columns} rows={rows} />;
		case 'apply':
			return <ApplyStep step={step} context={context} dispatch={dispatch} columns={columns} />;
		case 'summary':
			return (
				<SummaryStep
					step={step}
					context={context}
					services={services}
					dispatch={dispatch}
					columns={columns}
					rows={rows}
					exiting={state.exit !== undefined}
				/>
			);
		default:
			return assertNever(step);
	}
}
