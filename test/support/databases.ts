import pg from 'pg';
import {randomBytes} from 'node:crypto';
import {afterEach, beforeEach, inject} from 'vitest';
import type {Endpoint} from '../../source/core/connection/endpoint.js';
import type {ClusterInfo, PoolerInfo} from './global-setup.js';

export interface TestDatabase {
	name: string;
	endpoint: Endpoint;
	url: string;
	/** A plain admin client (no pgconvoy settings), for fixtures and assertions. */
	client: pg.Client;
	drop(): Promise<void>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A plain superuser session on the cluster's `postgres` database, for what the tests set up around pgconvoy. */
export async function admin<T>(cluster: ClusterInfo, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({
		host: cluster.host,
		port: cluster.port,
		user: cluster.user,
		password: cluster.password,
		database: 'postgres',
	});
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

export function clusterInfo(version: '18' | '15' = '18'): ClusterInfo | null {
	return version === '18' ? inject('pg18') : inject('pg15');
}

/** A brand-new empty database on the run's cluster; `drop()` removes it. */
export async function freshDatabase(label: string, cluster: ClusterInfo = inject('pg18')): Promise<TestDatabase> {
	const name = `${label}_${randomBytes(4).toString('hex')}`;
	await admin(cluster, (client) => client.query(`CREATE DATABASE ${quote(name)} TEMPLATE template0 ENCODING 'UTF8'`));
	const client = new pg.Client({
		host: cluster.host,
		port: cluster.port,
		user: cluster.user,
		password: cluster.password,
		database: name,
	});
	await client.connect();
	const endpoint: Endpoint = {
		host: cluster.host,
		port: cluster.port,
		database: name,
		user: cluster.user,
		password: cluster.password,
		passwordSource: {kind: 'url'},
		sslmode: 'disable',
		production: false,
		origin: `test ${label}`,
	};
	return {
		name,
		endpoint,
		url: `postgresql://${cluster.user}:${cluster.password}@${cluster.host}:${cluster.port}/${encodeURIComponent(name)}?sslmode=disable`,
		client,
		async drop() {
			await client.end().catch(() => {});
			await admin(cluster, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`));
		},
	};
}

export async function freshPair(cluster?: ClusterInfo, targetCluster?: ClusterInfo) {
	const source = await freshDatabase('source', cluster);
	const target = await freshDatabase('target', targetCluster ?? cluster);
	return {source, target, drop: () => Promise.all([source.drop(), target.drop()])};
}

/** The run's PgBouncer (transaction mode, in front of the pg18 cluster), or null where it is not installed. */
export function poolerInfo(): PoolerInfo | null {
	return inject('pgbouncer');
}

/** The same database reached through the pooler: what pgconvoy is given when production sits behind PgBouncer. */
export function throughPooler(
	db: TestDatabase,
	pooler: PoolerInfo | null = poolerInfo(),
): {endpoint: Endpoint; url: string} {
	if (!pooler) throw new Error('No PgBouncer in this run (apt-get install pgbouncer).');
	const {user, password} = db.endpoint;
	return {
		endpoint: {...db.endpoint, host: pooler.host, port: pooler.port, origin: `${db.endpoint.origin} via PgBouncer`},
		url: `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@${pooler.host}:${pooler.port}/${encodeURIComponent(db.name)}?sslmode=disable`,
	};
}

export interface PairSetup {
	/** SQL run on both databases first: the schema both sides share. */
	schema?: string;
	/** SQL run on the source, then on the target, after the schema: their rows. */
	source?: string;
	target?: string;
	/** The clusters (the run's PostgreSQL 18 by default); null skips nothing: the caller skips the tests. */
	cluster?: ClusterInfo;
	targetCluster?: ClusterInfo;
}

export interface TestPair {
	readonly source: TestDatabase;
	readonly target: TestDatabase;
}

/**
 * A fresh source and target database for every test of the calling file (or `describe` block),
 * set up with `setup` and dropped after the test: the one way the engine tests get databases. Read
 * `.source` and `.target` inside a test or hook (the pair changes from test to test).
 */
export function pairPerTest(setup: PairSetup = {}): TestPair {
	let current: Awaited<ReturnType<typeof freshPair>> | undefined;
	beforeEach(async () => {
		current = await freshPair(setup.cluster, setup.targetCluster);
		for (const [database, sql] of [
			[current.source, setup.schema],
			[current.target, setup.schema],
			[current.source, setup.source],
			[current.target, setup.target],
		] as const)
			if (sql) await database.client.query(sql);
	});
	afterEach(async () => {
		await current?.drop();
		current = undefined;
	});
	const now = () => {
		if (!current) throw new Error('pairPerTest: the databases exist only inside a test or its hooks.');
		return current;
	};
	return {
		get source() {
			return now().source;
		},
		get target() {
			return now().target;
		},
	};
}
