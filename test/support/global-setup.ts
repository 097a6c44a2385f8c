import type {TestProject} from 'vitest/node';
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {startCluster, systemPostgres15BinDir, type EmbeddedCluster} from '../../source/support/embedded-cluster.js';

export interface ClusterInfo {
	host: string;
	port: number;
	user: string;
	password: string;
	version: string;
}

declare module 'vitest' {
	export interface ProvidedContext {
		pg18: ClusterInfo;
		pg15: ClusterInfo | null;
	}
}

const describe = (cluster: EmbeddedCluster): ClusterInfo => ({host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, version: cluster.version});

export default async function setup(project: TestProject) {
	// The e2e tests run the built CLI (dist/cli.js), as users do; tsc takes about a second. Type errors
	// are `npm run typecheck`'s to report (CI runs it): tsc still emits, so the behaviour tests run.
	try {
		execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'], {cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'pipe'});
	} catch (error) {
		console.warn(`tsc reported errors (dist was still built):\n${(error as {stdout?: Buffer}).stdout?.toString() ?? error}`);
	}
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
	return async () => {
		await Promise.all(clusters.map((cluster) => cluster.stop()));
	};
}
