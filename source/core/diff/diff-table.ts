import type pg from 'pg';
import type {Finding, SyncMode, SyncPlan, TablePlan} from '../plan/types.js';
import type {TableCounts} from '../events.js';
import {UserError} from '../errors.js';
import {CopyOutRows, refill} from './copy-out-rows.js';
import {compareKeyField, keyColumnSql, keyFieldText, type KeyOrder, type KeyWire} from '../sql/key-order.js';
import {keyHashCopySql, tableFingerprintSql, tableProbeSql, type RowHashing} from '../sql/row-hash.js';
import {KeyList} from './key-list.js';
import {KeyDigest} from './key-digest.js';

export interface TableDiff {
	counts: TableCounts;
	/** Keys of source-only rows: the inserts. */
	insertKeys: KeyList;
	/** Keys of rows on both sides whose contents differ (empty in insert mode): the updates. */
	updateKeys: KeyList;
	/** Keys of target-only rows (mirror). */
	deleteKeys: KeyList;
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
	/** Called every `keysPerReport` keys read (both sides together), so long compares show progress. */
	onKeysRead?: (keysRead: number) => void;
}

const keysPerReport = 65_536;

/**
 * The chosen key cannot identify rows in this table's data (a NULL, or a value that repeats). The
 * preview turns it into a blocking finding for the table; the apply refuses with it (exit 4).
 */
export class KeyProblem extends UserError {
	constructor(
		readonly table: string,
		readonly findingCode: 'key-null' | 'key-not-unique',
		message: string,
		hint: string,
		flagHint: string,
	) {
		super('blocked', message, hint, {flagHint});
	}

	finding(): Finding {
		return {
			table: this.table,
			severity: 'blocking',
			code: this.findingCode,
			message: this.message,
			hint: this.hint,
			flagHint: this.flagHint,
		};
	}
}

/** The key of the row read last on one side, copied out, to catch a key that repeats. */
class PreviousKey {
	private bytes = Buffer.alloc(64);
	private readonly starts: Int32Array;
	private readonly lengths: Int32Array;
	private present = false;

	constructor(private readonly orders: KeyOrder[]) {
		this.starts = new Int32Array(orders.length);
		this.lengths = new Int32Array(orders.length);
	}

	/** Whether the current row of `rows` has the same key as the one before it; then remembers it. */
	repeats(rows: CopyOutRows): boolean {
		const {buffer, fieldStart, fieldLength} = rows;
		const count = this.orders.length;
		let same = this.present;
		for (let index = 0; same && index < count; index++) {
			if (
				compareKeyField(
					this.orders[index]!,
					this.bytes,
					this.starts[index]!,
					this.lengths[index]!,
					buffer,
					fieldStart[index]!,
					fieldLength[index]!,
				) !== 0
			)
				same = false;
		}
		let size = 0;
		for (let index = 0; index < count; index++) if (fieldLength[index]! > 0) size += fieldLength[index]!;
		if (size > this.bytes.length) this.bytes = Buffer.alloc(size * 2);
		let at = 0;
		for (let index = 0; index < count; index++) {
			const start = fieldStart[index]!;
			const length = fieldLength[index]!;
			this.starts[index] = at;
			this.lengths[index] = length;
			if (length <= 0) continue;
			if (length <= 16)
				for (let offset = 0; offset < length; offset++) this.bytes[at + offset] = buffer[start + offset]!;
			else buffer.copy(this.bytes, at, start, start + length);
			at += length;
		}
		this.present = true;
		return same;
	}
}

/**
 * Whether a key value may appear twice on one side. A unique index on the same columns, matching the
 * same way, already guarantees it cannot; a --key, or keys matched the target's way (canonical, or
 * cast from another type), may repeat.
 */
export function keyMayRepeatIn(plan: TablePlan): boolean {
	return (
		plan.keySource === '--key' ||
		plan.columns.some(
			(column) =>
				column.key &&
				(column.sourceCast !== undefined || !column.target.equalImage || column.source.type !== column.target.type),
		)
	);
}

/** Tables this large first get the two-ends probe (where the key has an index to walk). */
const probeAboveRows = 100_000;
const probeRows = 10_000;

/** Whether a server can hash bytea from SQL (hashbyteaextended, PostgreSQL 17+); asked once per connection. */
const byteaHashes = new WeakMap<pg.ClientBase, Promise<boolean>>();
function hasByteaHash(client: pg.ClientBase): Promise<boolean> {
	let answer = byteaHashes.get(client);
	if (!answer) {
		answer = client
			.query<{present: boolean}>(
				"SELECT pg_catalog.to_regprocedure('pg_catalog.hashbyteaextended(bytea,bigint)') IS NOT NULL AS present",
			)
			.then(
				(result) => result.rows[0]!.present,
				(error: unknown) => {
					byteaHashes.delete(client);
					throw error;
				},
			);
		byteaHashes.set(client, answer);
	}
	return answer;
}

