import type pg from 'pg';
import type {TablePlan} from '../plan/types.js';
import {behindSql, sequenceUsers, writtenSequences} from '../sql/sequences.js';

/**
 * After explicit values were written, moves each sequence that feeds a written column up to the
 * largest value of every column in the database that uses it (a sequence can be shared, or feed a
 * DEFAULT without being OWNED BY the column), so the application's next nextval() does not collide.
 * Never moves one back. Reads the sequence with pg_sequence_last_value(), which USAGE allows
 * (`SELECT … FROM seq` needs SELECT); setval() needs UPDATE on it. Ascending sequences only.
 * Sources: PostgreSQL's sequence.c (pg_sequence_last_value, setval privilege checks).
 */
export async function advanceSequences(target: pg.ClientBase, plans: TablePlan[]): Promise<void> {
	const sequences = [...new Set(plans.flatMap((plan) => writtenSequences(plan).map((used) => used.sequence)))];
	for (const sequence of sequences) {
		const users = await sequenceUsers(target, sequence);
		if (users.length === 0) continue;
		await target.query(`SELECT pg_catalog.setval(s.seqrelid, m.value) FROM ${behindSql(sequence, users)}`);
	}
}
