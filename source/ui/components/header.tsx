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
	/** The terminal's width: a narrow one gets the endpoints' short names. */
	columns: number;
}

function labelText(endpoint: Endpoint | undefined, placeholder: string, compact: boolean): string {
	if (!endpoint) return placeholder;
	if (compact) return endpoint.profileName ?? `${endpoint.database}@${endpoint.host}`;
	return endpoint.profileName
		? `${endpoint.profileName} (${endpoint.host}:${endpoint.port}/${endpoint.database})`
		: describeEndpoint(endpoint);
}

function lineParts({source, target}: Pick<HeaderProps, 'source' | 'target'>, compact: boolean): string[] {
	return [
		'pgconvoy',
		labelText(source, 'source?', compact),
		'→',
		labelText(target, 'target?', compact),
		...(target?.production ? [' PRODUCTION '] : []),
	];
}

const lineWidth = (parts: string[]) => parts.reduce((sum, part) => sum + part.length, 0) + parts.length - 1;

/** Full labels when they fit on one line; else profile names, or database@host, so the line stays one line if it can. */
function isCompact(endpoints: Pick<HeaderProps, 'source' | 'target'>, columns: number): boolean {
	return lineWidth(lineParts(endpoints, false)) > columns;
}

/**
 * Lines the header takes at `columns`, its margin included: its first line wraps between its parts
 * on a very narrow terminal, and the steps size their lists to what is left.
 */
export function headerHeight(endpoints: Pick<HeaderProps, 'source' | 'target'>, columns: number): number {
	let lines = 1;
	let used = 0;
	for (const part of lineParts(endpoints, isCompact(endpoints, columns))) {
		if (used > 0 && used + 1 + part.length <= columns) used += 1 + part.length;
		else {
			lines += (used > 0 ? 1 : 0) + Math.ceil(part.length / columns) - 1;
			used = part.length % columns || columns;
		}
	}
	return lines + 2;
}

/** A profile reads best by its name (its host and database follow, dimmed); anything else as user@host:port/db. */
function EndpointLabel({endpoint, placeholder, compact}: {endpoint?: Endpoint; placeholder: string; compact: boolean}) {
	if (!endpoint) return <Text color="gray">{placeholder}</Text>;
	if (compact) return <Text bold>{labelText(endpoint, placeholder, true)}</Text>;
	if (!endpoint.profileName) return <Text bold>{describeEndpoint(endpoint)}</Text>;
	return (
		<Text>
			<Text bold>{endpoint.profileName}</Text>
			<Text color="gray">
				{' '}
				({endpoint.host}:{endpoint.port}/{endpoint.database})
			</Text>
		</Text>
	);
}

/** `source → target` with the production badge, then where the user is in the wizard. */
export function Header({source, target, stepNumber, stepCount, title, detail, columns}: HeaderProps) {
	const compact = isCompact({source, target}, columns);
	return (
		<Box flexDirection="column" marginBottom={1}>
			<Box flexWrap="wrap" columnGap={1}>
				<Text color="magentaBright" bold>
					pgconvoy
				</Text>
				<EndpointLabel endpoint={source} placeholder="source?" compact={compact} />
				<Text color="gray">→</Text>
				<EndpointLabel endpoint={target} placeholder="target?" compact={compact} />
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
