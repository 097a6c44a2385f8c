import type {Catalog} from '../catalog/types.js';
import type {Finding, TablePlan} from './types.js';

/**
 * What a read-only look at both catalogs knows the sync cannot do: a target that cannot write at
 * all, tables a role cannot read, rows row-level security would hide from the source role, and a
 * lock footprint the server's shared lock table cannot hold.
 */
export function accessFindings(source: Catalog, target: Catalog, tables: TablePlan[]): Finding[] {
	const findings: Finding[] = [];
	if (target.readOnly) {
		findings.push({
			severity: 'blocking',
			code: 'target-read-only',
			message:
				target.readOnly === 'standby'
					? `The target database ${target.database} is on a standby (a read-only replica): no transaction there can write.`
					: `The target role ${target.role} starts every transaction read-only (default_transaction_read_only = on), so the sync cannot write.`,
			hint:
				target.readOnly === 'standby'
					? 'Connect to the primary server instead.'
					: `Use a role that may write, or on the target: ALTER ROLE ${target.role} SET default_transaction_read_only = off;`,
		});
	}
	for (const table of tables) {
		if (!table.source.privileges.select) {
			findings.push({
				table: table.id,
				severity: 'blocking',
				code: 'source-privilege',
				message: `The source role ${source.role} may not read ${table.id} (no SELECT).`,
				hint: `On the source: GRANT SELECT ON ${table.id} TO ${source.role};`,
			});
		} else if (table.source.rowSecurityActive) {
			findings.push({
				table: table.id,
				severity: 'blocking',
				code: 'source-row-security',
				message: `Row-level security may hide rows of ${table.id} from the source role ${source.role}: pgconvoy never syncs a partial table (hidden rows would look deleted).`,
				hint: `Read the source as the table's owner or a role with BYPASSRLS (ALTER ROLE ${source.role} BYPASSRLS, as a superuser).`,
			});
		}
		if (!table.target.privileges.select) {
			findings.push({
				table: table.id,
				severity: 'blocking',
				code: 'target-privilege',
				message: `The target role ${target.role} may not read ${table.id} (no SELECT), so its rows cannot be compared.`,
				hint: `On the target: GRANT SELECT ON ${table.id} TO ${target.role};`,
			});
		}
	}
	const footprint = tables.reduce((sum, table) => sum + (target.lockFootprint.get(table.id) ?? 1), 0);
	if (footprint > target.maxLocksPerTransaction) {
		findings.push({
			severity: 'warning',
			code: 'lock-footprint',
			message: `The sync locks about ${footprint} relations on the target (tables, partitions, indexes) in one transaction, more than max_locks_per_transaction (${target.maxLocksPerTransaction}): if the server's shared lock table runs out, it fails with "out of shared memory" and rolls back.`,
			hint: 'Sync fewer tables at a time, or raise max_locks_per_transaction on the target server (needs a restart).',
		});
	}
	return findings;
}