/** The row hash both sides compute: per column where both servers can hash every column's exact form from SQL. */
async function rowHashing(
	hashMethod: SyncPlan['hashMethod'],
	source: pg.ClientBase,
	target: pg.ClientBase,
): Promise<RowHashing> {
	if (hashMethod === 'text') return 'text';
	const [sourceHas, targetHas] = await Promise.all([hasByteaHash(source), hasByteaHash(target)]);
	return sourceHas && targetHas ? 'columns' : 'record';
}

async function fingerprintsMatch(
	plan: TablePlan,
	source: pg.ClientBase,
	target: pg.ClientBase,
	hashing: RowHashing,
): Promise<number | undefined> {
	if (plan.keySource !== '--key' && Math.max(plan.source.estimatedRows, plan.target.estimatedRows) > probeAboveRows) {
		const [sourceProbe, targetProbe] = await Promise.all([
			source.query<{rows: string; fingerprint: string}>(tableProbeSql(plan, 'source', hashing, probeRows)),
			target.query<{rows: string; fingerprint: string}>(tableProbeSql(plan, 'target', hashing, probeRows)),
		]);
		if (
			sourceProbe.rows[0]!.rows !== targetProbe.rows[0]!.rows ||
			sourceProbe.rows[0]!.fingerprint !== targetProbe.rows[0]!.fingerprint
		)
			return undefined;
	}
	const [sourceResult, targetResult] = await Promise.all([
		source.query<{rows: string; fingerprint: string}>(tableFingerprintSql(plan, 'source', hashing)),
		target.query<{rows: string; fingerprint: string}>(tableFingerprintSql(plan, 'target', hashing)),
	]);
	const a = sourceResult.rows[0]!;
	const b = targetResult.rows[0]!;
	return a.rows === b.rows && a.fingerprint === b.fingerprint ? Number(a.rows) : undefined;
}

/**
 * Exact per-table counts by streaming `key, hash` from both servers at once in the same key order
 * and merge-joining them: constant memory, no row is decoded beyond its key.
 */
