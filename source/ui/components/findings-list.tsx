import {Box, Text} from 'ink';
import type {Finding} from '../../core/plan/types.js';
import {MarkedLine} from './marked-line.js';

/** Blocking findings first: they are the ones that stop the flow. */
export function sortFindings(findings: Finding[]): Finding[] {
	return [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'blocking' ? -1 : 1));
}

/** Lines `findings` take at `width` (message and, when shown, hint), wrapped as FindingsList wraps them. */
export function findingsHeight(findings: Finding[], width: number, withHints: boolean): number {
	const lines = (text: string, indent: number) => Math.max(1, Math.ceil(text.length / Math.max(10, width - indent)));
	return findings.reduce(
		(sum, finding) =>
			sum +
			lines(finding.message, 2) +
			(finding.hint && (withHints || finding.severity === 'blocking') ? lines(finding.hint, 4) : 0),
		0,
	);
}

/** The plan's findings, `limit` of them; the rest are counted so nothing is silently hidden. Blocking ones always show their hint. */
export function FindingsList({
	findings,
	limit,
	moreHint,
	withHints = false,
}: {
	findings: Finding[];
	limit: number;
	moreHint?: string;
	withHints?: boolean;
}) {
	const sorted = sortFindings(findings);
	const shown = sorted.slice(0, Math.max(0, limit));
	const hidden = sorted.length - shown.length;
	return (
		<Box flexDirection="column">
			{shown.map((finding, index) => (
				<Box key={index} flexDirection="column">
					{/* The mark in its own column, so a long message wraps under its first word; the hint under the message. */}
					<MarkedLine
						mark={finding.severity === 'blocking' ? '✗' : '!'}
						color={finding.severity === 'blocking' ? 'red' : 'yellow'}
					>
						{finding.message}
					</MarkedLine>
					{finding.hint && (withHints || finding.severity === 'blocking') ? (
						<MarkedLine mark="→" color="gray" indent={2}>
							{finding.hint}
						</MarkedLine>
					) : null}
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
