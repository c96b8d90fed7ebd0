/**
 * The document store on MongoDB (MONGO_URL set), through the official driver: indexes are created
 * at open, and writes wait for a majority of the replica set so an acknowledged audit event or
 * raw document survives a primary failover.
 */
import { type Collection, MongoClient, MongoServerError } from "mongodb";
import {
	type AuditEvent,
	type AuditEventInput,
	type AuditQuery,
	type DocumentStore,
	type RawDocument,
	type RawDocumentInput,
	type RawDocumentQuery,
	clampLimit,
	documentBody,
	documentChecksum,
	storedBody
} from "./document-store.ts";
import { uuid7 } from "./uuid7.ts";

interface RawDoc {
	_id: string;
	source: string;
	key: string;
	checksum: string;
	runId: string | null;
	url: string | null;
	contentType: string;
	fetchedAt: Date;
	/** Null when the document is kept as the text received. */
	body: unknown;
	text?: string | null;
}

interface AuditDoc {
	_id: string;
	at: Date;
	actor: string;
	action: string;
	target: string | null;
	requestId: string | null;
	data: Record<string, unknown>;
}

const DUPLICATE_KEY = 11000;

function toRaw({ _id, body, text, ...rest }: RawDoc): RawDocument {
	return { id: _id, ...rest, body: storedBody(body, text ?? null, rest.contentType), text: text ?? null };
}

/** As on PostgreSQL: the text received when there is one, the body otherwise, not both. */
function contentFields(doc: RawDocumentInput): { body: unknown; text: string | null } {
	return doc.text === undefined ? { body: documentBody(doc), text: null } : { body: null, text: doc.text };
}

function toAudit({ _id, ...rest }: AuditDoc): AuditEvent {
	return { id: _id, ...rest };
}

function range(since: Date | undefined, until?: Date): { $gte?: Date; $lt?: Date } | undefined {
	if (!since && !until) return undefined;
	return { ...(since ? { $gte: since } : {}), ...(until ? { $lt: until } : {}) };
}

/** Drops undefined fields, which the driver would otherwise send as null matches. */
function filterOf<T extends object>(filter: T): Partial<T> {
	return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export class MongoDocumentStore implements DocumentStore {
	readonly kind = "mongodb";
	private readonly client: MongoClient;
	private readonly raw: Collection<RawDoc>;
	private readonly audit: Collection<AuditDoc>;

	private constructor(client: MongoClient, raw: Collection<RawDoc>, audit: Collection<AuditDoc>) {
		this.client = client;
		this.raw = raw;
		this.audit = audit;
	}

	/** `databaseName` overrides the one in the URL (tests use a random one). */
	static async open(url: string, options: { appName?: string; databaseName?: string } = {}): Promise<MongoDocumentStore> {
		const client = new MongoClient(url, {
			appName: options.appName,
			writeConcern: { w: "majority" },
			serverSelectionTimeoutMS: 3_000,
			connectTimeoutMS: 3_000
		});
		await client.connect();
		const db = client.db(options.databaseName);
		const raw = db.collection<RawDoc>("raw_documents");
		const audit = db.collection<AuditDoc>("audit_log");
		// createIndexes is idempotent, so every node may run it at start.
		await raw.createIndexes([
			{ key: { source: 1, key: 1, checksum: 1 }, unique: true, name: "source_key_checksum" },
			{ key: { runId: 1, fetchedAt: 1 }, name: "run" },
			{ key: { source: 1, fetchedAt: 1 }, name: "source_fetched" }
		]);
		await audit.createIndexes([
			{ key: { at: -1, _id: -1 }, name: "at" },
			{ key: { actor: 1, at: -1 }, name: "actor" },
			{ key: { action: 1, at: -1 }, name: "action" },
			{ key: { target: 1, at: -1 }, name: "target" }
		]);
		return new MongoDocumentStore(client, raw, audit);
	}

	async putRawDocument(doc: RawDocumentInput): Promise<{ document: RawDocument; created: boolean }> {
		const stored: RawDoc = {
			_id: uuid7(),
			source: doc.source,
			key: doc.key,
			checksum: documentChecksum(doc),
			runId: doc.runId ?? null,
			url: doc.url ?? null,
			contentType: doc.contentType ?? "application/json",
			fetchedAt: doc.fetchedAt ?? new Date(),
			...contentFields(doc)
		};
		try {
			await this.raw.insertOne(stored);
			return { document: toRaw(stored), created: true };
		} catch (err) {
			if (!(err instanceof MongoServerError) || err.code !== DUPLICATE_KEY) throw err;
			const existing = await this.raw.findOne({ source: stored.source, key: stored.key, checksum: stored.checksum });
			if (!existing) throw err;
			return { document: toRaw(existing), created: false };
		}
	}

	async putRawDocuments(docs: readonly RawDocumentInput[]): Promise<number> {
		if (docs.length === 0) return 0;
		// An upsert that only sets on insert: an existing (source, key, checksum) is left as it is.
		const result = await this.raw.bulkWrite(
			docs.map((doc) => {
				const checksum = documentChecksum(doc);
				return {
					updateOne: {
						filter: { source: doc.source, key: doc.key, checksum },
						update: {
							$setOnInsert: {
								_id: uuid7(),
								runId: doc.runId ?? null,
								url: doc.url ?? null,
								contentType: doc.contentType ?? "application/json",
								fetchedAt: doc.fetchedAt ?? new Date(),
								...contentFields(doc)
							}
						},
						upsert: true
					}
				};
			}),
			{ ordered: false }
		);
		return result.upsertedCount;
	}

	async getRawDocument(id: string): Promise<RawDocument | undefined> {
		const found = await this.raw.findOne({ _id: id });
		return found ? toRaw(found) : undefined;
	}

	async findRawDocuments(query: RawDocumentQuery): Promise<RawDocument[]> {
		const filter = filterOf({ source: query.source, key: query.key, runId: query.runId, fetchedAt: range(query.since) });
		const docs = await this.raw.find(filter).sort({ fetchedAt: 1, _id: 1 }).limit(clampLimit(query.limit)).toArray();
		return docs.map(toRaw);
	}

	async appendAudit(event: AuditEventInput): Promise<AuditEvent> {
		const stored: AuditDoc = {
			_id: uuid7(),
			at: event.at ?? new Date(),
			actor: event.actor,
			action: event.action,
			target: event.target ?? null,
			requestId: event.requestId ?? null,
			data: event.data ?? {}
		};
		await this.audit.insertOne(stored);
		return toAudit(stored);
	}

	async findAudit(query: AuditQuery): Promise<AuditEvent[]> {
		const filter = filterOf({ actor: query.actor, action: query.action, target: query.target, at: range(query.since, query.until) });
		const docs = await this.audit.find(filter).sort({ at: -1, _id: -1 }).limit(clampLimit(query.limit)).toArray();
		return docs.map(toAudit);
	}

	async ping(timeoutMs: number): Promise<void> {
		await this.client.db().command({ ping: 1 }, { timeoutMS: timeoutMs });
	}

	close(): Promise<void> {
		return this.client.close();
	}
}
