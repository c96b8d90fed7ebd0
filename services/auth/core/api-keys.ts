/**
 * API keys for machines: `op_<prefix>_<secret>`, base62 so a double-click selects the whole key.
 * The prefix (10 chars, ~59 bits) is stored in clear to find the row and to show which key is which;
 * only a SHA-256 of the whole key is stored otherwise, since ~238 random bits need no slow hash.
 */
import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { API_KEY_PREFIX_CHARS, API_KEY_SECRET_CHARS, apiKeyPrefix } from "../../../access/api-key-format.ts";
import { isApiKeyScope } from "../../../access/roles.ts";
import { isValidGrant } from "../../../access/scopes.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

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
	const prefix = base62(API_KEY_PREFIX_CHARS);
	const key = `op_${prefix}_${base62(API_KEY_SECRET_CHARS)}`;
	return { key, prefix, hash: hashApiKey(key), scopes: unique };
}

/** Constant-time check of a presented key against the stored hash of the row its prefix found. */
export function verifyApiKey(presented: string, storedHash: string): boolean {
	if (apiKeyPrefix(presented) === undefined) return false;
	const expected = Buffer.from(storedHash, "hex");
	const actual = Buffer.from(hashApiKey(presented), "hex");
	return expected.length === actual.length && timingSafeEqual(expected, actual);
}
