import type pg from 'pg';
import type {Finding, TablePlan} from '../plan/types.js';
import {quoteIdent, quoteLiteral} from '../catalog/names.js';
import {tableOnly} from '../sql/value-forms.js';
import {behindSql, sequenceUsers, writtenSequences} from '../sql/sequences.js';

/**
 * For the preview: the sequences this sync would have to setval() but the target role may not
 * (USAGE without UPDATE), as blocking findings naming the GRANT. A sequence needs moving when the
 * largest value written (the source column's maximum) or already there reaches its next value.
 */
export async function sequencePrivilegeFindings(
	source: pg.ClientBase,
	target: pg.ClientBase,
	plan: TablePlan,
	targetRole: string,
): Promise<Finding[]> {
	const findings: Finding[] = [];
	for (const used of writtenSequences(plan).filter((sequence) => !sequence.canUpdate)) {
		const sourceMax = (
			await source.query<{value: string | null}>(
				`SELECT max(${quoteIdent(used.column)})::text AS value FROM ${tableOnly(plan, 'source')}`,
			)
		).rows[0]!.value;
		const users = await sequenceUsers(target, used.sequence);
		const behind = await target.query(
			`SELECT 1 FROM ${behindSql(used.sequence, users, sourceMax === null ? 'NULL' : quoteLiteral(sourceMax))}`,
		);
		if (behind.rowCount === 0) continue;
		findings.push({
			table: plan.id,
			severity: 'blocking',
			code: 'sequence-privilege',
			message: `After writing ${plan.id}.${used.column}, its sequence ${used.sequence} must move past the written values, but the target role ${targetRole} may only use it (USAGE), not set it (UPDATE): the application's next insert would collide.`,
			hint: `On the target, as the sequence's owner: GRANT UPDATE ON SEQUENCE ${used.sequence} TO ${quoteIdent(targetRole)};`,
		});
	}
	return findings;
}
