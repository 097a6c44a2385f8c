import {
	chmodSync,
	closeSync,
	createReadStream,
	existsSync,
	fsyncSync,
	mkdirSync,
	openSync,
	readdirSync,
	readSync,
	renameSync,
	rmSync,
	statSync,
} from 'node:fs';
import {join} from 'node:path';
import {createGunzip} from 'node:zlib';
import {
	journalMagic,
	readFrames,
	type Frame,
	type JournalEntry,
	type JournalRun,
	type JournalState,
} from './journal-format.js';

const suffixes: Record<JournalState, string> = {pending: '.pending', committed: '.journal'};
/** Journals kept per target database unless configured otherwise (PGCONVOY_JOURNAL_KEEP, --keep-journals). */
export const defaultJournalRetention = 20;

/** The journal directory under pgconvoy's config directory, created 0700 (it holds row data). */
export function journalDirectory(configDirectory: string): string {
	const directory = join(configDirectory, 'journal');
	mkdirSync(directory, {recursive: true, mode: 0o700});
	chmodSync(directory, 0o700);
	removeOrphanBodies(directory);
	return directory;
}

export function journalFile(directory: string, id: string, state: JournalState): string {
	return join(directory, `${id}${suffixes[state]}`);
}

/** Reads the first line only: a journal's run, without decompressing its rows. */
export function readJournalRun(file: string): JournalRun {
	const descriptor = openSync(file, 'r');
	try {
		let text = '';
		const buffer = Buffer.alloc(64 * 1024);
		for (let position = 0; ; ) {
			const read = readSync(descriptor, buffer, 0, buffer.length, position);
			if (read === 0) break;
			const newline = buffer.subarray(0, read).indexOf(10);
			text += buffer.subarray(0, newline >= 0 ? newline : read).toString('utf8');
			if (newline >= 0) break;
			position += read;
		}
		if (!text.startsWith(journalMagic)) throw new Error(`${file} is not a pgconvoy journal`);
		return JSON.parse(text.slice(journalMagic.length)) as JournalRun;
	} finally {
		closeSync(descriptor);
	}
}

/** The frames of a journal's body (after its first line), decompressed as they are read. */
export function journalFrames(file: string): AsyncGenerator<Frame> {
	const headerBytes = Buffer.byteLength(journalMagic + JSON.stringify(readJournalRun(file))) + 1;
	return readFrames(createReadStream(file, {start: headerBytes}).pipe(createGunzip()));
}

/**
 * Every journal in the directory, newest first. Files named as journals whose first line cannot be
 * read (cut short, edited) are skipped and their names pushed onto `unreadable`, for the caller to say so.
 */
export function listJournals(directory: string, unreadable?: string[]): JournalEntry[] {
	let names: string[];
	try {
		names = readdirSync(directory);
	} catch {
		return [];
	}
	const entries: JournalEntry[] = [];
	for (const name of names) {
		const state = (Object.keys(suffixes) as JournalState[]).find((candidate) => name.endsWith(suffixes[candidate]));
		if (!state) continue;
		const file = join(directory, name);
		try {
			entries.push({run: readJournalRun(file), state, file, bytes: statSync(file).size});
		} catch {
			// A partial write of a killed process, or a foreign file: not a run.
			unreadable?.push(file);
		}
	}
	return entries.sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt) || b.run.id.localeCompare(a.run.id));
}

/**
 * Moves a journal to another state by renaming it, durably (the directory is fsynced too). Another
 * command may have moved it first (a history settling it while the run still waited for COMMIT's
 * reply): then it is already there, and that is no error.
 */
export function moveJournal(entry: Pick<JournalEntry, 'file' | 'run'>, directory: string, state: JournalState): string {
	const file = journalFile(directory, entry.run.id, state);
	try {
		renameSync(entry.file, file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(file)) throw error;
	}
	syncDirectory(directory);
	return file;
}

/**
 * A journal's rows while its run still writes them: `<id>.pending.<pid>.body`. The pid tells a
 * live run's from one a killed process left behind (which COMMIT never followed: it is removed).
 */
export function bodyFile(directory: string, id: string): string {
	return `${journalFile(directory, id, 'pending')}.${process.pid}.body`;
}

/** Removes bodies whose process is gone: row data of runs that never reached COMMIT. */
export function removeOrphanBodies(directory: string): void {
	let names: string[];
	try {
		names = readdirSync(directory);
	} catch {
		return;
	}
	for (const name of names) {
		const pid = /\.pending\.(\d+)\.body$/.exec(name)?.[1];
		if (pid && !processAlive(Number(pid))) rmSync(join(directory, name), {force: true});
	}
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: it exists, under another user.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export function removeJournal(file: string, directory: string): void {
	rmSync(file, {force: true});
	syncDirectory(directory);
}

export function syncDirectory(directory: string): void {
	const descriptor = openSync(directory, 'r');
	try {
		fsyncSync(descriptor);
	} finally {
		closeSync(descriptor);
	}
}

/**
 * Runs taken back: a committed undo names the run it undid, unless that undo was itself undone
 * (then the run's changes are back, and it can be undone again).
 */
export function undoneRuns(entries: JournalEntry[]): Map<string, string> {
	const undos = new Map<string, string[]>();
	for (const entry of entries)
		if (entry.state === 'committed' && entry.run.undoes)
			undos.set(entry.run.undoes, [...(undos.get(entry.run.undoes) ?? []), entry.run.id]);
	const memo = new Map<string, string | undefined>();
	const undoneBy = (id: string, depth = 0): string | undefined => {
		if (memo.has(id)) return memo.get(id);
		const by = depth > 100 ? undefined : (undos.get(id) ?? []).find((undo) => undoneBy(undo, depth + 1) === undefined);
		memo.set(id, by);
		return by;
	};
	const result = new Map<string, string>();
	for (const entry of entries) {
		const by = undoneBy(entry.run.id);
		if (by) result.set(entry.run.id, by);
	}
	return result;
}

/** Keeps the newest `keep` committed journals of one target database; older ones are removed. */
export function pruneJournals(directory: string, targetIdentity: string, keep: number): string[] {
	const old = listJournals(directory)
		.filter((entry) => entry.state === 'committed' && entry.run.targetIdentity === targetIdentity)
		.slice(Math.max(keep, 0));
	for (const entry of old) rmSync(entry.file, {force: true});
	if (old.length > 0) syncDirectory(directory);
	return old.map((entry) => entry.run.id);
}
