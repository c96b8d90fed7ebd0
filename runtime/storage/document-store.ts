/**
 * The document store: raw source documents (ETL lineage and replay) and the audit log, behind one
 * interface. MongoDB when MONGO_URL is set, PostgreSQL jsonb otherwise (README.md). Both pass the
 * same conformance suite (test/storage/document-store.conformance.ts).
 */

import { bodyChecksum } from "./document-checksum.ts";

export interface RawDocumentInput {
	/** Which connector and endpoint, e.g. "openparliament.bills". */
	source: string;
	/** The document's identity within the source, e.g. the bill's URL or id. */
	key: string;
	/** The ETL run that fetched it. */
	runId?: string;
	url?: string;
	contentType?: string;
	fetchedAt?: Date;
	/** The parsed body (JSON); may be left undefined when `text` is given. */
	body?: unknown;
	/**
	 * The body's JSON text exactly as received, when the caller has it: the PostgreSQL store sends
	 * it as is instead of serialising `body` again. `body` is what it parses to (or a validated
	 * reading of it).
	 */
	text?: string;
	/**
	 * The body's checksum when the caller already has it: the canonical-JSON sha256
	 * (runtime/canonical-json.ts), or for a document kept as received, the sha256 of `text`.
	 */
	checksum?: string;
}

export interface RawDocument {
	id: string;
	source: string;
	key: string;
	/** sha256 of the body's canonical JSON: the same content is stored once. */
	checksum: string;
	runId: string | null;
	url: string | null;
	contentType: string;
	fetchedAt: Date;
	body: unknown;
}

export interface RawDocumentQuery {
	source?: string;
	key?: string;
	runId?: string;
	/** Oldest first (replay order), from this instant on. */
	since?: Date;
	limit?: number;
}

export interface AuditEventInput {
	actor: string;
	action: string;
	target?: string;
	requestId?: string;
	data?: Record<string, unknown>;
	at?: Date;
}

export interface AuditEvent {
	id: string;
	at: Date;
	actor: string;
	action: string;
	target: string | null;
	requestId: string | null;
	data: Record<string, unknown>;
}

export interface AuditQuery {
	actor?: string;
	action?: string;
	target?: string;
	since?: Date;
	until?: Date;
	/** Newest first. */
	limit?: number;
}

export interface DocumentStore {
	readonly kind: "mongodb" | "postgres";
	/** Stores a raw document; the same source, key and content again returns the stored one (`created: false`). */
	putRawDocument(doc: RawDocumentInput): Promise<{ document: RawDocument; created: boolean }>;
	/**
	 * Stores many raw documents at once (an ETL batch), with the same deduplication; answers how many
	 * were new. One round trip per batch instead of one per document.
	 */
	putRawDocuments(docs: readonly RawDocumentInput[]): Promise<number>;
	getRawDocument(id: string): Promise<RawDocument | undefined>;
	/** Oldest first, so a replay reads documents in the order they were fetched. */
	findRawDocuments(query: RawDocumentQuery): Promise<RawDocument[]>;
	/** Append-only: there is no update or delete. */
	appendAudit(event: AuditEventInput): Promise<AuditEvent>;
	/** Newest first. */
	findAudit(query: AuditQuery): Promise<AuditEvent[]>;
	ping(timeoutMs: number): Promise<void>;
	close(): Promise<void>;
}

/** The input's body, parsed from its text when only the text was given. */
export function documentBody(doc: RawDocumentInput): unknown {
	if (doc.body !== undefined) return doc.body;
	return doc.text === undefined ? null : (JSON.parse(doc.text) as unknown);
}

/** The input's checksum: the caller's when given, else the canonical-JSON sha256 of its body. */
export function documentChecksum(doc: RawDocumentInput): string {
	return doc.checksum ?? bodyChecksum(documentBody(doc));
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1_000;

export function clampLimit(limit: number | undefined): number {
	if (limit === undefined) return DEFAULT_LIMIT;
	return Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit)));
}
