import {readFileSync, writeFileSync} from 'node:fs';
import type {Endpoint} from '../core/connection/endpoint.js';
import {describeEndpoint} from '../core/connection/endpoint.js';
import type {PreviewResult, TableCounts} from '../core/events.js';
import {UserError} from '../core/errors.js';
import type {SyncMode} from '../core/plan/types.js';
import type {SyncCommandOptions} from './sync-flags.js';

/**
 * A reviewed plan (`sync --dry-run --plan-out FILE`): what was selected, how, and per table the
 * counts and the digests of the keys to insert, update and delete. `sync --plan FILE --yes`
 * applies it only if every digest still holds. Endpoints are kept as host, port, database and
 * user: never a password.
 */
export interface PlanFile {
	pgconvoy: 'plan';
	version: 1;
	createdAt: string;
	source: PlanEndpoint;
	target: PlanEndpoint;
	mode: SyncMode;
	selection: Pick<
		SyncCommandOptions,
		| 'tables'
		| 'exclude'
		| 'schemas'
		| 'allSchemas'
		| 'keys'
		| 'maxDeleteRatio'
		| 'maxDeleteRows'
		| 'allowEmptySource'
		| 'allowCascade'
	>;
	tables: TableCounts[];
}

interface PlanEndpoint {
	host: string;
	port: number;
	database: string;
	user: string;
}

const endpointOf = (endpoint: Endpoint): PlanEndpoint => ({
	host: endpoint.host,
	port: endpoint.port,
	database: endpoint.database,
	user: endpoint.user,
});

export function writePlanFile(
	file: string,
	options: SyncCommandOptions,
	source: Endpoint,
	target: Endpoint,
	preview: PreviewResult,
): void {
	const plan: PlanFile = {
		pgconvoy: 'plan',
		version: 1,
		createdAt: new Date().toISOString(),
		source: endpointOf(source),
		target: endpointOf(target),
		mode: preview.mode,
		selection: {
			tables: options.tables,
			exclude: options.exclude,
			schemas: options.schemas,
			allSchemas: options.allSchemas,
			keys: options.keys,
			maxDeleteRatio: options.maxDeleteRatio,
			...(options.maxDeleteRows !== undefined ? {maxDeleteRows: options.maxDeleteRows} : {}),
			allowEmptySource: options.allowEmptySource,
			allowCascade: options.allowCascade,
		},
		tables: preview.tables,
	};
	writeFileSync(file, JSON.stringify(plan, null, 2) + '\n');
}

/** Reads a plan file; anything that is not one pgconvoy wrote is a usage error that says what is wrong. */
export function readPlanFile(file: string): PlanFile {
	let plan: PlanFile;
	try {
		plan = JSON.parse(readFileSync(file, 'utf8')) as PlanFile;
	} catch (error) {
		throw new UserError(
			'usage',
			`Cannot read the plan ${file}: ${(error as Error).message}.`,
			'Make one with: pgconvoy sync … --dry-run --plan-out FILE',
			{cause: error},
		);
	}
	if (plan?.pgconvoy !== 'plan' || plan.version !== 1 || !Array.isArray(plan.tables)) {
		throw new UserError(
			'usage',
			`${file} is not a pgconvoy plan (or one of another version).`,
			'Make one with: pgconvoy sync … --dry-run --plan-out FILE',
		);
	}
	return plan;
}

/** The plan was reviewed for these very databases: refuse it against any other pair. */
export function checkPlanEndpoints(plan: PlanFile, file: string, source: Endpoint, target: Endpoint): void {
	for (const [side, planned, given] of [
		['source', plan.source, source],
		['target', plan.target, target],
	] as const) {
		const now = endpointOf(given);
		if (now.host !== planned.host || now.port !== planned.port || now.database !== planned.database) {
			throw new UserError(
				'usage',
				`The plan ${file} was reviewed for the ${side} ${planned.user}@${planned.host}:${planned.port}/${planned.database}, not ${describeEndpoint(given)}.`,
				`Give the same --from and --to as when it was made, or make a new plan with --dry-run --plan-out.`,
			);
		}
	}
}

/** The plan's preview, as the apply's expected counts and digests. */
export function planPreview(plan: PlanFile): PreviewResult {
	return {mode: plan.mode, tables: plan.tables, findings: []};
}
