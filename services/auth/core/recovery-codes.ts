/**
 * Single-use recovery codes for when the authenticator is lost. Each is 80 random bits written as four
 * groups of four Crockford base32 characters (no I, L, O, U), read aloud or typed without confusion.
 * 80 bits make a plain SHA-256 safe to store: nobody searches that space even with the hashes in hand.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const CODE_CHARS = 16;

export interface StoredRecoveryCode {
	hash: string;
	/** Milliseconds since the epoch; null while unused. */
	usedAt: number | null;
}

function randomCode(): string {
	const bytes = randomBytes(CODE_CHARS * 5 / 8);
	let bits = 0n;
	for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
	let chars = "";
	for (let i = 0; i < CODE_CHARS; i++) {
		chars = (ALPHABET[Number(bits & 31n)] ?? "") + chars;
		bits >>= 5n;
	}
	return chars.match(/.{4}/g)?.join("-") ?? chars;
}

/** Folds what people type (case, spaces, dashes, I/L for 1, O for 0) to the canonical characters. */
export function normalizeRecoveryCode(input: string): string | undefined {
	const folded = input
		.toLowerCase()
		.replace(/[\s-]/g, "")
		.replace(/[il]/g, "1")
		.replace(/o/g, "0");
	return folded.length === CODE_CHARS && [...folded].every((c) => ALPHABET.includes(c)) ? folded : undefined;
}

export function hashRecoveryCode(code: string): string {
	const normalized = normalizeRecoveryCode(code);
	if (normalized === undefined) throw new Error("not a recovery code");
	return createHash("sha256").update(normalized).digest("hex");
}

/** Fresh codes: show `codes` to the user once, store `stored`. Replaces any previous set. */
export function createRecoveryCodes(count = RECOVERY_CODE_COUNT): { codes: string[]; stored: StoredRecoveryCode[] } {
	const codes = Array.from({ length: count }, randomCode);
	return { codes, stored: codes.map((code) => ({ hash: hashRecoveryCode(code), usedAt: null })) };
}

export type RecoveryRedemption =
	/** Persist `stored` (with this code marked used) before letting the user in. */
	| { ok: true; stored: StoredRecoveryCode[]; remaining: number }
	| { ok: false; reason: "malformed" | "no-match" | "already-used" };

export function redeemRecoveryCode(stored: readonly StoredRecoveryCode[], presented: string, now: number): RecoveryRedemption {
	if (normalizeRecoveryCode(presented) === undefined) return { ok: false, reason: "malformed" };
	const candidate = Buffer.from(hashRecoveryCode(presented), "hex");
	let index = -1;
	stored.forEach((entry, i) => {
		const hash = Buffer.from(entry.hash, "hex");
		if (hash.length === candidate.length && timingSafeEqual(hash, candidate) && index === -1) index = i;
	});
	const match = stored[index];
	if (!match) return { ok: false, reason: "no-match" };
	if (match.usedAt !== null) return { ok: false, reason: "already-used" };
	const next = stored.map((entry, i) => (i === index ? { ...entry, usedAt: now } : { ...entry }));
	return { ok: true, stored: next, remaining: next.filter((entry) => entry.usedAt === null).length };
}
