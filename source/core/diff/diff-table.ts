import type pg from 'pg';
import {to as copyTo} from 'pg-copy-streams';
import type {SyncMode, SyncPlan, TablePlan} from '../plan/types.js';
import type {TableCounts} from '../events.js';
import {UserError} from '../errors.js';
import {copyLineBatches, unescapeCopyField} from './copy-lines.js';
import {compareIntegerText, keyColumnSql, type KeyOrder} from './key-order.js';
import {keyHashCopySql, tableFingerprintSql} from './table-diff-sql.js';

export interface TableDiff {
	counts: TableCounts;
	/** Keys (text of each key column) of the rows to copy (inserts, plus updates unless mode is insert). */
	writeKeys: string[][];
	/** Keys of target-only rows (mirror). */
	deleteKeys: string[][];
	/** False when there were more keys than maxListedKeys: then the whole table is copied instead. */
	keysListed: boolean;
}

export interface DiffOptions {
	mode: SyncMode;
	hashMethod: SyncPlan['hashMethod'];
	/** Compare contents; without it only keys are compared (enough for insert-mode writes). */
	withHashes: boolean;
	/** Keep key lists for the apply; a preview only counts. */
	keepKeys: boolean;
	maxListedKeys: number;
	/** Try the whole-table fingerprint first (needs bit_xor, PostgreSQL 14+ on both sides). */
	fingerprintShortcut: boolean;
}

interface Row {
	keys: Buffer[];
	hash: Buffer | undefined;
}

/** Reads `key..., hash` rows of one side a batch at a time, so the merge loop awaits once per chunk, not per row. */
class RowCursor {
	private batch: Buffer[] = [];
	private position = 0;
	private readonly batches: AsyncGenerator<Buffer[]>;

	constructor(stream: NodeJS.ReadableStream, private readonly keyCount: number, private readonly withHash: boolean) {
		this.batches = copyLineBatches(stream as never);
	}

	/** The current row, or undefined at the end of the stream. */
	async current(): Promise<Row | undefined> {
		while (this.position >= this.batch.length) {
			const next = await this.batches.next();
			if (next.done) return undefined;
			this.batch = next.value;
			this.position = 0;
		}
		return this.parse(this.batch[this.position]!);
	}

	advance(): void {
		this.position++;
	}

	private parse(line: Buffer): Row {
		const keys: Buffer[] = [];
		let start = 0;
		for (let index = 0; index < this.keyCount; index++) {
			const end = index === this.keyCount - 1 && !this.withHash ? line.length : line.indexOf(9, start);
			keys.push(unescapeCopyField(line.subarray(start, end)));
			start = end + 1;
		}
		return {keys, hash: this.withHash ? line.subarray(start) : undefined};
	}
}

function keyComparator(orders: KeyOrder[]): (a: Buffer[], b: Buffer[]) => number {
	return (a, b) => {
		for (let index = 0; index < orders.length; index++) {
			const result = orders[index] === 'integer' ? compareIntegerText(a[index]!, b[index]!) : Buffer.compare(a[index]!, b[index]!);
			if (result !== 0) return result;
		}
		return 0;
	};
}

async function fingerprintsMatch(plan: TablePlan, source: pg.ClientBase, target: pg.ClientBase, hashMethod: SyncPlan['hashMethod']): Promise<number | undefined> {
	const [sourceResult, targetResult] = await Promise.all([
		source.query<{rows: string; fingerprint: string}>(tableFingerprintSql(plan, 'source', hashMethod)),
		target.query<{rows: string; fingerprint: string}>(tableFingerprintSql(plan, 'target', hashMethod)),
	]);
	const a = sourceResult.rows[0]!;
	const b = targetResult.rows[0]!;
	return a.rows === b.rows && a.fingerprint === b.fingerprint ? Number(a.rows) : undefined;
}

/**
 * Exact per-table counts by streaming `key, hash` from both servers at once in the same key order
 * and merge-joining them: constant memory, no row is decoded beyond its key.
 */
