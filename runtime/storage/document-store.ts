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
	 * The body exactly as received (JSON, XML, CSV text), when the caller has it: it is what is kept,
	 * as text, and `body` is not stored beside it. `body` is what it reads as (or a validated reading of it).
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
	/** The bytes received, when the document was kept as text (what `checksum` hashes); null for a body stored as JSON. */
	text: string | null;
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

/** Whether a media type is JSON (`application/json`, `application/ld+json; charset=utf-8`). */
export function isJsonType(contentType: string): boolean {
	return /^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim());
}

/** The input's body, read from its text when only the text was given: parsed if JSON, the text itself otherwise. */
export function documentBody(doc: RawDocumentInput): unknown {
	if (doc.body !== undefined) return doc.body;
	if (doc.text === undefined) return null;
	return isJsonType(doc.contentType ?? "application/json") ? (JSON.parse(doc.text) as unknown) : doc.text;
}

/** A stored document's body: its jsonb copy when kept, else read from the text received. */
export function storedBody(body: unknown, text: string | null, contentType: string): unknown {
	if (body !== null && body !== undefined) return body;
	if (text === null) return null;
	return isJsonType(contentType) ? (JSON.parse(text) as unknown) : text;
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