export async function diffTable(
	plan: TablePlan,
	source: pg.ClientBase,
	target: pg.ClientBase,
	options: DiffOptions,
): Promise<TableDiff> {
	const counts: TableCounts = {
		table: plan.id,
		insert: 0,
		update: 0,
		skip: 0,
		delete: 0,
		differing: 0,
		sourceRows: 0,
		targetRows: 0,
	};
	const wires: KeyWire[] = plan.columns
		.filter((column) => column.key)
		.map((column) => keyColumnSql(column, 'target').wire);
	const result: TableDiff = {
		counts,
		insertKeys: new KeyList(wires),
		updateKeys: new KeyList(wires),
		deleteKeys: new KeyList(wires),
		keysListed: options.keepKeys,
	};

	const hashing = options.withHashes ? await rowHashing(options.hashMethod, source, target) : 'text';
	if (options.withHashes && options.fingerprintShortcut) {
		const unchanged = await fingerprintsMatch(plan, source, target, hashing);
		if (unchanged !== undefined) {
			const none = new KeyDigest(0).toString();
			Object.assign(counts, {
				skip: unchanged,
				sourceRows: unchanged,
				targetRows: unchanged,
				digests: {insert: none, update: none, delete: none},
			});
			return result;
		}
	}

	const keyColumns = plan.columns.filter((column) => column.key).map((column) => keyColumnSql(column, 'target'));
	const keyCount = keyColumns.length;
	const orders: KeyOrder[] = keyColumns.map((key) => key.order);
	const fieldCount = keyCount + (options.withHashes ? 1 : 0);
	const sourceRows = source.query(
		new CopyOutRows(keyHashCopySql(plan, 'source', hashing, options.withHashes), fieldCount),
	);
	const targetRows = target.query(
		new CopyOutRows(keyHashCopySql(plan, 'target', hashing, options.withHashes), fieldCount),
	);
	const writesUpdates = options.mode !== 'insert';
	const deletes = options.mode === 'mirror';

	/** Source row against target row, by key: negative when only the source has the smaller key. */
	const compare = (): number => {
		for (let index = 0; index < keyCount; index++) {
			const order = compareKeyField(
				orders[index]!,
				sourceRows.buffer,
				sourceRows.fieldStart[index]!,
				sourceRows.fieldLength[index]!,
				targetRows.buffer,
				targetRows.fieldStart[index]!,
				targetRows.fieldLength[index]!,
			);
			if (order !== 0) return order;
		}
		return 0;
	};
	const sameHash = (): boolean => {
		const length = sourceRows.fieldLength[keyCount]!;
		if (length !== targetRows.fieldLength[keyCount]) return false;
		const a = sourceRows.buffer;
		const b = targetRows.buffer;
		const aStart = sourceRows.fieldStart[keyCount]!;
		const bStart = targetRows.fieldStart[keyCount]!;
		for (let index = 0; index < length; index++) if (a[aStart + index] !== b[bStart + index]) return false;
		return true;
	};
	const keyText = (rows: CopyOutRows): Array<string | null> =>
		wires.map((wire, index) =>
			rows.fieldLength[index]! < 0
				? null
				: keyFieldText(wire, rows.buffer, rows.fieldStart[index]!, rows.fieldLength[index]!),
		);

	const remember = (list: KeyList, rows: CopyOutRows) => {
		if (!result.keysListed) return;
		// Too many to name, or a NULL no key list can match: the apply copies the whole table instead.
		if (
			result.insertKeys.length + result.updateKeys.length + result.deleteKeys.length >= options.maxListedKeys ||
			!list.push(rows)
		) {
			result.keysListed = false;
			result.insertKeys.clear();
			result.updateKeys.clear();
			result.deleteKeys.clear();
		}
	};

	const digests = {insert: new KeyDigest(keyCount), update: new KeyDigest(keyCount), delete: new KeyDigest(keyCount)};
	const previousSource = new PreviousKey(orders);
	const previousTarget = new PreviousKey(orders);
	const keyMayRepeat = keyMayRepeatIn(plan);
	const checkUnique = (previous: PreviousKey, rows: CopyOutRows, side: string) => {
		for (let index = 0; index < keyCount; index++) {
			if (rows.fieldLength[index]! >= 0) continue;
			// NULL is never equal to NULL: the apply could neither find nor update such a row, and would insert it again.
			throw new KeyProblem(
				plan.id,
				'key-null',
				`The key (${plan.key.join(', ')}) of ${plan.id} is NULL in ${side === 'source' ? 'a source' : 'a target'} row, and NULL cannot identify a row.`,
				'Match rows on NOT NULL columns.',
				`Choose NOT NULL columns as the key: --key ${plan.id}=col1,col2`,
			);
		}
		if (keyMayRepeat && previous.repeats(rows)) {
			throw new KeyProblem(
				plan.id,
				'key-not-unique',
				`The key (${plan.key.join(', ')}) of ${plan.id} is not unique in the ${side}: (${keyText(rows)
					.map((key) => key ?? 'NULL')
					.join(', ')}) appears twice.`,
				'Match rows on columns that identify one row.',
				`Choose columns that identify one row: --key ${plan.id}=col1,col2`,
			);
		}
	};

	try {
		// `next() || await refill()`: a row already received costs no await.
		let a = sourceRows.next() || (await refill(sourceRows));
		let b = targetRows.next() || (await refill(targetRows));
		let nextReport = keysPerReport;
		while (a || b) {
			if (options.onKeysRead && counts.sourceRows + counts.targetRows >= nextReport) {
				options.onKeysRead(counts.sourceRows + counts.targetRows);
				nextReport += keysPerReport;
			}
			const order = !a ? 1 : !b ? -1 : compare();
			if (order < 0) {
				checkUnique(previousSource, sourceRows, 'source');
				counts.insert++;
				digests.insert.add(sourceRows);
				counts.sourceRows++;
				remember(result.insertKeys, sourceRows);
				a = sourceRows.next() || (await refill(sourceRows));
			} else if (order > 0) {
				checkUnique(previousTarget, targetRows, 'target');
				counts.targetRows++;
				if (deletes) {
					counts.delete++;
					digests.delete.add(targetRows);
					remember(result.deleteKeys, targetRows);
				}
				b = targetRows.next() || (await refill(targetRows));
			} else {
				checkUnique(previousSource, sourceRows, 'source');
				checkUnique(previousTarget, targetRows, 'target');
				counts.sourceRows++;
				counts.targetRows++;
				const differs = options.withHashes && !sameHash();
				if (differs) {
					counts.differing++;
					digests.update.add(sourceRows);
				}
				if (differs && writesUpdates) {
					counts.update++;
					remember(result.updateKeys, sourceRows);
				} else counts.skip++;
				a = sourceRows.next() || (await refill(sourceRows));
				b = targetRows.next() || (await refill(targetRows));
			}
		}
	} catch (error) {
		// Leave neither connection mid-COPY: read and drop whatever is still streaming.
		sourceRows.abandon();
		targetRows.abandon();
		throw error;
	}
	counts.digests = {
		insert: digests.insert.toString(),
		update: digests.update.toString(),
		delete: digests.delete.toString(),
	};
	return result;
}
