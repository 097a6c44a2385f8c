import type pg from 'pg';
import type {Endpoint} from '../connection/endpoint.js';
import {openSession, closeSession} from '../connection/connect.js';
import {encodingSettings, setLocal} from '../connection/session-settings.js';

/**
 * A second session on the target that sees it as the write transaction found it once its tables
 * were locked: its snapshot, exported then (pg_export_snapshot) and imported here. Old rows read
 * through it are the rows before the run, even after the run's own triggers changed them (a
 * counter cache decremented by the children deleted first). The write transaction's own changes are
 * never visible here: they are uncommitted. Source: PostgreSQL docs, "Snapshot Synchronization Functions".
 */
export class SnapshotReader {
	private constructor(readonly client: pg.Client) {}

	/**
	 * The reader, or undefined when no second session is to be had within `waitMs` (a pooler whose
	 * pool the write transaction already fills): old rows are then read in the write transaction itself.
	 */
	static async tryOpen(
		endpoint: Endpoint,
		writer: pg.ClientBase,
		waitMs = 10_000,
	): Promise<SnapshotReader | undefined> {
		const opening = SnapshotReader.open(endpoint, writer);
		let timer: ReturnType<typeof setTimeout> | undefined;
		const gaveUp = new Promise<undefined>((resolve) => {
			timer = setTimeout(() => resolve(undefined), waitMs);
		});
		const reader = await Promise.race([opening.catch(() => undefined), gaveUp]);
		clearTimeout(timer);
		if (!reader)
			void opening.then(
				(late) => late.close(),
				() => {},
			);
		return reader;
	}

	/** Call in `writer`'s transaction after its locks and before its first write. */
	static async open(endpoint: Endpoint, writer: pg.ClientBase): Promise<SnapshotReader> {
		const snapshot = (await writer.query<{snapshot: string}>('SELECT pg_catalog.pg_export_snapshot() AS snapshot'))
			.rows[0]!.snapshot;
		const client = await openSession(endpoint, 'target');
		try {
			// The snapshot must be set before the transaction's first query.
			await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
			await client.query(`SET TRANSACTION SNAPSHOT '${snapshot.replaceAll("'", "''")}'`);
			await setLocal(client, {...encodingSettings, statement_timeout: '0', idle_in_transaction_session_timeout: '0'});
		} catch (error) {
			await closeSession(client);
			throw error;
		}
		return new SnapshotReader(client);
	}

	/** Ends the read; again is a no-op. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.client.query('ROLLBACK').catch(() => {});
		await closeSession(this.client);
	}

	private closed = false;
}
