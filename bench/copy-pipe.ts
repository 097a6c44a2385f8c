/** The raw COPY pipe of public.t between the two servers: B's sample, and how templates are filled. */
import {pipeline} from 'node:stream/promises';
import pg from 'pg';
import {from as copyFrom, to as copyTo} from 'pg-copy-streams';
import {address, type Servers} from './servers.js';
import {run, secondsSince} from './spawn.js';

/** The raw COPY pipe of public.t: psql | psql when psql is here, else a plain pg-copy-streams pipe in this process. */
export async function copyPipe(servers: Servers, sourceDb: string, targetDb: string, binary: boolean): Promise<number> {
	const {source, target, psql} = servers;
	const options = binary ? ' with (format binary)' : '';
	const start = process.hrtime.bigint();
	if (psql) {
		const script = `set -o pipefail; ${psql} -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c '\\copy public.t to pstdout${options}' | ${psql} -X -q -v ON_ERROR_STOP=1 -d "$DST" -c '\\copy public.t from pstdin${options}'`;
		const {code, stderr} = await run('bash', ['-c', script], {
			...process.env,
			SRC: source.url(sourceDb),
			DST: target.url(targetDb),
		});
		if (code !== 0) throw new Error(`psql pipe failed: ${stderr}`);
	} else {
		const from = new pg.Client(address(source, sourceDb));
		const to = new pg.Client(address(target, targetDb));
		await Promise.all([from.connect(), to.connect()]);
		try {
			const format = binary ? ' (FORMAT binary)' : '';
			await pipeline(
				from.query(copyTo(`COPY public.t TO STDOUT${format}`)),
				to.query(copyFrom(`COPY public.t FROM STDIN${format}`)),
			);
		} finally {
			await Promise.all([from.end(), to.end()]);
		}
	}
	return secondsSince(start);
}
