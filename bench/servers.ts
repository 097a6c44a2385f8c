/** The bench's two throw-away PostgreSQL servers, and plain SQL on them (fixtures, checks, statistics). */
import pg from 'pg';
import {startCluster, type EmbeddedCluster} from '../source/support/embedded-cluster.js';
import type {DatabaseAddress} from './runner.js';

/** Both servers, and the psql the peers and B drive (undefined: none on this machine, or --no-psql). */
export interface Servers {
	source: EmbeddedCluster;
	target: EmbeddedCluster;
	psql?: string;
}

/** Both servers get embedded-cluster's throw-away settings (fsync off…) and these, for B, peers and pgconvoy alike. */
export const serverSettings: Record<string, string> = {
	shared_buffers: '1GB',
	max_wal_size: '8GB',
	checkpoint_timeout: '30min',
};

export async function startServers(binDir: string | undefined, psql: string | undefined): Promise<Servers> {
	const [source, target] = await Promise.all([
		startCluster({binDir, settings: serverSettings}),
		startCluster({binDir, settings: serverSettings}),
	]);
	return {source, target, psql};
}

export function address(cluster: EmbeddedCluster, database: string): DatabaseAddress {
	return {host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database};
}

export async function withClient<T>(
	cluster: EmbeddedCluster,
	database: string,
	work: (client: pg.Client) => Promise<T>,
): Promise<T> {
	const client = new pg.Client({...address(cluster, database)});
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

export async function sql(cluster: EmbeddedCluster, database: string, ...statements: string[]): Promise<void> {
	await withClient(cluster, database, async (client) => {
		for (const statement of statements) await client.query(statement);
	});
}
