/**
 * `pgconvoy demo` stopped at each point of its start-up, as a user stops it: Ctrl-C reaches the
 * whole foreground process group (the CLI, initdb, both postgres servers), which is what
 * `kill(-pgid, 'SIGINT')` does to a detached child here; the wizard gets its Ctrl-C in tmux. Each run
 * has a private TMPDIR, and must end with 128 + the signal, no process and nothing left in it.
 * Phases are recognised by what the demo prints or creates, never by waiting a while.
 */
import {afterAll, expect, test} from 'vitest';
import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cliPath, killTerminals, screen, send, startCli, waitForScreen} from '../support/terminal.js';

const temps: string[] = [];
afterAll(() => {
	killTerminals();
	for (const temp of temps) rmSync(temp, {recursive: true, force: true});
});

function privateTemp(): string {
	const temp = mkdtempSync(join(tmpdir(), 'pgconvoy-demo-stop-'));
	// Like /tmp: as root the servers run as the `postgres` user, which must reach files in here.
	chmodSync(temp, 0o1777);
	temps.push(temp);
	return temp;
}

interface DemoRun {
	temp: string;
	child: ChildProcess;
	output: () => string;
	exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

function startDemo(args: string[] = ['--keep']): DemoRun {
	const temp = privateTemp();
	// Its own process group, as a shell gives a foreground job: a signal to -pid reaches everything it started.
	const child = spawn(process.execPath, [cliPath, 'demo', ...args], {
		cwd: temp,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {...process.env, TMPDIR: temp, HOME: temp},
	});
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exit = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
		child.on('exit', (code, signal) => resolve({code, signal})),
	);
	return {temp, child, output: () => output, exit};
}

