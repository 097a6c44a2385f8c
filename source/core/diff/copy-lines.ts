import type {Readable} from 'node:stream';

/**
 * Splits a COPY text stream into its lines as Buffers, a chunk's worth at a time. COPY chunks do not
 * align with rows, so the partial last line of a chunk is carried into the next one.
 */
export async function* copyLineBatches(stream: Readable): AsyncGenerator<Buffer[]> {
	let carry: Buffer | undefined;
	for await (const chunk of stream as AsyncIterable<Buffer>) {
		const data = carry ? Buffer.concat([carry, chunk]) : chunk;
		const lines: Buffer[] = [];
		let start = 0;
		let newline = data.indexOf(10, start);
		while (newline !== -1) {
			lines.push(data.subarray(start, newline));
			start = newline + 1;
			newline = data.indexOf(10, start);
		}
		carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
		if (lines.length > 0) yield lines;
	}
	if (carry && carry.length > 0) yield [carry];
}

const escapes: Record<number, number> = {0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11};

/** Undoes COPY text escaping of one field (backslash sequences), so bytes compare as the server sorted them. */
export function unescapeCopyField(field: Buffer): Buffer {
	if (field.indexOf(0x5c) === -1) return field;
	const out = Buffer.allocUnsafe(field.length);
	let length = 0;
	for (let index = 0; index < field.length; index++) {
		const byte = field[index]!;
		if (byte !== 0x5c || index + 1 >= field.length) {
			out[length++] = byte;
			continue;
		}
		const next = field[++index]!;
		if (next in escapes) out[length++] = escapes[next]!;
		else if (next >= 0x30 && next <= 0x37) {
			let value = next - 0x30;
			for (let digits = 1; digits < 3 && field[index + 1]! >= 0x30 && field[index + 1]! <= 0x37; digits++) value = value * 8 + field[++index]! - 0x30;
			out[length++] = value & 0xff;
		} else if (next === 0x78 && isHex(field[index + 1])) {
			let value = hexValue(field[++index]!);
			if (isHex(field[index + 1])) value = value * 16 + hexValue(field[++index]!);
			out[length++] = value;
		} else out[length++] = next;
	}
	return out.subarray(0, length);
}

function isHex(byte: number | undefined): boolean {
	return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
}

function hexValue(byte: number): number {
	return byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x61 + 10;
}
