import React, {type Dispatch} from 'react';
import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import {syncModes, type SyncMode} from '../../core/plan/types.js';
import type {Action} from '../state.js';
import {KeyHints} from '../components/key-hints.js';

export const modeExplanations: Record<SyncMode, string> = {
	insert: 'add the rows missing on the target; rows already there are left as they are',
	upsert: 'add missing rows and update the rows whose content differs; never deletes',
	mirror: 'make the target match: add, update, and delete rows the source does not have (guarded)',
};

export function ModeStep({mode, dispatch, columns}: {mode?: SyncMode; dispatch: Dispatch<Action>; columns: number}) {
	return (
		<Box flexDirection="column">
			<Text>How should rows be written?</Text>
			<Box marginTop={1}>
				<SelectInput
					items={syncModes.map((value) => ({key: value, label: value, value}))}
					initialIndex={Math.max(0, syncModes.indexOf(mode ?? 'insert'))}
					itemComponent={({label, isSelected}) => (
						<Box>
							<Box width={8} flexShrink={0}>
								<Text bold color={isSelected ? 'cyan' : undefined}>
									{label}
								</Text>
							</Box>
							<Box width={Math.max(20, columns - 1 - 2 - 8)}>
								<Text color={isSelected ? undefined : 'gray'}>{modeExplanations[label as SyncMode]}</Text>
							</Box>
						</Box>
					)}
					onSelect={(item) => dispatch({type: 'mode-chosen', mode: item.value})}
				/>
			</Box>
			<Box marginTop={1}>
				<Text color="gray">Nothing is written before the preview and your confirmation.</Text>
			</Box>
			<KeyHints
				hints={[
					['↑↓', 'move'],
					['enter', 'preview'],
					['esc', 'back'],
					['q', 'quit'],
				]}
			/>
		</Box>
	);
}
