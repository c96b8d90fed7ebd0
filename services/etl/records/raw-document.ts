/**
 * A raw document is one source record exactly as it was fetched. It is what the document store
 * keeps for replay, and its content hash is what change detection compares: the hash covers the
 * body only (not the fetch time or URL), so refetching unchanged data gives the same hash.
 */
import { createHash } from "node:crypto";

/** Which connector produced a document; one ETL run covers one source. */
export type SourceName = "ocd" | "openparliament" | "legisinfo";

/** What kind of item the body is, so a transform knows how to read it without guessing again. */
export type RawResource =
	| "provinces"
	| "ridings"
	| "politicians"
	| "bills"
	| "votes"
	| "ballots"
	| "legisinfo-bills";

export interface RawDocument {
	source: SourceName;
	resource: RawResource;
	/** Where the body came from: an http(s) URL, or a file: URL for local exports (with #row=N for CSV rows). */
	url: string;
	/** ISO 8601 timestamp of the fetch. */
	fetchedAt: string;
	/** sha256 (hex) of the body's canonical JSON. */
	contentHash: string;
	body: unknown;
}

/**
 * JSON with object keys sorted at every depth, so two bodies that differ only in key order (the
 * same API answer serialised twice) hash the same.
 */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	if (value !== null && typeof value === "object") {
		const sorted: Record<string, unknown> = {};
		for (const key of Object.keys(value).sort()) {
			sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
		}
		return sorted;
	}
	return value;
}

export function contentHash(body: unknown): string {
	return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

export function makeRawDocument(
	source: SourceName,
	resource: RawResource,
	url: string,
	body: unknown,
	fetchedAt: Date = new Date()
): RawDocument {
	return { source, resource, url, fetchedAt: fetchedAt.toISOString(), contentHash: contentHash(body), body };
}
