import {writeFile} from 'node:fs/promises';
import {resolve} from 'node:path';
import {describeEndpoint, type Endpoint} from '../core/connection/endpoint.js';
import type {SchemaSelection} from '../core/catalog/introspect.js';
import {completeEndpoint, lazyProfileLookup, parseEndpoint} from '../core/profiles/resolve-endpoint.js';
import {SyncSession, inspectEndpoint} from '../core/session/sync-session.js';
import {configDirectory, journalHistory, journalOptions, settleTarget} from '../core/journal/journal-settings.js';
import {journalDirectory, listJournals} from '../core/journal/journal-store.js';
import {findRun} from '../core/journal/find-run.js';
import {undoRun} from '../core/journal/undo-run.js';
import {toUserError} from './errors.js';
import type {EndpointCandidate, WizardServices, WizardSession} from './services.js';

export interface EngineConfig {
	env: NodeJS.ProcessEnv;
	cwd: string;
	schemas: SchemaSelection;
	/** --production: the endpoint given by --to is production. */
	targetProduction?: boolean;
}

function timestamp(date: Date): string {
	return date
		.toISOString()
		.replace(/\.\d+Z$/, '')
		.replace(/[-:]/g, '')
		.replace('T', '-');
}

/** Undoes (or previews undoing) one run of this target, found as `pgconvoy undo` finds it. */
async function undoTarget(
	env: NodeJS.ProcessEnv,
	target: Endpoint,
	id: string,
	options: {dryRun: boolean; signal?: AbortSignal},
) {
	const {identity} = await settleTarget(env, target, true);
	const entry = findRun(listJournals(journalDirectory(configDirectory(env))), id, identity!, describeEndpoint(target));
	return undoRun({
		entry,
		target,
		dryRun: options.dryRun,
		force: false,
		...(options.dryRun ? {} : {journal: journalOptions(env, target)}),
		...(options.signal ? {signal: options.signal} : {}),
	});
}

/** The real engine behind the wizard, plus `dispose()` so the command can wait for every connection to close. */
export function createEngineServices(config: EngineConfig): WizardServices & {dispose(): Promise<void>} {
	const sessions = new Set<WizardSession>();
	// Every endpoint, listed, typed or prefilled, goes through the one resolver (production, TLS, password).
	const context = {env: config.env, cwd: config.cwd, profiles: lazyProfileLookup(config.env)};
	return {
		endpointCandidates() {
			const candidates: EndpointCandidate[] = [];
			try {
				for (const {name} of context.profiles.listProfiles()) {
					candidates.push({
						key: `profile:${name}`,
						label: `profile ${name}`,
						endpoint: parseEndpoint({role: 'target', value: name, origin: `profile "${name}"`}, context)!,
					});
				}
			} catch (error) {
				candidates.push({key: 'profiles', label: 'saved profiles', error: toUserError(error)});
			}
			for (const role of ['source', 'target'] as const) {
				const sourceDefault = role === 'source' ? {sourceDefault: true} : {};
				try {
					const endpoint = parseEndpoint({role}, context);
					if (endpoint)
						candidates.push({key: `env:${endpoint.origin}`, label: endpoint.origin, ...sourceDefault, endpoint});
				} catch (error) {
					const label = role === 'source' ? 'DATABASE_URL_LOCAL' : 'DATABASE_URL_PROD';
					candidates.push({key: `env:${label}`, label, ...sourceDefault, error: toUserError(error)});
				}
			}
			return candidates;
		},
		parseEndpoint: (value, origin) =>
			parseEndpoint(
				{
					role: origin === '--from' ? 'source' : 'target',
					value,
					origin,
					production: origin === '--to' && config.targetProduction === true,
				},
				context,
			)!,
		// A typed password is already on the endpoint; the prompt just hands it over.
		resolvePassword: (endpoint: Endpoint) =>
			completeEndpoint(endpoint, {
				...context,
				...(endpoint.password ? {promptPassword: async () => endpoint.password!} : {}),
			}),
		async inspect(endpoint, role) {
			const summary = await inspectEndpoint(endpoint, role, config.schemas);
			// A journal a killed run left pending on this target becomes undoable (or is discarded) now.
			if (role === 'target') await settleTarget(config.env, endpoint);
			return summary;
		},
		async openSession(source, target) {
			const session = await SyncSession.open(source, target, config.schemas);
			sessions.add(session);
			// Every committed write keeps an undo journal, as the headless sync does; a rehearsal keeps nothing.
			const journaled: WizardSession = {
				tableChoices: (keys) => session.tableChoices(keys),
				plan: (selection, options) => session.plan(selection, options),
				preview: (plan, listeners) => session.preview(plan, listeners),
				apply: (plan, listeners) =>
					session.apply(
						plan,
						listeners.rehearse ? listeners : {...listeners, journal: journalOptions(config.env, target, source)},
					),
				close: () => session.close(),
			};
			return journaled;
		},
		history: (target) => journalHistory(config.env, target),
		previewUndo: (target, id) => undoTarget(config.env, target, id, {dryRun: true}),
		undo: (target, id, signal) => undoTarget(config.env, target, id, {dryRun: false, signal}),
		async saveReport(document) {
			const file = resolve(config.cwd, `pgconvoy-report-${timestamp(new Date())}.json`);
			await writeFile(file, JSON.stringify(document, null, 2) + '\n', {flag: 'wx'});
			return file;
		},
		async dispose() {
			await Promise.all([...sessions].map((session) => session.close()));
		},
	};
}
