/**
 * A loopback TCP proxy in front of a PostgreSQL server that can lose, delay or black-hole one COMMIT
 * or its reply: what a flaky network does to the one message whose outcome matters. It reads the
 * frontend protocol just enough to find the simple Query message whose text is COMMIT (node-postgres
 * sends it so); everything else passes untouched. close() ends every socket, held or not.
 */
import net from 'node:net';
import type {Endpoint} from '../../source/core/connection/endpoint.js';

export type CommitFault =
	/** COMMIT reaches the server; the client's connection is dropped before the reply reaches it. */
	| {kind: 'drop-reply'}
	/** The connection is dropped instead of forwarding COMMIT: the server sees the client leave. */
	| {kind: 'drop-commit'}
	/**
	 * COMMIT is held until `release()` settles, then forwarded; the connection stays up meanwhile.
	 * `outliveClient`: a client gone meanwhile (killed) does not take the held COMMIT with it: it still
	 * reaches the server on release, as a message already on the wire would; its reply goes nowhere.
	 */
	| {kind: 'delay-commit'; release: () => Promise<unknown>; outliveClient?: boolean}
	/**
	 * Nothing more moves either way after COMMIT (forwarded first, or not), sockets left open: a network
	 * gone silent. `refuseNewConnections`: the host is unreachable from then on, too.
	 */
	| {kind: 'silence'; forwardCommit: boolean; refuseNewConnections?: boolean};

export interface FaultProxy {
	host: string;
	port: number;
	/** The upstream database's endpoint, reached through the proxy. */
	endpoint(upstream: Endpoint): Endpoint;
	url(upstream: Endpoint & {password?: string}): string;
	/** Applies `fault` to the next COMMIT; resolves when it has caught one. */
	arm(fault: CommitFault): Promise<void>;
	/** Resolves when the next client connects. */
	nextConnection(): Promise<void>;
	/**
	 * Nothing more moves either way on the connections open now, sockets left open (a network gone
	 * silent mid-statement); connections opened later pass as usual.
	 */
	silenceOpenConnections(): void;
	close(): Promise<void>;
}

const sslRequest = 80877103;
const gssEncRequest = 80877104;

export async function startFaultProxy(upstream: {host: string; port: number}): Promise<FaultProxy> {
	const sockets = new Set<net.Socket>();
	let armed: {fault: CommitFault; caught: () => void} | undefined;
	let refusing = false;
	let connectionWaiters: (() => void)[] = [];
	const silencers = new Set<() => void>();

	const track = (socket: net.Socket) => {
		sockets.add(socket);
		socket.on('error', () => {});
		socket.on('close', () => sockets.delete(socket));
		return socket;
	};

	const server = net.createServer((client) => {
		track(client);
		const waiters = connectionWaiters;
		connectionWaiters = [];
		for (const waiter of waiters) waiter();
		if (refusing) {
			client.destroy();
			return;
		}
		const backend = track(net.connect(upstream.port, upstream.host));
		let silent = false;
		const silence = () => void (silent = true);
		silencers.add(silence);
		client.on('close', () => silencers.delete(silence));
		let held: Buffer[] | undefined;
		// Set while a COMMIT held with `outliveClient` keeps the server side open after the client left.
		let outliving = false;
		let pending = Buffer.alloc(0);
		let untyped = true;

		backend.on('data', (chunk) => {
			if (!silent) client.write(chunk);
		});
		backend.on('end', () => {
			if (!silent) client.end();
		});
		backend.on('close', () => {
			if (!silent) client.destroy();
		});
		client.on('end', () => {
			if (!silent && !outliving) backend.end();
		});
		client.on('close', () => {
			if (!silent && !outliving) backend.destroy();
		});

		const send = (bytes: Buffer) => {
			if (silent || bytes.length === 0) return;
			if (held) held.push(bytes);
			else backend.write(bytes);
		};

		const catchCommit = (commit: Buffer) => {
			const {fault, caught} = armed!;
			armed = undefined;
			switch (fault.kind) {
				case 'drop-reply':
					backend.write(commit);
					silent = true;
					client.destroy();
					// The server has read COMMIT once it answers; then it may see this connection go too.
					backend.once('data', () => backend.end());
					break;
				case 'drop-commit':
					silent = true;
					client.destroy();
					backend.end();
					break;
				case 'delay-commit':
					held = [commit];
					outliving = fault.outliveClient ?? false;
					void fault.release().finally(() => {
						const bytes = held ?? [];
						held = undefined;
						for (const part of bytes) if (!backend.destroyed) backend.write(part);
						if (!outliving) return;
						outliving = false;
						// The server has read COMMIT once it answers; with the client gone, nobody else will talk to it.
						if (client.destroyed) backend.once('data', () => backend.end());
					});
					break;
				case 'silence':
					if (fault.forwardCommit) backend.write(commit);
					silent = true;
					refusing = fault.refuseNewConnections ?? false;
					break;
			}
			caught();
		};

		client.on('data', (chunk) => {
			if (silent) return;
			pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
			let start = 0;
			let offset = 0;
			for (;;) {
				if (untyped) {
					// Startup, SSLRequest or GSSENCRequest: length and code, no type byte.
					if (pending.length - offset < 8) break;
					const length = pending.readInt32BE(offset);
					if (pending.length - offset < length) break;
					const code = pending.readInt32BE(offset + 4);
					untyped = code === sslRequest || code === gssEncRequest;
					offset += length;
					continue;
				}
				if (pending.length - offset < 5) break;
				const length = pending.readInt32BE(offset + 1);
				if (pending.length - offset < 1 + length) break;
				const type = String.fromCharCode(pending[offset]!);
				const end = offset + 1 + length;
				if (
					armed &&
					type === 'Q' &&
					length < 64 &&
					/^\s*commit\s*;?\s*$/i.test(pending.subarray(offset + 5, end - 1).toString('utf8'))
				) {
					send(pending.subarray(start, offset));
					catchCommit(Buffer.from(pending.subarray(offset, end)));
					start = end;
				}
				offset = end;
				if (silent) break;
			}
			send(pending.subarray(start, offset));
			pending = silent ? Buffer.alloc(0) : Buffer.from(pending.subarray(offset));
		});
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as net.AddressInfo).port;
	const host = '127.0.0.1';

	return {
		host,
		port,
		endpoint: (target) => ({...target, host, port, origin: `${target.origin} via a fault proxy`}),
		url: (target) =>
			`postgresql://${encodeURIComponent(target.user)}:${encodeURIComponent(target.password ?? '')}@${host}:${port}/${encodeURIComponent(target.database)}?sslmode=disable`,
		arm(fault) {
			return new Promise<void>((caught) => {
				armed = {fault, caught};
			});
		},
		nextConnection() {
			return new Promise<void>((resolve) => connectionWaiters.push(resolve));
		},
		silenceOpenConnections() {
			for (const silence of silencers) silence();
			silencers.clear();
		},
		async close() {
			for (const waiter of connectionWaiters) waiter();
			connectionWaiters = [];
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
