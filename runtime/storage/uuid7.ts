/**
 * Time-ordered UUIDs (RFC 9562 version 7), monotonic within the process: the document stores sort
 * by (time, id), so events written in the same millisecond keep their order on both backends.
 */
import { randomBytes } from "node:crypto";

let lastMs = 0;
let counter = 0;

// Random bits drawn 4 kB at a time: one randomBytes(16) per id was 4 % of the ETL benchmark's CPU
// profile (1M raw documents, before ballots were stored per page), mostly the call's own overhead.
const POOL_BYTES = 4_096;
let pool = Buffer.alloc(0);
let poolAt = POOL_BYTES;

function random16(): Buffer {
	if (poolAt + 16 > pool.length) {
		pool = randomBytes(POOL_BYTES);
		poolAt = 0;
	}
	const bytes = Buffer.from(pool.subarray(poolAt, poolAt + 16));
	poolAt += 16;
	return bytes;
}

export function uuid7(now = Date.now()): string {
	let ms = Math.max(now, lastMs);
	if (ms === lastMs) {
		counter++;
		// 12 bits of counter per millisecond; past that, borrow the next millisecond.
		if (counter > 0xfff) {
			ms++;
			counter = 0;
		}
	} else {
		counter = 0;
	}
	lastMs = ms;
	const bytes = random16();
	bytes.writeUIntBE(ms, 0, 6);
	bytes[6] = 0x70 | (counter >> 8);
	bytes[7] = counter & 0xff;
	bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
	const hex = bytes.toString("hex");
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
