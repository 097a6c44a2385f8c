import type {SyncEvent} from '../core/events.js';
import {formatCount, formatDuration, formatPercent, liveRate, plural} from '../present/numbers.js';
import {
	applyStart,
	phaseWords,
	previewStart,
	reduceApplyEvent,
	reducePreviewEvent,
	type ApplyProgress,
	type LiveCounts,
} from '../present/progress.js';

/** Where the line goes: a terminal's stderr in real use. */
export interface ProgressStream {
	isTTY?: boolean;
	columns?: number;
	write(text: string): unknown;
}

export interface ProgressLine {
	event(event: SyncEvent): void;
	/** Erases the line (if shown) before other output is written; it comes back on the next tick. */
	clear(): void;
	/** Erases the line for good and stops ticking. */
	stop(): void;
}

const eraseLine = '\r\u001B[2K';

const idle: ProgressLine = {event() {}, clear() {}, stop() {}};

/**
 * A one-line "still working" status on a terminal, redrawn about once a second: the table, what
 * it is doing (comparing, copying, merging) and how far it is, so a long phase never looks
 * stalled. Nothing at all when the stream is not a terminal (piped, CI log): those get only the
 * plain lines.
 */
export function createProgressLine(
	stream: ProgressStream,
	options: {intervalMs?: number; now?: () => number} = {},
): ProgressLine {
	if (!stream.isTTY) return idle;
	const now = options.now ?? (() => performance.now());
	const started = now();
	let apply: ApplyProgress = applyStart;
	let preview: LiveCounts = previewStart;
	let applying = false;
	let tables = 0;
	let shown = false;
	let timer: NodeJS.Timeout | undefined;
	let stopped = false;

	const text = (): string | undefined => {
		const elapsed = formatDuration(Math.round(now() - started));
		if (applying) {
			const done = apply.finished.length;
			const activity = apply.activity;
			if (activity) {
				const words = phaseWords[activity.phase];
				const ratio = activity.total > 0 ? ` (${formatPercent(activity.done / activity.total)})` : '';
				// Statements are few and long: their count says more than a rate would.
				const rate = words.rated
					? ` · ${liveRate(activity.done - activity.from, now() - activity.since, words.unit)}`
					: '';
				return `${activity.table} · ${words.label} ${formatCount(activity.done)} / ${formatCount(activity.total)} ${words.unit}${ratio}${rate} · ${done} of ${plural(tables, 'table')} · ${elapsed}`;
			}
			if (apply.current) return `${apply.current} · writing · ${done} of ${plural(tables, 'table')} · ${elapsed}`;
			if (apply.phase) return `${apply.phase} · ${elapsed}`;
			return `working · ${done} of ${plural(tables, 'table')} · ${elapsed}`;
		}
		const reading = preview.reading;
		if (reading) {
			const ratio = reading.keysEstimated > 0 ? ` (${formatPercent(reading.keysRead / reading.keysEstimated)})` : '';
			return `${reading.table} · comparing ${plural(reading.keysRead, 'key')}${ratio} · ${liveRate(reading.keysRead - reading.from, now() - reading.since, 'keys')} · ${elapsed}`;
		}
		if (preview.running) return `${preview.running} · comparing · ${elapsed}`;
		return undefined;
	};

	const draw = () => {
		const line = text();
		if (line === undefined) return;
		// One column short of the edge: a full-width line would wrap and leave a copy behind.
		const width = Math.max(20, (stream.columns ?? 80) - 1);
		stream.write(eraseLine + (line.length > width ? line.slice(0, width - 1) + '…' : line));
		shown = true;
	};

	return {
		event(event) {
			if (stopped) return;
			if (event.type === 'apply-started') {
				applying = true;
				tables = event.tables.length;
			}
			apply = reduceApplyEvent(apply, event, now());
			preview = reducePreviewEvent(preview, event, now());
			if (!timer) {
				timer = setInterval(draw, options.intervalMs ?? 1000);
				// Never what keeps the process alive.
				timer.unref();
			}
		},
		clear() {
			if (!shown) return;
			stream.write(eraseLine);
			shown = false;
		},
		stop() {
			stopped = true;
			if (timer) clearInterval(timer);
			timer = undefined;
			this.clear();
		},
	};
}
