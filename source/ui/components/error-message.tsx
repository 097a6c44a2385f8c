import {Box} from 'ink';
import type {UserError} from '../../core/errors.js';
import {redactUrl} from '../../core/connection/url.js';
import {MarkedLine} from './marked-line.js';

/** A UserError as the user reads it: what went wrong, then what to do. Any URL in it is redacted. */
export function ErrorMessage({error}: {error: UserError}) {
	return (
		<Box flexDirection="column">
			<MarkedLine mark="✗" color="red">
				{redactUrl(error.message)}
			</MarkedLine>
			{error.hint ? (
				<MarkedLine mark="→" color="gray" indent={2}>
					{redactUrl(error.hint)}
				</MarkedLine>
			) : null}
		</Box>
	);
}
