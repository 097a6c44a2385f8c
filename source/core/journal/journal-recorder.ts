import type pg from 'pg';
import {createHash, randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {
	closeSync,
	createReadStream,
	createWriteStream,
	fsyncSync,
	openSync,
	rmSync,
	writeSync,
	type WriteStream,
} from 'node:fs';
import {createGzip, constants as zlib, type Gzip} from 'node:zlib';
import {CopyOutStream} from '../connection/copy-out-stream.js';
import {encodeFrame, journalMagic, type JournalRun, type JournalSection, type JournalTable} from './journal-format.js';
import {
	bodyFile,
	journalDirectory,
	journalFile,
	moveJournal,
	pruneJournals,
	removeJournal,
	syncDirectory,
} from './journal-store.js';
import {columnList, readTableShape, rowFingerprintSql, scanOf, type TableShape} from './table-shape.js';
import {WrittenKeys} from './written-keys.js';

/** Where and how a run keeps its journal. */
export interface JournalOptions {
	/** pgconvoy's config directory; journals go into its `journal/` (0700). */
	configDirectory: string;
	/** Committed journals kept per target database (older ones are removed after each commit). */
	retention: number;
	/** How the run is described in `pgconvoy history` (redacted endpoints, never a password). */
	labels: {source?: string; target: string; targetProfile?: string};
}

/** The run's identity in its journal, known when the write transaction starts. */
export interface RunStart {
	kind: JournalRun['kind'];
	mode: JournalRun['mode'];
	undoes?: string;
	targetIdentity: string;
	transactionId: string;
}

/**
 * Records, inside a write transaction and before COMMIT, what the transaction changes: old rows of
 * what it updates and deletes, keys and fingerprints of what it inserts and updates. Rows stream from
 * the target as binary COPY straight into a gzip body file; nothing is held in memory.
 * Lifecycle: capture… → seal() (the file is complete, fsynced, marked pending) → committed() or discard().
 */
export class JournalRecorder {
	readonly id: string;
	private readonly directory: string;
	private readonly bodyFile: string;
	private readonly body: WriteStream;
	private readonly gzip: Gzip;
	private readonly tables = new Map<string, JournalTable>();
	private readonly shapes = new Map<string, TableShape>();
	private readonly digest = createHash('sha256');
	private readonly startedAt = new Date();
	private pendingFile: string | undefined;
	private readonly written = new Map<string, WrittenKeys>();
	private readonly deferred: Array<{section: JournalSection; query: string}> = [];
	private closed = false;

	private constructor(
		readonly options: JournalOptions,
		private readonly start: RunStart,
	) {
		this.directory = journalDirectory(options.configDirectory);
		this.id = runId(this.startedAt);
		this.bodyFile = bodyFile(this.directory, this.id);
		this.body = createWriteStream(this.bodyFile, {mode: 0o600});
		// Level 1: the journal is written inside the sync's transaction, so speed beats the last few percent of size.
		this.gzip = createGzip({level: 1, strategy: zlib.Z_DEFAULT_STRATEGY});
		this.gzip.pipe(this.body);
		this.body.on('error', () => {});
		this.gzip.on('error', () => {});
	}

	static open(options: JournalOptions, start: RunStart): JournalRecorder {
		return new JournalRecorder(options, start);
	}

	/** The row fingerprint of this journal, for rows of `shape` read as `alias` (see rowFingerprintSql). */
	fingerprintSql(shape: Pick<TableShape, 'columns'>, alias: string): string {
		return rowFingerprintSql(shape, alias);
	}

	/**
	 * The table's shape (read once per run), entered in this journal. `key`: the key the sync matched
	 * rows on (a --key may name columns no unique index covers), else the table's own.
	 */
	async table(
		client: pg.ClientBase,
		id: string,
		relation: string,
		options: {cascaded?: boolean; key?: {columns: string[]; equality: string[]}} = {},
	): Promise<TableShape> {
		const cascaded = options.cascaded ?? false;
		let shape = this.shapes.get(relation);
		if (!shape) {
			shape = await readTableShape(client, id, relation);
			if (options.key) shape = {...shape, key: options.key.columns, keyEquality: options.key.equality};
			this.shapes.set(relation, shape);
		}
		if (!this.tables.has(shape.id)) {
			this.tables.set(shape.id, {
				id: shape.id,
				relation: shape.relation,
				partitioned: shape.partitioned,
				cascaded,
				columns: shape.columns,
				key: shape.key,
				keyEquality: shape.keyEquality,
				identityAlways: shape.identityAlways,
				inserted: 0,
				updated: 0,
				deleted: 0,
			});
		}
		return shape;
	}

	/**
	 * Streams `COPY (query) TO STDOUT (FORMAT binary)` into a section; returns the rows it held.
	 * `query` may be a SELECT, or an INSERT, UPDATE or DELETE … RETURNING (the write and its journal in
	 * one statement, under the role's own settings, as triggers expect).
	 */
	async capture(client: pg.ClientBase, section: JournalSection, query: string): Promise<number> {
		this.write(encodeFrame('S', Buffer.from(JSON.stringify(section))));
		const stream = client.query(new CopyOutStream(`COPY (${query}) TO STDOUT (FORMAT binary)`));
		const fingerprints = section.kind === 'inserted' || section.kind === 'updated';
		for await (const chunk of stream as AsyncIterable<Buffer>) {
			if (fingerprints) this.digest.update(chunk);
			if (!this.write(encodeFrame('D', chunk))) await once(this.gzip, 'drain');
		}
		this.write(encodeFrame('E'));
		const rows = await stream.done;
		const table = this.tables.get(section.table);
		if (table) {
			if (section.kind === 'inserted') table.inserted += rows;
			else if (section.kind === 'updated') table.updated += rows;
			else if (section.kind === 'before-delete') table.deleted += rows;
		}
		return rows;
	}

	/**
	 * Keeps the keys of what one INSERT or UPDATE kind writes into `shape`'s table (one TEMP table per
	 * table and kind); their fingerprints go into the journal at finish().
	 */
	async writtenKeys(client: pg.ClientBase, shape: TableShape, kind: 'inserted' | 'updated'): Promise<WrittenKeys> {
		const id = `${shape.id}\u0000${kind}`;
		let keys = this.written.get(id);
		if (!keys) {
			keys = await WrittenKeys.create(client, shape, kind, `pgconvoy_written_${this.written.size}`);
			this.written.set(id, keys);
		}
		return keys;
	}

	/** A capture to run at finish(), once every write of the transaction is done. */
	defer(section: JournalSection, query: string): void {
		this.deferred.push({section, query});
	}

	/**
	 * After the last write, before seal(): the fingerprints of every row written, read now, so what
	 * the journal says the run left is what COMMIT keeps, whatever triggers did after each write.
	 */
	async finish(client: pg.ClientBase): Promise<void> {
		for (const keys of this.written.values()) {
			await client.query(`ANALYZE ${keys.table}`);
			await this.capture(
				client,
				{table: keys.shape.id, kind: keys.kind},
				`SELECT ${columnList(keys.shape.key, 't')}, ${rowFingerprintSql(keys.shape, 't')} FROM ${scanOf(keys.shape)} AS t WHERE ${keys.rows('t')}`,
			);
		}
		for (const {section, query} of this.deferred) await this.capture(client, section, query);
		this.deferred.length = 0;
	}

	/** Tables whose rows this journal holds, with their counts. */
	tableCounts(): JournalTable[] {
		return [...this.tables.values()];
	}

	/**
	 * Completes the file before COMMIT: its run line, then the compressed body; fsynced, and named
	 * `<id>.pending` until the outcome is known. Returns the file.
	 */
	async seal(): Promise<string> {
		this.gzip.end();
		await once(this.body, 'close');
		const run: JournalRun = {
			id: this.id,
			startedAt: this.startedAt.toISOString(),
			kind: this.start.kind,
			mode: this.start.mode,
			...(this.start.undoes ? {undoes: this.start.undoes} : {}),
			...(this.options.labels.source ? {source: this.options.labels.source} : {}),
			target: this.options.labels.target,
			...(this.options.labels.targetProfile ? {targetProfile: this.options.labels.targetProfile} : {}),
			targetIdentity: this.start.targetIdentity,
			transactionId: this.start.transactionId,
			tables: this.tableCounts().filter((table) => table.inserted + table.updated + table.deleted > 0),
			rowsDigest: this.digest.digest('hex'),
			fingerprint: 'send-hash',
		};
		const file = journalFile(this.directory, this.id, 'pending');
		await writeJournal(file, run, this.bodyFile);
		rmSync(this.bodyFile, {force: true});
		syncDirectory(this.directory);
		this.pendingFile = file;
		this.closed = true;
		return file;
	}

	/** The transaction committed: the journal becomes undoable; older ones beyond the retention go. */
	committed(): string {
		const file = moveJournal({file: this.pendingFile!, run: {id: this.id} as JournalRun}, this.directory, 'committed');
		pruneJournals(this.directory, this.start.targetIdentity, this.options.retention);
		return file;
	}

	/** The transaction rolled back (or never started): nothing it journaled happened. */
	discard(): void {
		if (!this.closed) {
			this.gzip.destroy();
			this.body.destroy();
		}
		rmSync(this.bodyFile, {force: true});
		if (this.pendingFile) removeJournal(this.pendingFile, this.directory);
	}

	private write(frame: Buffer): boolean {
		return this.gzip.write(frame);
	}
}

/** The run line, then the body's bytes, fsynced: the file is complete once this returns. */
async function writeJournal(file: string, run: JournalRun, bodyFile: string): Promise<void> {
	const descriptor = openSync(file, 'wx', 0o600);
	try {
		writeSync(descriptor, `${journalMagic}${JSON.stringify(run)}\n`);
		for await (const chunk of createReadStream(bodyFile) as AsyncIterable<Buffer>) writeSync(descriptor, chunk);
		fsyncSync(descriptor);
	} finally {
		closeSync(descriptor);
	}
}

/** Time-ordered (to the millisecond) and unique on one machine: `20261130-161502.123-3f9a`. */
function runId(at: Date): string {
	const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('Z', '');
	return `${stamp}-${randomBytes(2).toString('hex')}`;
}
