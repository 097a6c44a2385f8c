import type {CopyOutRows} from './copy-out-rows.js';
import {keyFieldText, type KeyWire} from '../sql/key-order.js';

/**
 * Keys kept from the diff for the apply, packed as their binary COPY fields (a length, then the
 * bytes): about 12 bytes per bigint key where `string[]` per key costs ~100, so a list of millions
 * of changed rows stays a few MB. Read back as text, a chunk at a time, for the key filters.
 */
export class KeyList {
	length = 0;
	private bytes = Buffer.allocUnsafe(4096);
	private used = 0;

	constructor(private readonly wires: readonly KeyWire[]) {}

	/** Adds the current row's key (its first fields); false for a NULL field, which no key list can match. */
	push(rows: CopyOutRows): boolean {
		const {buffer, fieldStart, fieldLength} = rows;
		let size = 0;
		for (let index = 0; index < this.wires.length; index++) {
			if (fieldLength[index]! < 0) return false;
			size += 4 + fieldLength[index]!;
		}
		if (this.used + size > this.bytes.length) {
			const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + size));
			this.bytes.copy(grown, 0, 0, this.used);
			this.bytes = grown;
		}
		for (let index = 0; index < this.wires.length; index++) {
			const length = fieldLength[index]!;
			this.bytes.writeInt32BE(length, this.used);
			const from = fieldStart[index]!;
			const to = this.used + 4;
			if (length <= 16)
				for (let offset = 0; offset < length; offset++) this.bytes[to + offset] = buffer[from + offset]!;
			else buffer.copy(this.bytes, to, from, from + length);
			this.used += 4 + length;
		}
		this.length++;
		return true;
	}

	/** The keys as text (one string per key column), `size` keys at a time. */
	*chunks(size: number): Generator<string[][]> {
		let position = 0;
		let chunk: string[][] = [];
		for (let key = 0; key < this.length; key++) {
			const values: string[] = [];
			for (const wire of this.wires) {
				const length = this.bytes.readInt32BE(position);
				values.push(keyFieldText(wire, this.bytes, position + 4, length));
				position += 4 + length;
			}
			chunk.push(values);
			if (chunk.length === size) {
				yield chunk;
				chunk = [];
			}
		}
		if (chunk.length > 0) yield chunk;
	}

	toArray(): string[][] {
		return [...this.chunks(Number.MAX_SAFE_INTEGER)].flat();
	}

	clear(): void {
		this.length = 0;
		this.used = 0;
		this.bytes = Buffer.allocUnsafe(0);
	}
}
