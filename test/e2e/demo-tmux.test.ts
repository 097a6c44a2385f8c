/**
 * `pgconvoy demo` as a newcomer runs it: a real terminal, the built CLI, two embedded servers.
 * The demo runs with TMPDIR pointing at a folder of its own, so "nothing left behind" is checkable.
 */
import {afterAll, expect, test} from 'vitest';
import {execFileSync} from 'node:child_process';
import {chmodSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {killTerminals, screen, send, startCli, waitForScreen} from '../support/terminal.js';

const demoTemp = mkdtempSync(join(tmpdir(), 'pgconvoy-demo-test-'));
// Like /tmp: as root the servers run as the `postgres` user, which must reach files in here.
chmodSync(demoTemp, 0o1777);
afterAll(() => {
	killTerminals();
	rmSync(demoTemp, {recursive: true, force: true});
});

const count = (text: string) => text.replaceAll(',', '');

test('the demo reaches the wizard, syncs its data into demo-prod, and cleans up after itself', async () => {
	const started = Date.now();
	const session = startCli('demo', ['demo'], {TMPDIR: demoTemp, HOME: demoTemp}, demoTemp);
	// Flags fill in source and target: the wizard opens on the tables of demo-local → demo-prod.
	// A measurement, not a budget: on a loaded 2-core machine the servers can take minutes to start.
	const tables = await waitForScreen(session, /of 14 tables selected/, 240_000);
	console.log(`demo: wizard's first screen after ${Date.now() - started} ms`);
	expect(tables).toContain('PRODUCTION');
	expect(tables).toMatch(/systeme_intelligent/);
	expect(tables).toContain('14 of 14 tables selected');

	await send(session, 'Enter');
	await waitForScreen(session, 'How should rows be written?');
	// upsert: the second choice.
	await send(session, 'Down', 'Enter');
	const preview = await waitForScreen(session, '✓ Counted 14 tables', 240_000);
	const totals = /total\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)/.exec(preview);
	expect(totals, preview).not.toBeNull();
	const [insert, update] = [Number(count(totals![1]!)), Number(count(totals![2]!))];
	expect(insert + update).toBeGreaterThan(0);

	await send(session, 'Enter');
	// demo-prod is tagged production: the database name must be typed.
	await waitForScreen(session, /type.*systeme_intelligent|systeme_intelligent.*type/i);
	await send(session, 'systeme_intelligent', 'Enter');
	const summary = await waitForScreen(session, '✓ Committed', 240_000);
	expect(summary).toMatch(new RegExp(`total \\(14 tables\\)\\s+${totals![1]}\\s+${totals![2]}\\s`));

	await send(session, 'q');
	const after = await waitForScreen(session, /EXIT:\d+/, 120_000);
	expect(after).toContain('EXIT:0');
	expect(screen(session)).not.toMatch(/:pgconvoy@/);

	// No server process and no data directory left behind.
	const processes = execFileSync('ps', ['-eo', 'args'], {encoding: 'utf8'});
	expect(processes.split('\n').filter((line) => line.includes(demoTemp) && line.includes('postgres'))).toEqual([]);
	expect(readdirSync(demoTemp).filter((entry) => entry.startsWith('pgconvoy-'))).toEqual([]);
}, 600_000);