export async function diffTable(plan: TablePlan, source: pg.ClientBase, target: pg.ClientBase, options: DiffOptions): Promise<TableDiff> {
	const counts: TableCounts = {table: plan.id, insert: 0, update: 0, skip: 0, delete: 0, differing: 0, sourceRows: 0, targetRows: 0};
	const result: TableDiff = {counts, writeKeys: [], deleteKeys: [], keysListed: options.keepKeys};

	if (options.withHashes && options.fingerprintShortcut) {
		const unchanged = await fingerprintsMatch(plan, source, target, options.hashMethod);
		if (unchanged !== undefined) {
			Object.assign(counts, {skip: unchanged, sourceRows: unchanged, targetRows: unchanged});
			return result;
		}
	}

	const keyOrders = plan.columns.filter((column) => column.key).map((column) => keyColumnSql(column).order);
	const compare = keyComparator(keyOrders);
	const sourceStream = source.query(copyTo(keyHashCopySql(plan, 'source', options.hashMethod, options.withHashes)));
	const targetStream = target.query(copyTo(keyHashCopySql(plan, 'target', options.hashMethod, options.withHashes)));
	// pg re-emits a dropped connection on a stream nobody reads any more.
	sourceStream.on('error', () => {});
	targetStream.on('error', () => {});
	const sourceRows = new RowCursor(sourceStream, keyOrders.length, options.withHashes);
	const targetRows = new RowCursor(targetStream, keyOrders.length, options.withHashes);
	const writesUpdates = options.mode !== 'insert';
	const deletes = options.mode === 'mirror';

	const remember = (list: string[][], row: Row) => {
		if (!result.keysListed) return;
		if (result.writeKeys.length + result.deleteKeys.length >= options.maxListedKeys) {
			// Too many to name: the apply copies the whole table instead of a key list.
			result.keysListed = false;
			result.writeKeys = [];
			result.deleteKeys = [];
			return;
		}
		list.push(row.keys.map((key) => key.toString('utf8')));
	};

	let previousSource: Buffer[] | undefined;
	let previousTarget: Buffer[] | undefined;
	const checkUnique = (previous: Buffer[] | undefined, row: Row, side: string) => {
		if (previous && compare(previous, row.keys) === 0) {
			throw new UserError('blocked', `The key (${plan.key.join(', ')}) of ${plan.id} is not unique in the ${side}: (${row.keys.map((key) => key.toString('utf8')).join(', ')}) appears twice.`, `Choose columns that identify one row: --key ${plan.id}=col1,col2`);
		}
	};

	try {
		let a = await sourceRows.current();
		let b = await targetRows.current();
		while (a || b) {
			const order = !a ? 1 : !b ? -1 : compare(a.keys, b.keys);
			if (order < 0) {
				checkUnique(previousSource, a!, 'source');
				previousSource = a!.keys;
				counts.insert++;
				counts.sourceRows++;
				remember(result.writeKeys, a!);
				sourceRows.advance();
				a = await sourceRows.current();
			} else if (order > 0) {
				checkUnique(previousTarget, b!, 'target');
				previousTarget = b!.keys;
				counts.targetRows++;
				if (deletes) {
					counts.delete++;
					remember(result.deleteKeys, b!);
				}
				targetRows.advance();
				b = await targetRows.current();
			} else {
				checkUnique(previousSource, a!, 'source');
				checkUnique(previousTarget, b!, 'target');
				previousSource = a!.keys;
				previousTarget = b!.keys;
				counts.sourceRows++;
				counts.targetRows++;
				const differs = options.withHashes && !a!.hash!.equals(b!.hash!);
				if (differs) counts.differing++;
				if (differs && writesUpdates) {
					counts.update++;
					remember(result.writeKeys, a!);
				} else counts.skip++;
				sourceRows.advance();
				targetRows.advance();
				a = await sourceRows.current();
				b = await targetRows.current();
			}
		}
	} catch (error) {
		// Leave neither connection mid-COPY: drain whatever is still streaming.
		sourceStream.destroy();
		targetStream.destroy();
		throw error;
	}
	return result;
}
