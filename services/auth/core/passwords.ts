/**
 * Argon2id password hashes in the PHC string format
 * (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, unpadded standard base64) that other argon2
 * libraries read too, so a later move to another implementation keeps every stored hash.
 */
import { argon2, randomBytes, timingSafeEqual } from "node:crypto";

export interface Argon2Params {
	/** Memory in KiB. */
	memoryKiB: number;
	passes: number;
	parallelism: number;
	saltBytes: number;
	hashBytes: number;
}

/** OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane). */
export const DEFAULT_ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({
	memoryKiB: 19_456,
	passes: 2,
	parallelism: 1,
	saltBytes: 16,
	hashBytes: 32
});

/**
 * Limits on what a stored hash may ask for: a hash string is data, and a tampered row must not be
 * able to make one login allocate gigabytes or spin for minutes.
 */
const MAX_MEMORY_KIB = 1_048_576;
const MAX_PASSES = 64;
const MAX_PARALLELISM = 16;

const ARGON2_VERSION = 19;
const PHC_PATTERN = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export class PasswordHashFormatError extends Error {
	override name = "PasswordHashFormatError";
}

interface ParsedHash {
	version: number;
	params: Argon2Params;
	salt: Buffer;
	hash: Buffer;
}

/** The same password typed on different keyboards or pasted from a composed form hashes the same. */
export function normalizePassword(password: string): string {
	return password.normalize("NFKC");
}

function derive(password: string, salt: Buffer, params: Argon2Params): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		argon2(
			"argon2id",
			{
				message: normalizePassword(password),
				nonce: salt,
				memory: params.memoryKiB,
				passes: params.passes,
				parallelism: params.parallelism,
				tagLength: params.hashBytes
			},
			(error, key) => (error ? reject(error) : resolve(key))
		);
	});
}

function b64(bytes: Buffer): string {
	return bytes.toString("base64").replace(/=+$/, "");
}

function parseHash(encoded: string): ParsedHash {
	const match = PHC_PATTERN.exec(encoded);
	if (!match) throw new PasswordHashFormatError("not an argon2id PHC string");
	const [, v, m, t, p, saltText, hashText] = match.map((part) => part ?? "");
	const salt = Buffer.from(saltText ?? "", "base64");
	const hash = Buffer.from(hashText ?? "", "base64");
	const params: Argon2Params = {
		memoryKiB: Number(m),
		passes: Number(t),
		parallelism: Number(p),
		saltBytes: salt.length,
		hashBytes: hash.length
	};
	if (Number(v) !== ARGON2_VERSION) throw new PasswordHashFormatError(`unsupported argon2 version ${v}`);
	if (
		params.memoryKiB < 8 * params.parallelism ||
		params.memoryKiB > MAX_MEMORY_KIB ||
		params.passes < 1 ||
		params.passes > MAX_PASSES ||
		params.parallelism < 1 ||
		params.parallelism > MAX_PARALLELISM ||
		salt.length < 8 ||
		hash.length < 16
	) {
		throw new PasswordHashFormatError("argon2 parameters out of range");
	}
	return { version: Number(v), params, salt, hash };
}

export async function hashPassword(password: string, params: Argon2Params = DEFAULT_ARGON2_PARAMS): Promise<string> {
	const salt = randomBytes(params.saltBytes);
	const hash = await derive(password, salt, params);
	return `$argon2id$v=${ARGON2_VERSION}$m=${params.memoryKiB},t=${params.passes},p=${params.parallelism}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Throws `PasswordHashFormatError` for a stored value that is not a usable hash: that is a broken
 * row to report, not a wrong password.
 */
export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
	const stored = parseHash(encoded);
	const candidate = await derive(password, stored.salt, stored.params);
	return timingSafeEqual(candidate, stored.hash);
}

/** True when the stored hash is weaker than `current` (or unreadable), so a successful login re-hashes. */
export function needsRehash(encoded: string, current: Argon2Params = DEFAULT_ARGON2_PARAMS): boolean {
	let stored: ParsedHash;
	try {
		stored = parseHash(encoded);
	} catch {
		return true;
	}
	const p = stored.params;
	return (
		p.memoryKiB < current.memoryKiB ||
		p.passes < current.passes ||
		p.parallelism !== current.parallelism ||
		p.saltBytes < current.saltBytes ||
		p.hashBytes < current.hashBytes
	);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against the user's hash, or, for an unknown email, against a throwaway hash made with the
 * same parameters, so both answers cost one argon2 run and timing does not reveal who has an account.
 */
export async function verifyPasswordOrDummy(encoded: string | undefined, password: string): Promise<boolean> {
	if (encoded !== undefined) return verifyPassword(encoded, password);
	dummyHash ??= hashPassword(randomBytes(32).toString("base64url"));
	await verifyPassword(await dummyHash, password);
	return false;
}
