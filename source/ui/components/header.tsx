import React from 'react';
import {Box, Text} from 'ink';
import {describeEndpoint, type Endpoint} from '../../core/connection/endpoint.js';
import {ProductionBadge} from './production-badge.js';

export interface HeaderProps {
	source?: Endpoint;
	target?: Endpoint;
	/** 1-based position of the step and its title, e.g. 3 and "Tables". */
	stepNumber: number;
	stepCount: number;
	title: string;
	/** A short note after the title: the mode, "counting…". */
	detail?: string;
}

/** A profile reads best by its name (its host and database follow, dimmed); anything else as user@host:port/db. */
function EndpointLabel({endpoint, placeholder}: {endpoint?: Endpoint; placeholder: string}) {
	if (!endpoint) return <Text color="gray">{placeholder}</Text>;
	if (!endpoint.profileName) return <Text bold>{describeEndpoint(endpoint)}</Text>;
	return (
		<Text>
			<Text bold>{endpoint.profileName}</Text>
			<Text color="gray"> ({endpoint.host}:{endpoint.port}/{endpoint.database})</Text>
		</Text>
	);
}

/** `source → target` with the production badge, then where the user is in the wizard. */
export function Header({source, target, stepNumber, stepCount, title, detail}: HeaderProps) {
	return (
		<Box flexDirection="column" marginBottom={1}>
			<Box flexWrap="wrap" columnGap={1}>
				<Text color="magentaBright" bold>
					pgconvoy
				</Text>
				<EndpointLabel endpoint={source} placeholder="source?" />
				<Text color="gray">→</Text>
				<EndpointLabel endpoint={target} placeholder="target?" />
				{target?.production ? <ProductionBadge /> : null}
			</Box>
			<Text wrap="truncate-end">
				<Text color="gray">
					Step {stepNumber}/{stepCount} ·{' '}
				</Text>
				<Text bold color="cyan">
					{title}
				</Text>
				{detail ? <Text color="gray"> · {detail}</Text> : null}
			</Text>
		</Box>
	);
}
