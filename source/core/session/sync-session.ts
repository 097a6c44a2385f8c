import type pg from 'pg';
import type {Endpoint} from '../connection/endpoint.js';
import {sameDatabase, describeEndpoint} from '../connection/endpoint.js';
import {openSession, closeSession} from '../connection/connect.js';
import {beginRead} from '../connection/transactions.js';
import {introspectCatalog, type SchemaSelection} from '../catalog/introspect.js';
import type {Catalog, Table} from '../catalog/types.js';
import {buildPlan, chooseKey} from '../plan/build-plan.js';
import {resolveKeyOption, selectTables, type TableSelection} from '../plan/select-tables.js';
import type {SyncOptions, SyncPlan} from '../plan/types.js';
import {previewSync} from '../forecast/preview-sync.js';
import {applySync, type ApplyContext} from '../apply/apply-sync.js';
import type {PreviewResult, SyncEventListener, SyncResult} from '../events.js';
import {UserError} from '../errors.js';
import {systemIdentity} from '../connection/database-identity.js';

export interface DatabaseSummary {
	serverVersion: string;
	database: string;
	sizeBytes: number;
	tableCount: number;
}

export interface TableChoice {
	id: string;
	estimatedRows: number;
	/** Why it cannot be chosen (e.g. missing on the target), or undefined when it can. */
	unavailable?: string;
	/** Tables it references by foreign key (among the source's tables). */
	parents: string[];
}

export const defaultSyncOptions: SyncOptions = {
	mode: 'insert',
	maxDeleteRatio: 0.5,
	allowEmptySource: false,
	allowCascade: false,
	keys: {},
	lockTimeoutMs: 5000,
	statementTimeoutMs: 0,
};

/** Connects to one endpoint and describes it: what the wizard shows after "connecting…". */
export async function inspectEndpoint(
	endpoint: Endpoint,
	role: 'source' | 'target',
	schemas: SchemaSelection = {schemas: ['public'], allSchemas: false},
): Promise<DatabaseSummary> {
	const client = await openSession(endpoint, role);
	try {
		await beginRead(client, role);
		const info = await client.query<{size: string}>('SELECT pg_database_size(current_database())::text AS size');
		const catalog = await introspectCatalog(client, schemas);
		return {
			serverVersion: catalog.serverVersion,
			database: catalog.database,
			sizeBytes: Number(info.rows[0]!.size),
			tableCount: catalog.tables.size,
		};
	} finally {
		await closeSession(client);
	}
}

/**
 * One source and one target, introspected: the object both the wizard and the headless command
 * drive through plan → preview → apply. Each preview and apply opens its own pair of sessions and
 * closes them afterwards, so a failure (a dropped connection, a cancelled COPY) never leaves a
 * half-used session behind for the next attempt, and no transaction is open while a human decides.
 */
export class SyncSession {
	private constructor(
		readonly sourceEndpoint: Endpoint,
		readonly targetEndpoint: Endpoint,
		readonly sourceCatalog: Catalog,
		readonly targetCatalog: Catalog,
	) {}

	static async open(
		sourceEndpoint: Endpoint,
		targetEndpoint: Endpoint,
		schemas: SchemaSelection,
	): Promise<SyncSession> {
		if (sameDatabase(sourceEndpoint, targetEndpoint)) {
			throw new UserError(
				'config',
				`The source and the target are the same database (${describeEndpoint(targetEndpoint)}).`,
				'Pick two different databases.',
				{flagHint: 'Pick two different databases: --from is where rows come from, --to is where they go.'},
			);
		}
		return withSessions(sourceEndpoint, targetEndpoint, async (source, target) => {
			// One snapshot per side, and format_type() qualifying names the same way on both.
			await Promise.all([beginRead(source, 'source'), beginRead(target, 'target')]);
			// The same server reached by two names (localhost vs 127.0.0.1, a proxy…) is still the same database.
			const [sourceId, targetId] = await Promise.all([systemIdentity(source), systemIdentity(target)]);
			if (sourceId !== undefined && sourceId === targetId) {
				throw new UserError(
					'config',
					`The source and the target are the same database (${describeEndpoint(targetEndpoint)}), reached by two names.`,
					'Pick two different databases.',
				);
			}
			const [sourceCatalog, targetCatalog] = await Promise.all([
				introspectCatalog(source, schemas),
				introspectCatalog(target, schemas),
			]);
			return new SyncSession(sourceEndpoint, targetEndpoint, sourceCatalog, targetCatalog);
		});
	}

	/** The source's tables for a picker, with what stands in the way of each (`keys`: the --key flags given). */
	tableChoices(keys: Record<string, string[]> = {}): TableChoice[] {
		const resolvedKeys = resolveKeyOption(this.sourceCatalog, keys);
		const unavailable = (table: Table) => {
			const target = this.targetCatalog.tables.get(table.id);
			if (!target) return 'missing on the target: run your migrations on both databases';
			if (!chooseKey(table, target, resolvedKeys))
				return 'no primary key or unique index, so its rows cannot be matched';
			return undefined;
		};
		return [...this.sourceCatalog.tables.values()].map((table) => ({
			id: table.id,
			estimatedRows: table.estimatedRows,
			unavailable: unavailable(table),
			parents: [...new Set(table.foreignKeys.map((fk) => fk.references))].filter(
				(id) => id !== table.id && this.sourceCatalog.tables.has(id),
			),
		}));
	}

	plan(selection: TableSelection, options: SyncOptions): SyncPlan {
		const keys = resolveKeyOption(this.sourceCatalog, options.keys);
		return buildPlan(this.sourceCatalog, this.targetCatalog, selectTables(this.sourceCatalog, selection), {
			...options,
			keys,
		});
	}

	preview(plan: SyncPlan, listeners: {onEvent?: SyncEventListener; signal?: AbortSignal} = {}): Promise<PreviewResult> {
		return withSessions(this.sourceEndpoint, this.targetEndpoint, (source, target) =>
			previewSync({plan, targetCatalog: this.targetCatalog, source, target, ...listeners}),
		);
	}

	apply(
		plan: SyncPlan,
		listeners: Pick<
			ApplyContext,
			| 'expected'
			| 'onEvent'
			| 'stop'
			| 'signal'
			| 'maxListedKeys'
			| 'commitBudgets'
			| 'stopWaiting'
			| 'rehearse'
			| 'journal'
			| 'writeOptions'
		> = {},
	): Promise<SyncResult> {
		return withSessions(this.sourceEndpoint, this.targetEndpoint, (source, target) =>
			applySync({
				plan,
				source,
				target,
				sourceEndpoint: this.sourceEndpoint,
				targetEndpoint: this.targetEndpoint,
				targetCatalog: this.targetCatalog,
				...listeners,
			}),
		);
	}

	/** Nothing stays open between operations; kept so callers can release a session uniformly. */
	async close(): Promise<void> {}
}

async function withSessions<T>(
	sourceEndpoint: Endpoint,
	targetEndpoint: Endpoint,
	work: (source: pg.Client, target: pg.Client) => Promise<T>,
): Promise<T> {
	const source = await openSession(sourceEndpoint, 'source');
	let target: pg.Client | undefined;
	try {
		target = await openSession(targetEndpoint, 'target');
		return await work(source, target);
	} finally {
		await Promise.all([closeSession(source), closeSession(target)]);
	}
}
