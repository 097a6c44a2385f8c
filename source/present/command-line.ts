import type {Endpoint} from '../core/connection/endpoint.js';
import {endpointUrl} from '../core/connection/url.js';

/** Quotes an argument for a POSIX shell only when it needs it, so a printed command runs as printed. */
export function shellQuote(arg: string): string {
	return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** `pgconvoy` and its arguments as one line to paste back into the shell. */
export function commandLine(args: readonly string[]): string {
	return ['pgconvoy', ...args].map(shellQuote).join(' ');
}

/**
 * The arguments that name `endpoint` again in a printed command, never with a secret: `--to prod`
 * for a profile, `--to env:VAR` for a URL read from a variable, nothing for a default (it applies
 * again by itself), and for a URL the URL without its password (the command then asks for it, or
 * reads it from ~/.pgpass), with `--production` when that flag made it production. An endpoint
 * whose origin is unknown is named by a placeholder to replace.
 */
export function endpointArguments(flag: '--from' | '--to', endpoint: Endpoint): string[] {
	const production = endpoint.productionReason === '--production' ? ['--production'] : [];
	const given =
		endpoint.given ?? (endpoint.profileName ? {kind: 'profile' as const, name: endpoint.profileName} : undefined);
	switch (given?.kind) {
		case 'profile':
			return [flag, given.name];
		case 'env':
			return [flag, `env:${given.variable}`, ...production];
		case 'default':
			return production;
		case 'url':
		case 'stdin':
			return [flag, endpointUrl(endpoint), ...production];
		case undefined:
			return [flag, flag === '--to' ? '<target>' : '<source>'];
	}
}
