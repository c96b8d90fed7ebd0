/** Checksums of raw document bodies, equal for equal content whatever the key order. */
import { createHash } from "node:crypto";

function canonical(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(canonical);
	if (value && typeof value === "object" && !(value instanceof Date)) {
		const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
	}
	return value;
}

export function bodyChecksum(body: unknown): string {
	return createHash("sha256").update(JSON.stringify(canonical(body)) ?? "null").digest("hex");
}
