/**
 * A server that is not PostgreSQL (it closes the socket, or speaks HTTP) gets an error naming
 * host:port and saying it does not look like PostgreSQL, in sync and in profile test, whether the
 * client starts with TLS or not. And a production target on a server without TLS is never written
 * to in plaintext unless sslmode=disable is given.
 */
import net from 'node:net';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {freshDatabase} from '../support/databases.js';
import {databaseChecksums} from '../support/oracle.js';
import {runProfile} from '../profiles/helpers.js';
import {scratch, sync} from './helpers.js';

type Behaviour = 'close' | 'http';

async function startImpostor(behaviour: Behaviour): Promise<{port: number; close: () => Promise<void>}> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('error', () => {});
		socket.once('data', () => {
			if (behaviour === 'close') socket.destroy();
			else socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

let dir: ReturnType<typeof scratch>;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
	dir = scratch('pgconvoy-impostor-');
	env = {PGCONVOY_CONFIG_DIR: dir.path};
});
afterEach(() => dir.remove());

describe('a server that is not PostgreSQL', () => {
	let source: Awaited<ReturnType<typeof freshDatabase>>;
	beforeAll(async () => (source = await freshDatabase('source')));
	afterAll(async () => source.drop());

	for (const behaviour of ['close', 'http'] as const) {
		for (const sslmode of ['disable', 'require'] as const) {
			it(`that ${behaviour === 'close' ? 'closes the socket' : 'answers in HTTP'}, with sslmode ${sslmode}`, async () => {
				const impostor = await startImpostor(behaviour);
				try {
					const where = `127.0.0.1:${impostor.port}`;
					const url = `postgresql://app@${where}/shop?sslmode=${sslmode}`;
					const run = await sync(['--from', source.url, '--to', url, '--dry-run'], {env, password: 'x'});
					expect(run.code, run.output).toBe(3);
					expect(run.stderr).toContain(`✗ ${where} does not look like PostgreSQL`);
					expect(run.stderr).toContain(
						`→ Check the host and port: PostgreSQL (or a pooler in front of it) must listen on ${where}`,
					);
					expect(run.stderr).not.toMatch(/Connection terminated unexpectedly|Check the connection settings/);

					expect((await runProfile(['add', 'shop', '--url', url, '--no-password'], env)).code).toBe(0);
					const tested = await runProfile(['test', 'shop'], env);
					expect(tested.code).toBe(3);
					expect(tested.stderr).toContain(`${where} does not look like PostgreSQL`);
					expect(tested.stderr).toContain('(the database app@');
					expect(tested.stderr).not.toContain('target');
				} finally {
					await impostor.close();
				}
			});
		}
	}
});

describe('a production target on a server without TLS', () => {
	it('is refused rather than written in plaintext, unless sslmode=disable is given explicitly', async () => {
		const source = await freshDatabase('source');
		const target = await freshDatabase('target');
		try {
			await source.client.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);');
			await target.client.query('CREATE TABLE t (id int PRIMARY KEY);');
			const before = await databaseChecksums(target.client, ['public.t']);
			const implicit = target.url.replace('?sslmode=disable', '');
			const refused = await sync(
				['--from', source.url, '--to', implicit, '--production', '--yes', '--confirm', target.name],
				{env},
			);
			expect(refused.code, refused.output).toBe(3);
			expect(refused.stderr).toMatch(/does not support SSL/);
			expect(await databaseChecksums(target.client, ['public.t'])).toEqual(before);
			const optedOut = await sync(
				['--from', source.url, '--to', target.url, '--production', '--yes', '--confirm', target.name],
				{env},
			);
			expect(optedOut.code, optedOut.output).toBe(0);
			expect(optedOut.stdout.split('\n')[0]).toMatch(/PRODUCTION \(not encrypted\) \(mode insert\)$/);
		} finally {
			await Promise.all([source.drop(), target.drop()]);
		}
	});
});
