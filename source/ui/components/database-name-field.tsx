import {Box, Text} from 'ink';
import type {Endpoint} from '../../core/connection/endpoint.js';
import {MarkedLine} from './marked-line.js';
import {ProductionBadge} from './production-badge.js';
import {TextField} from './text-field.js';

/** The question's text as it wraps (the badge reads `PRODUCTION` and a space): for screens that count lines. */
export const databaseNameQuestion = (target: Endpoint, action: string) =>
	`PRODUCTION  The target is tagged production. Type its database name (${target.database}) to ${action}:`;

interface DatabaseNameFieldProps {
	target: Endpoint;
	/** What the name allows: `write`, `undo`. */
	action: string;
	typed: string;
	mismatch: boolean;
	onChange: (typed: string) => void;
	onSubmit: () => void;
}

/** The production guard of every write to a production target: its database name, typed. */
export function DatabaseNameField({target, action, typed, mismatch, onChange, onSubmit}: DatabaseNameFieldProps) {
	return (
		<>
			<Text wrap="wrap">
				<ProductionBadge /> The target is tagged production. Type its database name (<Text bold>{target.database}</Text>
				) to {action}:
			</Text>
			<Box>
				<Text color="cyan">› </Text>
				<TextField value={typed} onChange={onChange} onSubmit={onSubmit} />
			</Box>
			{mismatch ? (
				<MarkedLine mark="✗" color="red">
					That is not {target.database}; nothing was written.
				</MarkedLine>
			) : null}
		</>
	);
}
