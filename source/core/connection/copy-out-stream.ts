import {Readable} from 'node:stream';
import type pg from 'pg';

import {
	copyData,
	copyDone,
	isSkippedDuringCopy,
	takeOverFromPg,
	type DataHandler,
	type PgConnection as Connection,
} from './copy-protocol.js';

const empty = Buffer.alloc(0);
const rowsPerReport = 16_384;

/**
 * `COPY ... TO STDOUT` as a Readable of the raw COPY bytes (any format), for piping into a COPY FROM.
 * The same contract as pg-copy-streams' `to()`, but it strips the protocol framing with one copy per
 * socket chunk instead of several allocations per row: a million rows cost milliseconds, not a
 * second. It hands the connection back to pg at CopyDone or an ErrorResponse. Destroyed early (the
 * target failed), it reads and drops the rest so the connection is free for ROLLBACK.
 */
export class CopyOutStream extends Readable implements pg.Submittable {
	rowCount = 0;
	/** Settles when the server has finished the COPY (ReadyForQuery), with the number of rows it sent. */
	readonly done: Promise<number>;
	private settle!: {resolve: (rows: number) => void; reject: (error: Error) => void};
	private connection: Connection | undefined;
	private pgDataHandler: DataHandler | undefined;
	private attached = false;
	private carry: Buffer = empty;
	private wanted = false;
	private discarding = false;
	private readonly onReadable = () => this.forward();

	/** CopyData messages received: one per row (plus the header message of a binary COPY). */
	private messages = 0;
	private nextReport = rowsPerReport;

	/** `onRows` is told the rows received so far, every `rowsPerReport` rows. */
	constructor(
		readonly text: string,
		private readonly onRows?: (rows: number) => void,
	) {
		super({highWaterMark: 256 * 1024});
		this.done = new Promise((resolve, reject) => (this.settle = {resolve, reject}));
		// Awaited only by callers that need the count; an error also reaches the stream's consumer.
		this.done.catch(() => {});
	}

	submit(connection: unknown): void {
		const con = connection as Connection;
		this.connection = con;
		this.pgDataHandler = takeOverFromPg(con);
		con.stream.pause();
		con.stream.on('readable', this.onReadable);
		this.attached = true;
		con.query(this.text);
	}

	override _read(): void {
		this.wanted = true;
		this.forward();
	}

	override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
		this.discarding = true;
		this.forward();
		callback(error);
	}

	handleError(error: Error): void {
		this.settle.reject(error);
		if (this.attached) this.detach(empty);
		this.destroy(error);
	}

	handleCommandComplete(message: {text?: string}): void {
		const match = /COPY (\d+)/.exec(message?.text ?? '');
		if (match) this.rowCount = Number(match[1]);
	}

	handleReadyForQuery(): void {
		this.settle.resolve(this.rowCount);
	}

	/** Reads socket chunks while the consumer wants data (or while discarding). */
	private forward(): void {
		while (this.attached && (this.wanted || this.discarding)) {
			const chunk = this.connection!.stream.read();
			if (chunk === null) return;
			this.parse(chunk);
		}
	}

	private parse(chunk: Buffer): void {
		const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
		this.carry = empty;
		// Payloads are never longer than the bytes that carried them.
		const out = this.discarding ? empty : Buffer.allocUnsafe(data.length);
		let outLength = 0;
		let position = 0;
		let finished = false;
		while (data.length - position >= 5) {
			const code = data[position]!;
			const end = position + 1 + data.readUInt32BE(position + 1);
			if (code !== copyData && !isSkippedDuringCopy(code)) {
				// CopyDone: what follows (CommandComplete, ReadyForQuery) is pg's. ErrorResponse: pg reports it.
				if (code === copyDone) {
					finished = true;
					position = end;
				}
				this.detach(data.subarray(position));
				position = data.length;
				break;
			}
			if (end > data.length) break;
			if (code === copyData && !this.discarding) {
				data.copy(out, outLength, position + 5, end);
				outLength += end - position - 5;
				this.messages++;
			}
			position = end;
		}
		if (position < data.length) this.carry = Buffer.from(data.subarray(position));
		if (this.onRows && this.messages >= this.nextReport) {
			this.onRows(this.messages);
			this.nextReport = this.messages + rowsPerReport;
		}
		if (outLength > 0) this.wanted = this.push(out.subarray(0, outLength));
		if (finished && !this.discarding) this.push(null);
	}

	private detach(rest: Buffer): void {
		if (!this.attached) return;
		this.attached = false;
		const stream = this.connection!.stream;
		stream.removeListener('readable', this.onReadable);
		stream.on('data', this.pgDataHandler!);
		if (rest.length > 0) this.pgDataHandler!(rest);
		process.nextTick(() => stream.resume());
	}
}
