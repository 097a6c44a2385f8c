import type {SyncMode} from '../plan/types.js';
import type {JournalColumn} from './table-shape.js';

/**
 * A journal file: one line `pgconvoy-journal 1 <JournalRun as JSON>\n` (readable with `head -1`),
 * then a gzip stream of sections. A section is a frame `S` (its JournalSection as JSON), frames `D`
 * of binary COPY data (PostgreSQL's own format: exact for every type, and what COPY FROM reads back),
 * and a frame `E`. A frame is one type byte and, for S and D, a big-endian uint32 length and the bytes.
 */
export const journalMagic = 'pgconvoy-journal 1 ';

/** What the run changed in one table: rows counted, and how to write them back. */
export interface JournalTable {
	id: string;
	relation: string;
	partitioned: boolean;
	/** Reached through ON DELETE CASCADE / SET NULL from a selected table, not selected itself. */
	cascaded: boolean;
	columns: JournalColumn[];
	key: string[];
	keyEquality: string[];
	identityAlways: string[];
	inserted: number;
	updated: number;
	deleted: number;
}

export interface JournalRun {
	/** `20261130-161502-3f9a`: time-ordered, unique on this machine. */
	id: string;
	/** ISO 8601, when the apply began writing. */
	startedAt: string;
	kind: 'sync' | 'undo';
	/** The sync's mode, or `undo`. */
	mode: SyncMode | 'undo';
	/** For an undo: the run it took back. */
	undoes?: string;
	/** `user@host:port/database`, never a password. */
	source?: string;
	target: string;
	/** The profile the target was reached through, if any: a hint for the next `--to`. */
	targetProfile?: string;
	/** The target database: `<system identifier>/<database>` (pg_control_system), else `<host>:<port>/<database>`. */
	targetIdentity: string;
	/** The write transaction's id (txid_current), what a pending journal is settled by. */
	transactionId: string;
	tables: JournalTable[];
	/** sha256 over the fingerprints of every row written (inserted or updated), in capture order. */
	rowsDigest: string;
	/** How the fingerprints were computed (see rowFingerprintSql); the undo compares with the same. */
	fingerprint: 'send-hash';
}

/**
 * Kinds of section:
 * - `before-update`: whole rows as the target had them before the run updated them (ON DELETE SET NULL too);
 * - `before-delete`: whole rows the run deleted (cascaded deletes too);
 * - `inserted` / `updated`: key columns and the row's fingerprint after the run wrote it (see rowFingerprintSql);
 *   NULL for rows a bulk load into an empty table wrote, which the undo checks by xmin instead.
 */
export type SectionKind = 'before-update' | 'before-delete' | 'inserted' | 'updated';

export interface JournalSection {
	table: string;
	kind: SectionKind;
}

export type JournalState = 'pending' | 'committed';

/** A journal as listed: its run, where it is, and whether its transaction is known to have committed. */
export interface JournalEntry {
	run: JournalRun;
	state: JournalState;
	file: string;
	bytes: number;
}

export function encodeFrame(type: 'S' | 'D' | 'E', payload?: Buffer): Buffer {
	if (type === 'E') return Buffer.from('E');
	const frame = Buffer.allocUnsafe(5 + payload!.length);
	frame.write(type, 0, 'latin1');
	frame.writeUInt32BE(payload!.length, 1);
	payload!.copy(frame, 5);
	return frame;
}

export type Frame = {type: 'S'; section: JournalSection} | {type: 'D'; data: Buffer} | {type: 'E'};

/** Splits a decompressed journal body into frames, chunk by chunk. */
export async function* readFrames(body: AsyncIterable<Buffer>): AsyncGenerator<Frame> {
	let pending: Buffer = Buffer.alloc(0);
	for await (const chunk of body) {
		pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
		let offset = 0;
		while (offset < pending.length) {
			const type = String.fromCharCode(pending[offset]!);
			if (type === 'E') {
				offset += 1;
				yield {type: 'E'};
				continue;
			}
			if (type !== 'S' && type !== 'D') throw new Error(`journal body is damaged (frame type ${JSON.stringify(type)})`);
			if (pending.length - offset < 5) break;
			const length = pending.readUInt32BE(offset + 1);
			if (pending.length - offset < 5 + length) break;
			const payload = pending.subarray(offset + 5, offset + 5 + length);
			offset += 5 + length;
			yield type === 'S'
				? {type: 'S', section: JSON.parse(payload.toString('utf8')) as JournalSection}
				: {type: 'D', data: Buffer.from(payload)};
		}
		pending = pending.subarray(offset);
	}
	if (pending.length > 0) throw new Error('journal body ends in the middle of a frame');
}
