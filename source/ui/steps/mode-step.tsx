import {type Dispatch} from 'react';
import {Box, Text} from 'ink';
import {syncModes, type SyncMode} from '../../core/plan/types.js';
import type {Action} from '../state.js';
import {KeyHints} from '../components/key-hints.js';
import {SelectList} from '../components/select-list.js';

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
				<SelectList
					items={syncModes}
					initialIndex={Math.max(0, syncModes.indexOf(mode ?? 'insert'))}
					renderItem={(value, highlighted) => (
						<Box>
							<Box width={8} flexShrink={0}>
								<Text bold color={highlighted ? 'cyan' : undefined}>
									{value}
								</Text>
							</Box>
							<Box width={Math.max(20, columns - 1 - 2 - 8)}>
								<Text color={highlighted ? undefined : 'gray'}>{modeExplanations[value]}</Text>
							</Box>
						</Box>
					)}
					onSelect={(value) => dispatch({type: 'mode-chosen', mode: value})}
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
