/**
 * The document store on PostgreSQL (MONGO_URL unset): raw documents as the text received, or jsonb
 * when no text was given; the audit log in jsonb. In the "documents" schema whose
 * migrations live in runtime/storage/migrations/.
 */
import type { Database } from "./database.ts";
import {
	type AuditEvent,
	type AuditEventInput,
	type AuditQuery,
	type DocumentStore,
	type RawDocument,
	type RawDocumentInput,
	type RawDocumentQuery,
	clampLimit,
	documentChecksum,
	storedBody
} from "./document-store.ts";
import { applyMigrations } from "./migrations.ts";
import { uuid7 } from "./uuid7.ts";
import { migrationSetOf, DOCUMENTS_OWNER } from "./migration-sets.ts";

interface RawRow extends Record<string, unknown> {
	id: string;
	source: string;
	key: string;
	checksum: string;
	run_id: string | null;
	url: string | null;
	content_type: string;
	fetched_at: Date;
	body: unknown;
	text: string | null;
}

interface AuditRow extends Record<string, unknown> {
	id: string;
	at: Date;
	actor: string;
	action: string;
	target: string | null;
	request_id: string | null;
	data: Record<string, unknown>;
}

const RAW_COLUMNS = "id, source, key, checksum, run_id, url, content_type, fetched_at, body, text";
const AUDIT_COLUMNS = "id, at, actor, action, target, request_id, data";

function toRaw(row: RawRow): RawDocument {
	return {
		id: row.id,
		source: row.source,
		key: row.key,
		checksum: row.checksum,
		runId: row.run_id,
		url: row.url,
		contentType: row.content_type,
		fetchedAt: row.fetched_at,
		body: storedBody(row.body, row.text, row.content_type),
		text: row.text
	};
}

/**
 * The jsonb body and the text: a document sent as received text is kept as that text alone (the
 * server neither parses it into jsonb nor stores it twice); any other as jsonb.
 */
function contentColumns(doc: RawDocumentInput): [body: string | null, text: string | null] {
	return doc.text === undefined ? [JSON.stringify(doc.body ?? null), null] : [null, doc.text];
}

function toAudit(row: AuditRow): AuditEvent {
	return { id: row.id, at: row.at, actor: row.actor, action: row.action, target: row.target, requestId: row.request_id, data: row.data };
}

/** Builds `WHERE a = $1 AND b >= $2` from the filters that are set. */
function where(filters: [sql: string, value: unknown][]): { clause: string; params: unknown[] } {
	const set = filters.filter(([, v]) => v !== undefined);
	return { clause: set.length ? `WHERE ${set.map(([sql], i) => sql.replace("?", `$${i + 1}`)).join(" AND ")}` : "", params: set.map(([, v]) => v) };
}

export class PgDocumentStore implements DocumentStore {
	readonly kind = "postgres";
	private readonly db: Database;
	private readonly closeDb: () => Promise<void>;

	private constructor(db: Database, closeDb: () => Promise<void>) {
		this.db = db;
		this.closeDb = closeDb;
	}

	/** Applies the store's migrations (once across the cluster) and returns the store. */
	static async open(db: Database, appliedBy: string, closeDb: () => Promise<void> = () => Promise.resolve()): Promise<PgDocumentStore> {
		await applyMigrations(db, [migrationSetOf(DOCUMENTS_OWNER)], appliedBy);
		return new PgDocumentStore(db, closeDb);
	}

	async putRawDocument(doc: RawDocumentInput): Promise<{ document: RawDocument; created: boolean }> {
		const checksum = documentChecksum(doc);
		const inserted = await this.db.query<RawRow>(
			`INSERT INTO documents.raw_documents (${RAW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			 ON CONFLICT (source, key, checksum) DO NOTHING RETURNING ${RAW_COLUMNS}`,
			[uuid7(), doc.source, doc.key, checksum, doc.runId ?? null, doc.url ?? null, doc.contentType ?? "application/json", doc.fetchedAt ?? new Date(), ...contentColumns(doc)]
		);
		const row = inserted.rows[0];
		if (row) return { document: toRaw(row), created: true };
		const existing = await this.db.query<RawRow>(`SELECT ${RAW_COLUMNS} FROM documents.raw_documents WHERE source = $1 AND key = $2 AND checksum = $3`, [
			doc.source,
			doc.key,
			checksum
		]);
		const found = existing.rows[0];
		if (!found) throw new Error(`Raw document ${doc.source}/${doc.key} vanished between insert and read`);
		return { document: toRaw(found), created: false };
	}

