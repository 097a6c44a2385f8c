import React from 'react';
import {Box, Text} from 'ink';
import type {UserError} from '../../core/errors.js';
import {redactUrl} from '../../core/connection/url.js';

/** A UserError as the user reads it: what went wrong, then what to do. Any URL in it is redacted. */
export function ErrorMessage({error}: {error: UserError}) {
	return (
		<Box flexDirection="column">
			<Text color="red">✗ {redactUrl(error.message)}</Text>
			{error.hint ? <Text color="gray"> → {redactUrl(error.hint)}</Text> : null}
		</Box>
	);
}
