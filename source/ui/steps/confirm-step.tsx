import React, {type Dispatch} from 'react';
import {Box, Text} from 'ink';

import {formatDuration} from '../../present/numbers.js';
import type {Action, Step, WizardContext} from '../state.js';
import {changeSentence} from '../format.js';
import {KeyHints} from '../components/key-hints.js';
import {ProductionBadge} from '../components/production-badge.js';
import {TextField} from '../components/text-field.js';
import {useKeys} from '../hooks/use-keys.js';

interface ConfirmStepProps {
	step: Extract<Step, {name: 'confirm'}>;
	context: WizardContext;
	dispatch: Dispatch<Action>;
}

/** The last stop before writing: what will change, where; a production target needs its name typed. */
export function ConfirmStep({step, context, dispatch}: ConfirmStepProps) {
	const target = context.target!.endpoint;
	const preview = context.preview!.result;
	const warnings = preview.findings.filter((finding) => finding.severity === 'warning').length;
	const sentence = changeSentence(preview, target);
	useKeys(
		(input, key) => {
			if (input === 'y' || input === 'Y') dispatch({type: 'confirm'});
			else if (input === 'n' || input === 'N' || key.return) dispatch({type: 'back'});
		},
		{isActive: !target.production},
	);
	return (
		<Box flexDirection="column">
			<Text bold wrap="wrap">
				{sentence[0]!.toUpperCase() + sentence.slice(1)}.
			</Text>
			<Text color="gray" wrap="wrap">
				Mode {preview.mode} · one transaction: everything or nothing · lock timeout {formatDuration(context.options.lockTimeoutMs)}
			</Text>
			{warnings > 0 ? <Text color="yellow">! {warnings} {warnings === 1 ? 'warning' : 'warnings'} in the preview (esc to read {warnings === 1 ? 'it' : 'them'})</Text> : null}
			<Box marginTop={1} flexDirection="column">
				{target.production ? (
					<>
						<Text wrap="wrap">
							<ProductionBadge /> The target is tagged production. Type its database name (<Text bold>{target.database}</Text>) to write:
						</Text>
						<Box>
							<Text color="cyan">› </Text>
							<TextField value={step.typed} onChange={(typed) => dispatch({type: 'confirm-typed', typed})} onSubmit={() => dispatch({type: 'confirm'})} />
						</Box>
						{step.mismatch ? <Text color="red">✗ That is not {target.database}; nothing was written.</Text> : null}
					</>
				) : (
					<Text>
						Write these changes now? <Text bold>(y/N)</Text>
					</Text>
				)}
			</Box>
			<KeyHints hints={target.production ? [['enter', 'write'], ['esc', 'back to the preview']] : [['y', 'write'], ['n/enter', 'back to the preview'], ['q', 'quit']]} />
		</Box>
	);
}
