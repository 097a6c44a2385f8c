import type {ApplyPhase, SyncEvent, TableCounts, TableResult} from '../core/events.js';

/*
 * Engine events folded into "where the work stands", for anything that shows progress: the
 * wizard's bars and headless mode's progress line read the same state.
 */

export interface ApplyProgress {
	/** The transaction is open and the tables are locked. */
	started: boolean;
	/** Rows written so far per table (copied and merged; deletes count when the table finishes). */
	written: Record<string, number>;
	/** Rows each table will write, as announced when it starts. */
	toWrite: Record<string, number>;
	current?: string;
	finished: TableResult[];
	phase?: 'deleting' | 'sequences' | 'committing';
	/** What the current table is busy with (comparing, copying, merging) and how far it got. */
	activity?: Activity;
}

/** One phase of one table's apply; `since` and `from` date its start, so its own rate can be shown. */
export interface Activity {
	table: string;
	phase: ApplyPhase;
	done: number;
	total: number;
	since: number;
	from: number;
	at: number;
}

/** Folds a progress report into the running activity: a new table or phase starts a new one. */
export function nextActivity(
	previous: Activity | undefined,
	table: string,
	phase: ApplyPhase,
	done: number,
	total: number,
	now: number,
): Activity {
	if (previous && previous.table === table && previous.phase === phase && done >= previous.done)
		return {...previous, done, total, at: now};
	return {table, phase, done, total, since: now, from: done, at: now};
}

export const applyStart: ApplyProgress = {started: false, written: {}, toWrite: {}, finished: []};

export function rowsOf(result: TableResult): number {
	return result.inserted + result.updated + result.deleted;
}

export function reduceApplyEvent(progress: ApplyProgress, event: SyncEvent, now = performance.now()): ApplyProgress {
	switch (event.type) {
		case 'apply-table-activity':
			return {
				...progress,
				current: event.table,
				activity: nextActivity(progress.activity, event.table, event.phase, event.done, event.total, now),
			};
		case 'apply-started':
			return {...progress, started: true};
		case 'apply-table-started':
			return {
				...progress,
				current: event.table,
				activity: undefined,
				toWrite: {...progress.toWrite, [event.table]: event.rowsToWrite},
				written: {...progress.written, [event.table]: 0},
			};
		case 'apply-table-progress':
			return {
				...progress,
				toWrite: {...progress.toWrite, [event.table]: event.rowsToWrite},
				written: {...progress.written, [event.table]: event.rowsWritten},
			};
		case 'apply-table-finished':
			return {
				...progress,
				current: progress.current === event.result.table ? undefined : progress.current,
				activity: undefined,
				written: {...progress.written, [event.result.table]: rowsOf(event.result)},
				finished: [...progress.finished, event.result],
			};
		case 'apply-phase':
			return {...progress, current: undefined, activity: undefined, phase: event.phase};
		default:
			return progress;
	}
}

export interface LiveCounts {
	counts: Record<string, TableCounts>;
	/** The table whose diff is running now. */
	running?: string;
	/** Keys read so far by the running compare, and since when, for its rate. */
	reading?: {table: string; keysRead: number; keysEstimated: number; since: number; from: number; at: number};
}

export const previewStart: LiveCounts = {counts: {}};

export function reducePreviewEvent(live: LiveCounts, event: SyncEvent, now = performance.now()): LiveCounts {
	if (event.type === 'preview-table-started') return {counts: live.counts, running: event.table};
	if (event.type === 'preview-table-progress') {
		const previous =
			live.reading?.table === event.table && event.keysRead >= live.reading.keysRead ? live.reading : undefined;
		return {
			...live,
			running: event.table,
			reading: {
				table: event.table,
				keysRead: event.keysRead,
				keysEstimated: event.keysEstimated,
				since: previous?.since ?? now,
				from: previous?.from ?? event.keysRead,
				at: now,
			},
		};
	}
	if (event.type === 'preview-table-finished') {
		const done = live.running === event.counts.table;
		return {
			counts: {...live.counts, [event.counts.table]: event.counts},
			...(done ? {} : {running: live.running, ...(live.reading ? {reading: live.reading} : {})}),
		};
	}
	return live;
}

/**
 * What each phase of a table's apply counts, and how it is named on the bar. Merging runs a few long
 * statements: a per-second rate of those would read "0 statements/s", so it has none.
 */
export const phaseWords: Record<ApplyPhase, {label: string; unit: string; one: string; rated: boolean}> = {
	comparing: {label: 'comparing', unit: 'keys', one: 'key', rated: true},
	copying: {label: 'copying', unit: 'rows', one: 'row', rated: true},
	merging: {label: 'merging', unit: 'statements', one: 'statement', rated: false},
};

/**
 * How far one table's writing is, 0 to 1: its rows written, or, before they count, its phases
 * (staging rows, then merging them) so a big table's bar moves while it is staged and merged.
 */
export function tableRatio(
	written: number,
	toWrite: number,
	activity?: Pick<Activity, 'phase' | 'done' | 'total'>,
): number {
	const writtenRatio = toWrite > 0 ? Math.min(1, written / toWrite) : 0;
	if (!activity || activity.total <= 0) return writtenRatio;
	const phaseRatio = Math.min(1, activity.done / activity.total);
	const staged =
		activity.phase === 'copying' ? phaseRatio / 2 : activity.phase === 'merging' ? 0.5 + phaseRatio / 2 : 0;
	return Math.max(writtenRatio, staged);
}
