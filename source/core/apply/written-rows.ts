import type {TablePlan} from '../plan/types.js';
import {UserError} from '../errors.js';

const rolledBack = 'Nothing was written: the transaction was rolled back and the target is as it was.';

/**
 * Every write statement must change exactly the rows the plan says. Fewer means the target hid
 * or refused rows silently: a row-level security policy (UPDATE and DELETE see only the rows its
 * USING clause allows, without an error) or a BEFORE trigger returning NULL. Committing then would
 * report rows as synced that were not, so the sync rolls back instead, naming the likely cause.
 * Source: PostgreSQL docs, "Row Security Policies" and "Overview of Trigger Behavior".
 */
export function expectWritten(
	plan: TablePlan,
	action: 'insert' | 'update' | 'delete',
	planned: number,
	written: number,
): void {
	if (written === planned) return;
	const causes: string[] = [];
	if (plan.target.rowSecurity) causes.push('row-level security policies on it hide rows from the target role');
	if (plan.target.triggers.length > 0)
		causes.push(`a BEFORE trigger (${plan.target.triggers.join(', ')}) returned NULL for some rows`);
	const cause = causes.length > 0 ? ` Likely: ${causes.join(', or ')}.` : '';
	throw new UserError(
		'apply-failed',
		`The target ${action === 'insert' ? 'inserted' : action === 'update' ? 'updated' : 'deleted'} ${written} of the ${planned} rows planned to ${action} in ${plan.id}.${cause} ${rolledBack}`,
		plan.target.rowSecurity
			? 'Sync as a role that row-level security does not restrict on the target (the table owner without FORCE ROW LEVEL SECURITY, or a role with BYPASSRLS), or adjust the policies.'
			: 'Check the triggers on the target table: a BEFORE trigger that returns NULL silently skips the row.',
	);
}
