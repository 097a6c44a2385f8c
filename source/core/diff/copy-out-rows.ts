import type pg from 'pg';
import {
	copyData,
	copyDone,
	errorResponse,
	isSkippedDuringCopy,
	takeOverFromPg,
	type DataHandler,
	type PgConnection as Connection,
} from '../connection/copy-protocol.js';

const signature = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const empty = Buffer.alloc(0);
/** How far one side may run ahead of the merge: enough to ride out the other side's hiccups. */
const readAheadBytes = 4 * 1024 * 1024;

/**
 * Reads `COPY (...) TO STDOUT (FORMAT binary)` straight off a pg connection and exposes one row at a
 * time in place: `buffer` plus the start and length of each field. Reading a row allocates nothing,
 * which is what lets the diff merge millions of `key, hash` rows per second. It frames the protocol
 * itself (like pg-copy-streams, which it replaces on this path) and hands the connection back to pg at
 * CopyDone or at an ErrorResponse, so errors and the following queries work as usual.
 *
 * Usage: `client.query(rows)`, then `rows.next()` while it returns true; when it returns false and
 * `finished` is not set, `await rows.fill()` and try again. A row's offsets are valid until the next
 * `next()` or `fill()`.
 */
export class CopyOutRows implements pg.Submittable {
	/** Received bytes not consumed yet; the current row's fields point into it. */
	buffer: Buffer = empty;
	/** Start of each field of the current row in `buffer`. */
	readonly fieldStart: Int32Array;
	/** Byte length of each field of the current row, -1 for NULL. */
	readonly fieldLength: Int32Array;
	/** The whole result was read (the server sent CopyDone). */
	finished = false;
	rowCount = 0;

	private position = 0;
	/** Chunks read off the socket ahead of the consumer, so each server keeps streaming while Node waits on the other. */
	private pending: Buffer[] = [];
	private pendingBytes = 0;
	private headerRead = false;
	private failure: Error | undefined;
	private waiter: {resolve: () => void; reject: (error: Error) => void} | undefined;
	private connection: Connection | undefined;
	private pgDataHandler: DataHandler | undefined;
	private attached = false;
	private discarding = false;
	private paused = false;
	private readonly onData = (chunk: Buffer) => this.received(chunk);

	constructor(
		readonly text: string,
		readonly fieldCount: number,
	) {
		this.fieldStart = new Int32Array(fieldCount);
		this.fieldLength = new Int32Array(fieldCount);
	}

	submit(connection: unknown): void {
		const con = connection as Connection;
		this.connection = con;
		this.pgDataHandler = takeOverFromPg(con);
		// 'data' events hand over each socket chunk as received (read() would concatenate them).
		con.stream.on('data', this.onData);
		this.attached = true;
		con.query(this.text);
	}

	/** Moves to the next row if it is fully received. False: wait with fill(), unless `finished`. */
	next(): boolean {
		const buffer = this.buffer;
		let position = this.position;
		while (this.attached && buffer.length - position >= 5) {
			const code = buffer[position]!;
			const end = position + 1 + buffer.readUInt32BE(position + 1);
			if (end > buffer.length) break;
			if (code === copyData) {
				let at = position + 5;
				if (!this.headerRead) at = this.readHeader(buffer, at, end);
				if (at === end) {
					position = end;
					continue;
				}
				const fields = buffer.readInt16BE(at);
				at += 2;
				if (fields === -1) {
					// The binary trailer; CopyDone follows.
					position = end;
					continue;
				}
				if (fields !== this.fieldCount)
					throw this.protocolError(`COPY row has ${fields} fields, expected ${this.fieldCount}.`);
				const starts = this.fieldStart;
				const lengths = this.fieldLength;
				for (let field = 0; field < fields; field++) {
					const length = buffer.readInt32BE(at);
					at += 4;
					starts[field] = at;
					lengths[field] = length;
					if (length > 0) at += length;
				}
				// The server sends one CopyData message per row; anything else would be misread, so refuse it.
				if (at !== end) throw this.protocolError('A COPY data message did not hold exactly one row.');
				this.position = end;
				this.rowCount++;
				return true;
			}
			if (code === copyDone) {
				this.position = end;
				this.finished = true;
				this.detach();
				return false;
			}
			if (isSkippedDuringCopy(code)) {
				position = end;
				continue;
			}
			// ErrorResponse (or anything unexpected): pg parses it and calls handleError.
			this.position = position;
			this.detach();
			if (code !== errorResponse && !this.failure)
				this.fail(new Error(`Unexpected message ${String.fromCharCode(code)} during COPY.`));
			return false;
		}
		this.position = position;
		return false;
	}