/** Polls a state; the deadline only turns a hang into a readable failure. */
async function waitFor(what: string, ready: () => boolean, run?: DemoRun, timeoutMs = 240_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!ready()) {
		if (Date.now() > deadline)
			throw new Error(`Timed out waiting for ${what}.${run ? `\nOutput so far:\n${run.output()}` : ''}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const ctrlC = (run: DemoRun) => process.kill(-run.child.pid!, 'SIGINT');

/** Server and initdb command lines name their data directory, which is inside the run's TMPDIR. */
function processesOf(temp: string): string[] {
	return execFileSync('ps', ['-eo', 'pid,args'], {encoding: 'utf8'})
		.split('\n')
		.filter((line) => line.includes(temp) && /postgres|initdb|cli\.js/.test(line) && !line.includes('tmux'));
}

async function expectStoppedCleanly(run: DemoRun, code: number): Promise<void> {
	const exit = await run.exit;
	expect(exit, run.output()).toEqual({code, signal: null});
	expect(run.output()).not.toMatch(/Unexpected error|Unhandled|unhandled 'error'/);
	expect(processesOf(run.temp)).toEqual([]);
	expect(readdirSync(run.temp)).toEqual([]);
}

const entries = (temp: string) => readdirSync(temp);
// Each run starts two servers: on a loaded 2-core machine that can take minutes. Only a hang should fail.
const slowMachine = 300_000;

test(
	'Ctrl-C while the servers are starting: 130, no process, no directory',
	async () => {
		const run = startDemo();
		// The first data directory exists: initdb is about to run or running.
		await waitFor('a data directory', () => entries(run.temp).some((entry) => entry.startsWith('pgconvoy-pg-')), run);
		ctrlC(run);
		await expectStoppedCleanly(run, 130);
		expect(run.output()).toContain('Interrupted while starting the servers');
	},
	slowMachine,
);

test(
	'Ctrl-C while the sample data loads: 130, no crash, no process, no directory',
	async () => {
		const run = startDemo();
		await waitFor('the loading line', () => run.output().includes('Loading the school sample'), run);
		ctrlC(run);
		await expectStoppedCleanly(run, 130);
		expect(run.output()).toContain('Interrupted while loading the sample data');
	},
	slowMachine,
);

test(
	'a second Ctrl-C while the demo stops still leaves nothing behind',
	async () => {
		const run = startDemo();
		await waitFor('the loading line', () => run.output().includes('Loading the school sample'), run);
		ctrlC(run);
		await waitFor('the stopping line', () => run.output().includes('Interrupted while'), run);
		ctrlC(run);
		await expectStoppedCleanly(run, 130);
	},
	slowMachine,
);

test(
	'SIGTERM to the CLI alone (the servers do not get it) while the data loads: 143, servers stopped, nothing left',
	async () => {
		const run = startDemo();
		await waitFor('the loading line', () => run.output().includes('Loading the school sample'), run);
		run.child.kill('SIGTERM');
		await expectStoppedCleanly(run, 143);
		expect(run.output()).toContain('Interrupted while');
	},
	slowMachine,
);

test(
	'--keep prints a command that runs as printed; Ctrl-C then stops everything with 130',
	async () => {
		const run = startDemo();
		await waitFor('the --keep instructions', () => /Try, in another terminal:\n {2}(.+)\n/.test(run.output()), run);
		const command = /Try, in another terminal:\n {2}(.+)\n/.exec(run.output())![1]!;
		expect(command).not.toMatch(/^pgconvoy /);
		// As a newcomer would paste it: a POSIX shell, another directory, nothing installed globally.
		const elsewhere = privateTemp();
		const tried = spawnSync('sh', ['-c', command], {
			cwd: elsewhere,
			encoding: 'utf8',
			env: {...process.env, PATH: process.env.PATH},
		});
		expect(tried.status, `${tried.stdout}${tried.stderr}`).toBe(0);
		expect(`${tried.stdout}${tried.stderr}`).toMatch(/demo-local|systeme_intelligent/);
		// The URLs work in psql as printed, with the password from PGPASSFILE, never on screen.
		const psql = /^ {2}(PGPASSFILE=\S+ psql \S+)$/m.exec(run.output())?.[1];
		expect(psql, run.output()).toBeDefined();
		const passFile = /^ {2}PGPASSFILE=(\S+) /m.exec(run.output())![1]!;
		const password = readFileSync(passFile, 'utf8').split('\n')[0]!.split(':').at(-1)!;
		expect(run.output()).not.toContain(`:${password}@`);
		expect(run.output()).not.toContain('***');
		const queried = spawnSync('sh', ['-c', `${psql} -Atc 'SELECT count(*) > 0 FROM public.users'`], {
			cwd: elsewhere,
			encoding: 'utf8',
			env: {PATH: process.env.PATH},
		});
		expect(queried.status, `${queried.stdout}${queried.stderr}`).toBe(0);
		expect(queried.stdout.trim()).toBe('t');
		ctrlC(run);
		await expectStoppedCleanly(run, 130);
	},
	slowMachine,
);

test(
	'a closed terminal (SIGHUP) while --keep waits: 129, nothing left',
	async () => {
		const run = startDemo();
		await waitFor('the --keep instructions', () => run.output().includes('keep running until you press Ctrl-C'), run);
		process.kill(-run.child.pid!, 'SIGHUP');
		await expectStoppedCleanly(run, 129);
	},
	slowMachine,
);

test(
	'Ctrl-C in the wizard, in a real terminal: 130, no process, no directory',
	async () => {
		const temp = privateTemp();
		const session = startCli('demo-ctrl-c', ['demo'], {TMPDIR: temp, HOME: temp}, temp);
		await waitForScreen(session, /of 14 tables selected/, 240_000);
		await send(session, 'C-c');
		const after = await waitForScreen(session, /EXIT:\d+/, 120_000);
		expect(after).toContain('EXIT:130');
		expect(screen(session)).not.toMatch(/Unexpected error/);
		expect(processesOf(temp)).toEqual([]);
		expect(readdirSync(temp)).toEqual([]);
	},
	slowMachine,
);
