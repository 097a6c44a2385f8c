import type {TestProject} from 'vitest/node';
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {startCluster, systemPostgres15BinDir, type EmbeddedCluster} from '../../source/support/embedded-cluster.js';
import {pgbouncerBinary, startPgBouncer, type PgBouncer} from './pgbouncer.js';

export interface ClusterInfo {
	host: string;
	port: number;
	user: string;
	password: string;
	version: string;
}

/** PgBouncer (transaction mode) in front of the pg18 cluster. */
export interface PoolerInfo {
	host: string;
	port: number;
	version: string;
	poolSize: number;
	logFile: string;
}

declare module 'vitest' {
	export interface ProvidedContext {
		pg18: ClusterInfo;
		pg15: ClusterInfo | null;
		pgbouncer: PoolerInfo | null;
	}
}

const describe = (cluster: EmbeddedCluster): ClusterInfo => ({
	host: cluster.host,
	port: cluster.port,
	user: cluster.user,
	password: cluster.password,
	version: cluster.version,
});

export default async function setup(project: TestProject) {
	// The e2e tests run the built CLI (dist/cli.js), as users do; tsc takes about a second. Type errors
	// are `npm run typecheck`'s to report (CI runs it): tsc still emits, so the behaviour tests run.
	try {
		execFileSync(
			process.execPath,
			[fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'],
			{cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'pipe'},
		);
	} catch (error) {
		console.warn(
			`tsc reported errors (dist was still built):\n${(error as {stdout?: Buffer}).stdout?.toString() ?? error}`,
		);
	}
	// PgBouncer is optional like pg15, but CI installs it (.ci/run), so there its absence fails the run.
	if (!pgbouncerBinary() && process.env.CI === 'true')
		throw new Error('pgbouncer is not installed: CI runs the pooler tests (.ci/run installs it with apt-get).');
	const clusters: EmbeddedCluster[] = [];
	const pg18 = await startCluster();
	clusters.push(pg18);
	project.provide('pg18', describe(pg18));
	const binDir = systemPostgres15BinDir();
	let pg15: EmbeddedCluster | undefined;
	if (binDir) {
		pg15 = await startCluster({binDir});
		clusters.push(pg15);
	}
	project.provide('pg15', pg15 ? describe(pg15) : null);
	let pooler: PgBouncer | undefined;
	if (pgbouncerBinary()) {
		const poolSize = 2;
		pooler = await startPgBouncer(pg18, {poolSize}).catch(async (error: unknown) => {
			await Promise.all(clusters.map((cluster) => cluster.stop()));
			throw error;
		});
		project.provide('pgbouncer', {
			host: pooler.host,
			port: pooler.port,
			version: pooler.version,
			poolSize,
			logFile: pooler.logFile,
		});
	} else {
		project.provide('pgbouncer', null);
	}
	return async () => {
		await pooler?.stop();
		await Promise.all(clusters.map((cluster) => cluster.stop()));
	};
}
