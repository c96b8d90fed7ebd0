/**
 * JSON with object keys sorted at every depth, and its sha256: two bodies that differ only in key
 * order (the same API answer serialised twice) hash the same. The ETL's change detection and the
 * document store's deduplication both rest on it, so they must agree: one implementation.
 */
import { createHash } from "node:crypto";

function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	// A Date serialises as its ISO string; sorting its (no) keys would turn it into {}.
	if (value !== null && typeof value === "object" && !(value instanceof Date)) {
		const sorted: Record<string, unknown> = {};
		for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
		return sorted;
	}
	return value;
}

export function canonicalJson(value: unknown): string {
	return JSON.stringify(sortKeys(value)) ?? "null";
}

/** sha256 (hex) of the canonical JSON. */
export function contentHash(value: unknown): string {
	return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
