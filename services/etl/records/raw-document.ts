/**
 * A raw document is one source record exactly as it was fetched. It is what the document store
 * keeps for replay, and its content hash is what change detection compares: the hash covers the
 * body only (not the fetch time or URL), so refetching unchanged data gives the same hash.
 *
 * A list page kept as received (`text`: a page of ballots is megabytes) is hashed as those bytes:
 * canonicalising it cost half a second per million ballots, and a page that comes back with only its
 * key order changed is at worst stored once more (row-level change detection still writes nothing).
 */
import { hash } from "node:crypto";
import { contentHash } from "../../../runtime/canonical-json.ts";

/** Which connector produced a document; one ETL run covers one source. */
export type SourceName = "ocd" | "openparliament" | "legisinfo" | "ourcommons";

/** What kind of item the body is, so a transform knows how to read it without guessing again. */
export type RawResource =
	| "provinces"
	| "ridings"
	| "politicians"
	| "bills"
	| "votes"
	| "ballots"
	| "legisinfo-bills"
	/** ourcommons.ca: the members list, the list of divisions (English, French) and one division's ballots. */
	| "ourcommons-members"
	| "ourcommons-votes"
	| "ourcommons-votes-fr"
	| "ourcommons-ballots";

export interface RawDocument {
	source: SourceName;
	resource: RawResource;
	/** Where the body came from: an http(s) URL, or a file: URL for local exports (with #row=N for CSV rows). */
	url: string;
	/** ISO 8601 timestamp of the fetch. */
	fetchedAt: string;
	/** sha256 (hex) of the body's canonical JSON, or of `text` when the document has it. */
	contentHash: string;
	body: unknown;
	/**
	 * The body's JSON text as received, for a document kept byte for byte (a list page). Such a
	 * document reaches the loading thread as text alone (`body` undefined): see connectors/extract-in-worker.ts.
	 */
	text?: string;
	/** How many source items the body holds when it is a page of them (ballots); absent means one. */
	items?: number;
	/** The media type as received when it is not JSON (an XML document's body is its text). */
	contentType?: string;
	/**
	 * What another document of the run said that this one's transform needs (the vote list's
	 * French subjects for the English list, a division's totals for its ballots). Derived, so not
	 * kept as lineage: the documents it was read from are kept themselves.
	 */
	context?: Record<string, unknown>;
}

export { canonicalJson, contentHash } from "../../../runtime/canonical-json.ts";

export function makeRawDocument(
	source: SourceName,
	resource: RawResource,
	url: string,
	body: unknown,
	fetchedAt: Date = new Date(),
	text?: string
): RawDocument {
	if (text === undefined) return { source, resource, url, fetchedAt: fetchedAt.toISOString(), contentHash: contentHash(body), body };
	return { source, resource, url, fetchedAt: fetchedAt.toISOString(), contentHash: hash("sha256", text, "hex"), body, text };
}
