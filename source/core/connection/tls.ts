import {readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import type {ConnectionOptions} from 'node:tls';
import {describeEndpoint, type Endpoint, type SslMode} from './endpoint.js';
import {UserError} from '../errors.js';

/** The `ssl` value node-postgres takes: `false` for plaintext, else Node TLS options. */
export type SslConfig = false | ConnectionOptions;

/** What each sslmode promises, in libpq's terms, for `profile show` and messages. */
export const sslModeMeanings: Record<SslMode, string> = {
	disable: 'no TLS',
	prefer: 'TLS if the server offers it, not verified; else plaintext',
	require: 'TLS, certificate not verified',
	'verify-ca': 'TLS, certificate chain verified against sslrootcert, host name not checked',
	'verify-full': 'TLS, certificate chain and host name verified',
};

/**
 * The TLS settings to try, in order, with libpq's meanings. Never passes an sslmode string to
 * node-postgres (whose `require` means verify-full today and will mean "no verification" in pg 9),
 * and always sets `rejectUnauthorized` explicitly so NODE_TLS_REJECT_UNAUTHORIZED cannot weaken it.
 *
 * Only an unsettled `prefer` yields two attempts: TLS first, then plaintext when that fails (libpq
 * retries the same way). Without sslrootcert (or with `system`, as in libpq 16), verify-full trusts Node's
 * built-in public CA list.
 */
export function sslAttempts(endpoint: Endpoint): SslConfig[] {
	// PostgreSQL never speaks TLS over a Unix socket; libpq ignores sslmode there too.
	if (endpoint.host.startsWith('/')) return [false];
	switch (endpoint.sslmode) {
		case 'disable':
			return [false];
		case 'prefer':
			// Settled by the first connection of the run (see Endpoint.preferSettled): no later downgrade.
			if (endpoint.preferSettled === 'tls') return [withOptionalChainCheck(endpoint)];
			if (endpoint.preferSettled === 'plain') return [false];
			return [withOptionalChainCheck(endpoint), false];
		case 'require':
			return [withOptionalChainCheck(endpoint)];
		case 'verify-ca': {
			if (!endpoint.sslrootcert || endpoint.sslrootcert === 'system') {
				throw new UserError(
					'config',
					`sslmode verify-ca for ${describeEndpoint(endpoint)} (${endpoint.origin}) needs sslrootcert: the CA file that signed the server's certificate.`,
					'Set sslrootcert to that CA file, or use verify-full, which also checks the host name and may use the system CAs.',
				);
			}
			return [{rejectUnauthorized: true, ca: readRootCert(endpoint), checkServerIdentity: () => undefined}];
		}
		case 'verify-full':
			return [{rejectUnauthorized: true, ...caOption(endpoint)}];
	}
}

/** libpq: with a root certificate given, `require` and `prefer` verify the chain (like verify-ca). */
function withOptionalChainCheck(endpoint: Endpoint): ConnectionOptions {
	if (!endpoint.sslrootcert) return {rejectUnauthorized: false};
	return {rejectUnauthorized: true, ...caOption(endpoint), checkServerIdentity: () => undefined};
}

function caOption(endpoint: Endpoint): {ca?: string} {
	if (!endpoint.sslrootcert || endpoint.sslrootcert === 'system') return {};
	return {ca: readRootCert(endpoint)};
}

function readRootCert(endpoint: Endpoint): string {
	const file = endpoint.sslrootcert!.replace(/^~(?=\/)/, homedir());
	try {
		return readFileSync(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
		throw new UserError(
			'config',
			`Cannot read sslrootcert ${file} for ${describeEndpoint(endpoint)} (${endpoint.origin}): ${code}.`,
			'Point sslrootcert at the PEM file of the CA that signed the server certificate.',
			{cause: error},
		);
	}
}
