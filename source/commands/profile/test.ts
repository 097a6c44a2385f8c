import {describeEndpoint, describeTls, type Endpoint} from '../../core/connection/endpoint.js';
import {describePasswordSource, resolvePassword} from '../../core/connection/password.js';
import {lazyProfileLookup, parseEndpoint, settleWithProbe} from '../../core/profiles/resolve-endpoint.js';
import {testConnection, type ServerFacts} from '../../core/profiles/test-connection.js';
import {formatBytes, formatCount} from '../../present/numbers.js';
import {terminalText} from '../../present/terminal-text.js';
import {promptHidden} from '../prompt-hidden.js';
import type {ProfileCommandIo, Write} from './index.js';

/**
 * `profile test <name|url>`: connects the way a sync does (the same resolver and session opener, so a
 * profile that passes here connects the same way there) and says what it found. For a production
 * profile it records which database that is (see settleWithProbe).
 */
export async function testProfile(value: string, io: ProfileCommandIo, out: Write): Promise<number> {
	const profiles = lazyProfileLookup(io.env);
	const endpoint = parseEndpoint(
		{role: 'target', value, origin: 'profile test'},
		{env: io.env, cwd: process.cwd(), profiles},
		{purpose: 'existing'},
	)!;
	const promptPassword = io.isTTY
		? (question: string) => promptHidden(question, io.stdin, io.stderr as NodeJS.WriteStream)
		: undefined;
	const resolved = await resolvePassword(endpoint, {promptPassword, env: io.env});
	const name = resolved.profileName ? `profile "${terminalText(resolved.profileName)}"` : terminalText(resolved.origin);
	out(
		`Connecting to the database ${terminalText(describeEndpoint(resolved))} (${name}, sslmode ${resolved.sslmode}, password ${terminalText(describePasswordSource(resolved.passwordSource))})…\n`,
	);
	const facts = await testConnection(resolved);
	const settled = settleWithProbe(resolved, {identity: facts.identity, encrypted: facts.encrypted}, profiles, {
		refresh: true,
	});
	out(`  server      PostgreSQL ${terminalText(facts.serverVersion)}\n`);
	// The wizard's formatter, so the same database reads the same size in both.
	out(`  database    ${terminalText(facts.database)}, ${formatBytes(facts.sizeBytes)}\n`);
	out(`  TLS         ${tlsLine(facts, settled)}\n`);
	out(
		`  role        ${terminalText(facts.role)}${facts.superuser ? ' (superuser: a role limited to the synced tables is safer)' : ''}\n`,
	);
	out(`  can write   ${writeVerdict(facts)}\n`);
	out(`  production  ${productionLine(settled)}\n`);
	out(`✓ ${resolved.profileName ? `Profile "${terminalText(resolved.profileName)}"` : 'The connection'} works.\n`);
	return 0;
}

function tlsLine(facts: ServerFacts, endpoint: Endpoint): string {
	if (!facts.encrypted) return 'off: not encrypted';
	const verified = describeTls({...endpoint, preferSettled: 'tls'}).replace(/^TLS, /, '');
	return `on (${terminalText(facts.tlsVersion ?? 'TLS')}), ${verified}`;
}

function productionLine(endpoint: Endpoint): string {
	if (!endpoint.production) return 'no';
	const why = endpoint.productionReason ? ` (${terminalText(endpoint.productionReason)})` : '';
	return `yes${why}: writing needs --confirm ${terminalText(endpoint.database)}; its server identity is recorded`;
}

function writeVerdict(facts: ServerFacts): string {
	if (facts.inRecovery) return 'no: the server is a standby in recovery (read-only)';
	if (facts.readOnly) return 'no: sessions start read-only (default_transaction_read_only = on)';
	if (facts.tables === 0)
		return 'unknown: the session is read-write, but there are no tables outside system schemas to check INSERT on';
	// One table reads "the only table", never "none of the 1 tables".
	const all = facts.tables === 1 ? 'the only table' : `${formatCount(facts.tables)} tables`;
	if (facts.insertable === 0)
		return `no: INSERT is ${facts.tables === 1 ? `not granted on ${all}` : `granted on none of the ${all}`} outside system schemas`;
	return `yes: the session is read-write and INSERT is granted on ${facts.tables === 1 ? all : `${formatCount(facts.insertable)} of ${all}`} outside system schemas`;
}
