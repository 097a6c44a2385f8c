import React from 'react';
import {Box, Text} from 'ink';
import type {Finding} from '../../core/plan/types.js';

/** Blocking findings first: they are the ones that stop the flow. */
export function sortFindings(findings: Finding[]): Finding[] {
	return [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'blocking' ? -1 : 1));
}

/** The plan's findings, `limit` of them; the rest are counted so nothing is silently hidden. Blocking ones always show their hint. */
export function FindingsList({findings, limit, moreHint, withHints = false}: {findings: Finding[]; limit: number; moreHint?: string; withHints?: boolean}) {
	const sorted = sortFindings(findings);
	const shown = sorted.slice(0, Math.max(0, limit));
	const hidden = sorted.length - shown.length;
	return (
		<Box flexDirection="column">
			{shown.map((finding, index) => (
				<Box key={index} flexDirection="column">
					<Text color={finding.severity === 'blocking' ? 'red' : 'yellow'}>
						{finding.severity === 'blocking' ? '✗ ' : '! '}
						{finding.message}
					</Text>
					{finding.hint && (withHints || finding.severity === 'blocking') ? <Text color="gray">  → {finding.hint}</Text> : null}
				</Box>
			))}
			{hidden > 0 ? (
				<Text color="gray">
					… {hidden} more {hidden === 1 ? 'finding' : 'findings'}
					{moreHint ? ` (${moreHint})` : ''}
				</Text>
			) : null}
		</Box>
	);
}
