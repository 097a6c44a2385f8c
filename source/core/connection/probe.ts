import type {Endpoint} from './endpoint.js';
import {closeSession, openSession, sessionEncrypted, type SessionRole} from './connect.js';
import {readDatabaseIdentity, type DatabaseIdentity} from './database-identity.js';

export interface DatabaseProbe {
	identity: DatabaseIdentity;
	/** Whether the session took TLS (what settles sslmode `prefer`). */
	encrypted: boolean;
}

/** One short session to learn which database `endpoint` reaches, and whether TLS was used. Reads only. */
export async function probeDatabase(endpoint: Endpoint, role: SessionRole, label?: string): Promise<DatabaseProbe> {
	const client = await openSession(endpoint, role, label ? {label} : {});
	try {
		return {identity: await readDatabaseIdentity(client), encrypted: sessionEncrypted(client)};
	} finally {
		await closeSession(client);
	}
}
