import type {Endpoint} from '../core/connection/endpoint.js';
import type {DatabaseSummary, TableChoice} from '../core/session/sync-session.js';
import type {TableSelection} from '../core/plan/select-tables.js';
import type {SyncOptions, SyncPlan} from '../core/plan/types.js';
import type {PreviewResult, SyncEventListener, SyncResult} from '../core/events.js';
import type {UserError} from '../core/errors.js';
import type {JournalEntry} from '../core/journal/journal-format.js';
import type {SettledJournals} from '../core/journal/settle-journals.js';
import type {UndoPreview, UndoResult} from '../core/journal/undo-run.js';

/** The part of SyncSession the wizard drives; tests hand in fakes with the same shape. */
export interface WizardSession {
	tableChoices(keys?: Record<string, string[]>): TableChoice[];
	plan(selection: TableSelection, options: SyncOptions): SyncPlan;
	preview(plan: SyncPlan, listeners: {onEvent?: SyncEventListener; signal?: AbortSignal}): Promise<PreviewResult>;
	apply(
		plan: SyncPlan,
		listeners: {expected?: PreviewResult; rehearse?: boolean; onEvent?: SyncEventListener; signal?: AbortSignal},
	): Promise<SyncResult>;
	close(): Promise<void>;
}

/** A target's journaled runs, newest first, and which of them are undone (run id → the undo's id). */
export interface TargetHistory {
	entries: JournalEntry[];
	undone: Map<string, string>;
	/** Runs a killed process had left pending, settled just now. */
	settled?: SettledJournals;
}

/** One line of the source/target pickers: a saved profile, an env-detected URL, or one that failed to parse. */
export interface EndpointCandidate {
	key: string;
	/** `profile prod`, `DATABASE_URL_LOCAL`… */
	label: string;
	endpoint?: Endpoint;
	/** DATABASE_URL_LOCAL: where rows come from by default, so never offered as a target. */
	sourceDefault?: boolean;
	/** Why this candidate cannot be used (a malformed URL in the environment, a broken profile). */
	error?: UserError;
}

/** Everything the wizard needs from the outside world, injected so the UI is testable without databases. */
export interface WizardServices {
	/** Saved profiles first, then DATABASE_URL_LOCAL / DATABASE_URL_PROD. */
	endpointCandidates(): EndpointCandidate[];
	/** A typed URL (or profile name) → endpoint; throws UserError. */
	parseEndpoint(value: string, origin: string): Endpoint;
	/** Fills in the password from its source (env, pgpass, stored, or the one typed into the wizard). */
	resolvePassword(endpoint: Endpoint): Promise<Endpoint>;
	inspect(endpoint: Endpoint, role: 'source' | 'target'): Promise<DatabaseSummary>;
	openSession(source: Endpoint, target: Endpoint): Promise<WizardSession>;
	/** The target's journaled runs; its pending ones are settled first. */
	history(target: Endpoint): Promise<TargetHistory>;
	/** What undoing run `id` would do on `target`, rows changed since included; nothing is written. */
	previewUndo(target: Endpoint, id: string): Promise<UndoPreview>;
	/** Undoes run `id` in one transaction on `target` (journaled itself); refuses rows changed since. */
	undo(target: Endpoint, id: string, signal: AbortSignal): Promise<UndoResult>;
	/** Writes the JSON report into the working directory and returns the full path written. */
	saveReport(document: unknown): Promise<string>;
}
