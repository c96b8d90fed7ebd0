/**
 * API keys for machines: `op_<prefix>_<secret>`, base62 so a double-click selects the whole key.
 * The prefix (10 chars, ~59 bits) is stored in clear to find the row and to show which key is which;
 * only a SHA-256 of the whole key is stored otherwise, since ~238 random bits need no slow hash.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { isApiKeyScope } from "./roles.ts";
import { isValidGrant } from "./scopes.ts";

export { hasScope } from "./scopes.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_CHARS = 10;
const SECRET_CHARS = 40;
const KEY_PATTERN = new RegExp(`^op_([0-9A-Za-z]{${PREFIX_CHARS}})_([0-9A-Za-z]{${SECRET_CHARS}})$`);

export class ApiKeyScopeError extends Error {
	override name = "ApiKeyScopeError";
}

export interface NewApiKey {
	/** Shown to its creator once, never stored. */
	key: string;
	prefix: string;
	hash: string;
	scopes: string[];
}

function base62(length: number): string {
	let out = "";
	for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
	return out;
}

export function hashApiKey(key: string): string {
	return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Throws `ApiKeyScopeError` naming every scope that is malformed or not grantable to a key. */
export function createApiKey(scopes: readonly string[]): NewApiKey {
	const unique = [...new Set(scopes)];
	if (unique.length === 0) throw new ApiKeyScopeError("an API key needs at least one scope");
	const bad = unique.filter((scope) => !isValidGrant(scope) || !isApiKeyScope(scope));
	if (bad.length > 0) throw new ApiKeyScopeError(`scopes not grantable to an API key: ${bad.join(", ")}`);
	const prefix = base62(PREFIX_CHARS);
	const key = `op_${prefix}_${base62(SECRET_CHARS)}`;
	return { key, prefix, hash: hashApiKey(key), scopes: unique };
}

/** The lookup prefix of a well-formed key, or undefined, before any database work. */
export function apiKeyPrefix(presented: string): string | undefined {
	return KEY_PATTERN.exec(presented)?.[1];
}

/** Constant-time check of a presented key against the stored hash of the row its prefix found. */
export function verifyApiKey(presented: string, storedHash: string): boolean {
	if (apiKeyPrefix(presented) === undefined) return false;
	const expected = Buffer.from(storedHash, "hex");
	const actual = Buffer.from(hashApiKey(presented), "hex");
	return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Reads a key from `Authorization: ApiKey <key>` or `X-Api-Key: <key>`, as the gateway accepts both. */
export function apiKeyFromHeaders(headers: { authorization?: string; "x-api-key"?: string }): string | undefined {
	const match = /^ApiKey\s+(\S+)$/i.exec(headers.authorization?.trim() ?? "");
	return match?.[1] ?? (headers["x-api-key"]?.trim() || undefined);
}
