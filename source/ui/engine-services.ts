import {writeFile} from 'node:fs/promises';
import {resolve} from 'node:path';
import type {Endpoint} from '../core/connection/endpoint.js';
import {readEndpointDefaults} from '../core/connection/default-endpoints.js';
import {parseConnectionUrl} from '../core/connection/url.js';
import {resolvePassword} from '../core/connection/password.js';
import type {SchemaSelection} from '../core/catalog/introspect.js';
import {openProfileStore, profileToEndpoint, type ProfileStore} from '../core/profiles/store.js';
import {resolveEndpointArgument} from '../core/profiles/resolve-endpoint.js';
import {SyncSession, inspectEndpoint} from '../core/sync-session.js';
import {toUserError} from './errors.js';
import type {EndpointCandidate, WizardServices, WizardSession} from './services.js';

export interface EngineConfig {
	env: NodeJS.ProcessEnv;
	cwd: string;
	schemas: SchemaSelection;
}

function timestamp(date: Date): string {
	return date
		.toISOString()
		.replace(/\.\d+Z$/, '')
		.replace(/[-:]/g, '')
		.replace('T', '-');
}

/** The real engine behind the wizard, plus `dispose()` so the command can wait for every connection to close. */
export function createEngineServices(config: EngineConfig): WizardServices & {dispose(): Promise<void>} {
	const sessions = new Set<WizardSession>();
	let store: ProfileStore | undefined;
	const profiles = () => (store ??= openProfileStore({env: config.env}));
	return {
		endpointCandidates() {
			const candidates: EndpointCandidate[] = [];
			try {
				for (const {name, profile} of profiles().listProfiles()) {
					candidates.push({key: `profile:${name}`, label: `profile ${name}`, endpoint: profileToEndpoint(name, profile, `profile "${name}"`)});
				}
			} catch (error) {
				candidates.push({key: 'profiles', label: 'saved profiles', error: toUserError(error)});
			}
			const defaults = readEndpointDefaults(config.env, config.cwd);
			for (const [url, sourceDefault] of [
				[defaults.localUrl, true],
				[defaults.prodUrl, false],
			] as const) {
				if (!url) continue;
				const base = {key: `env:${url.origin}`, label: url.origin, ...(sourceDefault ? {sourceDefault} : {})};
				try {
					candidates.push({...base, endpoint: parseConnectionUrl(url.value, url.origin)});
				} catch (error) {
					candidates.push({...base, error: toUserError(error)});
				}
			}
			return candidates;
		},
		parseEndpoint: (value, origin) => resolveEndpointArgument(value, origin, {getProfile: (name) => profiles().getProfile(name), profileNames: () => profiles().profileNames()}),
		// A typed password is already on the endpoint; the prompt just hands it over.
		resolvePassword: (endpoint: Endpoint) => resolvePassword(endpoint, {env: config.env, ...(endpoint.password ? {promptPassword: async () => endpoint.password!} : {})}),
		inspect: (endpoint, role) => inspectEndpoint(endpoint, role, config.schemas),
		async openSession(source, target) {
			const session = await SyncSession.open(source, target, config.schemas);
			sessions.add(session);
			return session;
		},
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
