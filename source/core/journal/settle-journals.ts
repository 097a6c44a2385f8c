import type pg from 'pg';
import {listJournals, moveJournal, removeJournal} from './journal-store.js';

export interface SettledJournals {
	/** Runs whose transaction committed after all: their journals became undoable. */
	committed: string[];
	/** Runs whose transaction rolled back: nothing happened, their journals were removed. */
	discarded: string[];
	/** Still unknown (in progress, or too old for txid_status): left pending. */
	pending: string[];
}

/**
 * Settles journals a killed or cut-off run left pending, for the target database `client` is
 * connected to (`identity`, see databaseIdentity): txid_status() of each one's transaction says
 * committed (undoable), aborted (removed) or in progress (left as it is). Only this target's journals
 * are touched. Source: PostgreSQL docs, txid_status ("Transaction ID and Snapshot Information").
 */
export async function settlePendingJournals(
	directory: string,
	client: pg.ClientBase,
	identity: string,
): Promise<SettledJournals> {
	const settled: SettledJournals = {committed: [], discarded: [], pending: []};
	for (const entry of listJournals(directory)) {
		if (entry.state !== 'pending' || entry.run.targetIdentity !== identity) continue;
		// NULL for an xid too old to tell (beyond the commit log's horizon), and for one this server has not
		// reached yet (the database was restored from a backup taken before the run): txid_status would
		// raise "is in the future", and one such journal would then fail every command against the target.
		const status = (
			await client.query<{status: string | null}>(
				'SELECT CASE WHEN $1::bigint < pg_catalog.txid_snapshot_xmax(pg_catalog.txid_current_snapshot()) THEN pg_catalog.txid_status($1::bigint) END AS status',
				[entry.run.transactionId],
			)
		).rows[0]!.status;
		if (status === 'committed') {
			moveJournal(entry, directory, 'committed');
			settled.committed.push(entry.run.id);
		} else if (status === 'aborted') {
			removeJournal(entry.file, directory);
			settled.discarded.push(entry.run.id);
		} else settled.pending.push(entry.run.id);
	}
	return settled;
}