	async putRawDocuments(docs: readonly RawDocumentInput[]): Promise<number> {
		if (docs.length === 0) return 0;
		const withChecksums = docs.map((doc) => ({ doc, checksum: documentChecksum(doc) }));
		// Asking first which are stored already keeps an unchanged re-fetch from sending (and the
		// server from parsing into jsonb) every body again only for ON CONFLICT to drop it: in the
		// ETL benchmark's rerun that was 80 ms per 20,000-ballot page, most of the rerun's time.
		const { rows: stored } = await this.db.query<{ source: string; key: string; checksum: string }>(
			`SELECT d.source, d.key, d.checksum FROM documents.raw_documents d
			 JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(source, key, checksum) ON d.source = k.source AND d.key = k.key AND d.checksum = k.checksum`,
			[withChecksums.map((d) => d.doc.source), withChecksums.map((d) => d.doc.key), withChecksums.map((d) => d.checksum)]
		);
		const known = new Set(stored.map((r) => `${r.source}\u0000${r.key}\u0000${r.checksum}`));
		const missing = withChecksums.filter((d) => !known.has(`${d.doc.source}\u0000${d.doc.key}\u0000${d.checksum}`));
		if (missing.length === 0) return 0;
		const columns = ["id", "source", "key", "checksum", "run_id", "url", "content_type", "fetched_at", "body", "text"];
		const rows = missing.map(({ doc, checksum }) => [
			uuid7(),
			doc.source,
			doc.key,
			checksum,
			doc.runId ?? null,
			doc.url ?? null,
			doc.contentType ?? "application/json",
			doc.fetchedAt ?? new Date(),
			...contentColumns(doc)
		]);
		return this.db.insertRows("documents.raw_documents", columns, rows, { suffix: "ON CONFLICT (source, key, checksum) DO NOTHING" });
	}

	async getRawDocument(id: string): Promise<RawDocument | undefined> {
		if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
		const { rows } = await this.db.query<RawRow>(`SELECT ${RAW_COLUMNS} FROM documents.raw_documents WHERE id = $1`, [id]);
		return rows[0] ? toRaw(rows[0]) : undefined;
	}

	async findRawDocuments(query: RawDocumentQuery): Promise<RawDocument[]> {
		const { clause, params } = where([
			["source = ?", query.source],
			["key = ?", query.key],
			["run_id = ?", query.runId],
			["fetched_at >= ?", query.since]
		]);
		const { rows } = await this.db.query<RawRow>(
			`SELECT ${RAW_COLUMNS} FROM documents.raw_documents ${clause} ORDER BY fetched_at, id LIMIT ${clampLimit(query.limit)}`,
			params
		);
		return rows.map(toRaw);
	}

	async appendAudit(event: AuditEventInput): Promise<AuditEvent> {
		const { rows } = await this.db.query<AuditRow>(
			`INSERT INTO documents.audit_log (id, at, actor, action, target, request_id, data) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${AUDIT_COLUMNS}`,
			[uuid7(), event.at ?? new Date(), event.actor, event.action, event.target ?? null, event.requestId ?? null, JSON.stringify(event.data ?? {})]
		);
		const row = rows[0];
		if (!row) throw new Error("The audit insert returned no row");
		return toAudit(row);
	}

	async findAudit(query: AuditQuery): Promise<AuditEvent[]> {
		const { clause, params } = where([
			["actor = ?", query.actor],
			["action = ?", query.action],
			["target = ?", query.target],
			["at >= ?", query.since],
			["at < ?", query.until]
		]);
		const { rows } = await this.db.query<AuditRow>(
			`SELECT ${AUDIT_COLUMNS} FROM documents.audit_log ${clause} ORDER BY at DESC, id DESC LIMIT ${clampLimit(query.limit)}`,
			params
		);
		return rows.map(toAudit);
	}

	ping(timeoutMs: number): Promise<void> {
		return this.db.ping(timeoutMs);
	}

	close(): Promise<void> {
		return this.closeDb();
	}
}
