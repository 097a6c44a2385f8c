/**
 * The few PostgreSQL wire-protocol facts our COPY TO readers need. They read COPY results straight
 * off pg's socket (see diff/copy-out-rows.ts, apply/copy-out-stream.ts) and hand it back to pg when
 * the COPY ends, the way pg-copy-streams does, without its per-row allocations.
 */

/** What pg hands a Submittable: the socket it reads and a way to send a simple query. */
export interface PgConnection {
	stream: Omit<NodeJS.ReadableStream, 'read'> & {read(): Buffer | null};
	query(text: string): void;
}

export type DataHandler = (chunk: Buffer) => void;

export const copyData = 0x64; // 'd'
export const copyDone = 0x63; // 'c'
export const errorResponse = 0x45; // 'E'

const copyOutResponse = 0x48; // 'H'
const noticeResponse = 0x4e; // 'N'
const parameterStatus = 0x53; // 'S'
const notificationResponse = 0x41; // 'A'

/** Messages the server may send around or between CopyData that a COPY reader just skips. */
export function isSkippedDuringCopy(code: number): boolean {
	return (
		code === copyOutResponse || code === noticeResponse || code === parameterStatus || code === notificationResponse
	);
}

/** Takes the socket's bytes away from pg (its one 'data' listener); give them back with the returned handler. */
export function takeOverFromPg(connection: PgConnection): DataHandler {
	const listeners = connection.stream.listeners('data') as DataHandler[];
	if (listeners.length !== 1)
		throw new Error(`Expected one data listener on the pg connection, found ${listeners.length}.`);
	const pgDataHandler = listeners[0]!;
	connection.stream.removeListener('data', pgDataHandler);
	return pgDataHandler;
}