	/** Resolves once more bytes arrived (or the result ended); rejects with the query's error. */
	fill(): Promise<void> {
		if (this.failure) return Promise.reject(this.failure);
		if (this.finished || this.takeAvailable()) return Promise.resolve();
		if (this.connection && !this.attached) return Promise.reject(new Error('The COPY result ended unexpectedly.'));
		return new Promise((resolve, reject) => {
			this.waiter = {resolve, reject};
		});
	}

	/**
	 * Stops caring about the rows: reads and drops the rest of the result so the connection is free
	 * for the next statement (ROLLBACK), instead of leaving it stuck mid-COPY.
	 */
	abandon(): void {
		this.waiter = undefined;
		this.discarding = true;
		this.discard();
	}

	handleError(error: Error): void {
		this.fail(error);
		if (this.attached) this.detach();
	}

	handleCommandComplete(): void {}

	handleReadyForQuery(): void {}

	private fail(error: Error): void {
		this.failure ??= error;
		const waiter = this.waiter;
		this.waiter = undefined;
		waiter?.reject(this.failure);
	}

	private readHeader(buffer: Buffer, at: number, end: number): number {
		if (end - at < 19 || buffer.compare(signature, 0, signature.length, at, at + signature.length) !== 0)
			throw this.protocolError('Not a binary COPY stream.');
		this.headerRead = true;
		return at + 19 + buffer.readUInt32BE(at + 15);
	}

	/** A socket chunk: queued ahead of the consumer up to readAheadBytes, then the socket pauses. */
	private received(chunk: Buffer): void {
		this.pending.push(chunk);
		this.pendingBytes += chunk.length;
		if (this.pendingBytes >= readAheadBytes && !this.paused) {
			this.paused = true;
			this.connection!.stream.pause();
		}
		if (this.discarding) return this.discard();
		if (!this.waiter || !this.takeAvailable()) return;
		const waiter = this.waiter;
		this.waiter = undefined;
		waiter.resolve();
	}

	private discard(): void {
		try {
			do {
				while (this.next());
			} while (this.attached && this.takeAvailable());
		} catch {
			// protocolError() already failed the reader and closed the connection.
		}
	}

	/** Bytes we cannot read: nothing after them can be trusted, so the connection is closed (pg then fails its query). */
	private protocolError(message: string): Error {
		const error = new Error(message);
		this.fail(error);
		this.attached = false;
		this.connection!.stream.removeListener('data', this.onData);
		(this.connection!.stream as unknown as {destroy(error?: Error): void}).destroy(error);
		return error;
	}

	/**
	 * Moves on to the next queued chunk; false when none is queued. A message cut by the chunk
	 * boundary is joined in a small buffer of its own, so no chunk is ever copied whole.
	 */
	private takeAvailable(): boolean {
		if (!this.attached || this.pending.length === 0) return false;
		const chunk = this.pending.shift()!;
		this.pendingBytes -= chunk.length;
		if (this.paused && this.pendingBytes < readAheadBytes / 2) {
			this.paused = false;
			this.connection!.stream.resume();
		}
		const restLength = this.buffer.length - this.position;
		if (restLength === 0) {
			this.buffer = chunk;
		} else {
			const rest = this.buffer.subarray(this.position);
			const total = restLength >= 5 ? 1 + rest.readUInt32BE(1) : 0;
			const needed = total - restLength;
			if (total > 0 && needed <= chunk.length) {
				const bridge = Buffer.allocUnsafe(total);
				rest.copy(bridge, 0);
				chunk.copy(bridge, restLength, 0, needed);
				this.buffer = bridge;
				if (needed < chunk.length) {
					this.pending.unshift(chunk.subarray(needed));
					this.pendingBytes += chunk.length - needed;
				}
			} else {
				// The header itself is cut, or the message is longer than this chunk: join them.
				this.buffer = Buffer.concat([rest, chunk]);
			}
		}
		this.position = 0;
		return true;
	}

	/** Gives the connection back to pg, with the bytes after our last message (CommandComplete, ReadyForQuery, or the error). */
	private detach(): void {
		if (!this.attached) return;
		this.attached = false;
		const stream = this.connection!.stream;
		const rest =
			this.pending.length > 0
				? Buffer.concat([this.buffer.subarray(this.position), ...this.pending])
				: this.buffer.subarray(this.position);
		this.pending = [];
		this.pendingBytes = 0;
		this.buffer = empty;
		this.position = 0;
		stream.removeListener('data', this.onData);
		stream.on('data', this.pgDataHandler!);
		if (rest.length > 0) this.pgDataHandler!(rest);
		if (this.paused) {
			this.paused = false;
			stream.resume();
		}
		if (this.finished) {
			const waiter = this.waiter;
			this.waiter = undefined;
			waiter?.resolve();
		}
	}
}

/** The next row of `rows`, waiting for data as needed: false at the end of the result. */
export async function refill(rows: CopyOutRows): Promise<boolean> {
	for (;;) {
		if (rows.finished) return false;
		await rows.fill();
		if (rows.next()) return true;
	}
}
