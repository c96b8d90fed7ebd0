/**
 * The shape of an API key as every node reads it: `op_<prefix>_<secret>`, base62. Making and
 * checking keys against their stored hash is the auth service's (services/auth/core/api-keys.ts);
 * the gateway only finds a key in a request and its lookup prefix.
 */
export const API_KEY_PREFIX_CHARS = 10;
export const API_KEY_SECRET_CHARS = 40;
const KEY_PATTERN = new RegExp(`^op_([0-9A-Za-z]{${API_KEY_PREFIX_CHARS}})_([0-9A-Za-z]{${API_KEY_SECRET_CHARS}})$`);

/** The lookup prefix of a well-formed key, or undefined, before any database work. */
export function apiKeyPrefix(presented: string): string | undefined {
	return KEY_PATTERN.exec(presented)?.[1];
}

/** Reads a key from `Authorization: ApiKey <key>` or `X-Api-Key: <key>`, as the gateway accepts both. */
export function apiKeyFromHeaders(headers: { authorization?: string; "x-api-key"?: string }): string | undefined {
	const match = /^ApiKey\s+(\S+)$/i.exec(headers.authorization?.trim() ?? "");
	return match?.[1] ?? (headers["x-api-key"]?.trim() || undefined);
}
