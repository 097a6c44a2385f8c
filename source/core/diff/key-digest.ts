import type {CopyOutRows} from './copy-out-rows.js';

/**
 * An order-sensitive 64-bit digest of a sequence of keys (two FNV-1a lanes with different offsets
 * over each key field's length and bytes), fed in key order by the diff: equal digests mean the
 * same keys. It is what the drift guard compares, so "delete 5" of ids 301–305 is not taken for
 * "delete 5" of 302–306. Cheap (a few ns a byte) because it runs on every row the sync writes;
 * not a defence against a crafted collision, which nobody has a reason to make here.
 */
export class KeyDigest {
	private a = 0x811c9dc5;
	private b = 0x01000193 ^ 0x5bd1e995;

	constructor(private readonly keyCount: number) {}

	add(rows: CopyOutRows): void {
		const {buffer, fieldStart, fieldLength} = rows;
		let a = this.a;
		let b = this.b;
		for (let field = 0; field < this.keyCount; field++) {
			const length = fieldLength[field]!;
			// The length first, so ("ab","c") and ("a","bc") differ; NULL is -1.
			a = Math.imul(a ^ (length & 0xff), 0x01000193);
			b = Math.imul(b ^ ((length >>> 8) & 0xff), 0x01000193);
			const start = fieldStart[field]!;
			for (let offset = 0; offset < length; offset++) {
				const byte = buffer[start + offset]!;
				a = Math.imul(a ^ byte, 0x01000193);
				b = Math.imul(b ^ byte, 0x01000193) ^ (a >>> 15);
			}
		}
		this.a = a;
		this.b = b;
	}

	/** 16 hex digits. */
	toString(): string {
		return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
	}
}
