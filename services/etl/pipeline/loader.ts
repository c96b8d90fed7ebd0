/**
 * The load half of a run: buffers transform steps, then `flush` writes them in one transaction.
 *
 * - Raw documents are stored (bulk, deduplicated by source, key and content hash) before the
 *   batch's transaction commits, so a domain row never points at a document that is not stored.
 * - Upserts are idempotent and change-detecting: `ON CONFLICT DO UPDATE ... WHERE content_hash IS
 *   DISTINCT FROM excluded.content_hash`, so a rerun over unchanged data writes no row; `RETURNING
 *   (xmax = 0)` tells inserted from updated.
 * - Kinds with optional fields (parties, politicians, bills: "absent = keep what is stored") read the
 *   stored rows first (FOR UPDATE) and merge in JS; that also gives the changed fields for events.
 * - Large batches of the other kinds are COPYed into a per-run unlogged staging table before the
 *   transaction (COPY needs its own connection) and merged with INSERT ... SELECT inside it.
 * - Ballots are stored a vote per row (pipeline/vote-ballots.ts), written last in the transaction.
 * - Domain events are returned, not sent: the caller emits them after the commit.
 */
import { hash } from "node:crypto";
import { contentHash } from "../../../runtime/canonical-json.ts";
import type { Database, SqlExecutor, TransactionExecutor } from "../../../runtime/storage/database.ts";
import type { DocumentStore, RawDocumentInput } from "../../../runtime/storage/document-store.ts";
import type { TransformStep } from "../connectors/extract-transform.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import { isDissent, partyLines } from "../records/dissent.ts";
import type { Ballot, PartyVote } from "../records/domain.ts";
import type { NormalizedRecord, RecordKind } from "../records/normalized-record.ts";
import { LINEAGE_COLUMNS, LOAD_ORDER, type RowKind, TABLES, type TableSpec } from "./tables.ts";
import type { BallotColumns } from "../records/ballot-columns.ts";
import { type BallotChunk, type DocRef, writeVoteBallots } from "./vote-ballots.ts";

export interface LoadCounts {
	inserted: number;
	updated: number;
	unchanged: number;
}

export interface FieldChange {
	from: unknown;
	to: unknown;
}

export type DomainEvent =
	| { name: "bill.created"; payload: { session: string; number: string; bill: Record<string, unknown> } }
	| { name: "bill.updated"; payload: { session: string; number: string; changes: Record<string, FieldChange> } }
	| { name: "vote.recorded"; payload: { session: string; number: number; vote: Record<string, unknown> } }
	| { name: "politician.created"; payload: { slug: string; politician: Record<string, unknown> } }
	| { name: "politician.updated"; payload: { slug: string; changes: Record<string, FieldChange> } };

export interface FlushResult {
	counts: LoadCounts;
	events: DomainEvent[];
	documents: number;
	issues: number;
}

export interface LoaderOptions {
	db: Database;
	/** Where raw documents are kept; without one (some tests) rows still carry their document key and hash. */
	documents?: DocumentStore;
	runId: string;
	/** Rows of one kind in one flush from which the COPY-and-merge path is used. */
	stagingThreshold?: number;
}


/** An issue and the raw document it was found in (none for a run-level issue). */
type FoundIssue = DataQualityIssue & { doc?: DocRef };

interface Pending {
	data: Record<string, unknown>;
	doc: DocRef;
}

/** One document's ballots, waiting for the flush that works out their dissent and writes them. */
interface PendingBallots {
	ballots: BallotColumns;
	doc: DocRef;
}

const VALUES_BATCH_ROWS = 1_000;

function quoteIdent(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

function table(spec: TableSpec): string {
	return `etl.${spec.table}`;
}

/** The row's record as one array in column order, absent fields as null: what the content hash covers. */
function columnValues(spec: TableSpec, data: Record<string, unknown>): unknown[] {
	const values = new Array<unknown>(spec.columns.length);
	for (let i = 0; i < spec.columns.length; i++) values[i] = data[(spec.columns[i] as TableSpec["columns"][number]).field] ?? null;
	return values;
}

/**
 * contentHash(values), computed directly when every value is a primitive: the canonical JSON of
 * such an array is JSON.stringify of it, so the hash is the same and the key-sorting copy is
 * skipped (it was 3 % of the benchmark's profile, with sortKeys, for one hash per row).
 */
function rowHash(values: readonly unknown[]): string {
	for (const v of values) if (v !== null && typeof v === "object") return contentHash(values);
	return hash("sha256", JSON.stringify(values), "hex");
}

const keyFieldCache = new WeakMap<TableSpec, string[]>();

function keyFields(spec: TableSpec): string[] {
	let fields = keyFieldCache.get(spec);
	if (!fields) {
		fields = spec.keyColumns.map((col) => spec.columns.find((c) => c.column === col)?.field ?? col);
		keyFieldCache.set(spec, fields);
	}
	return fields;
}

function keyOfRow(spec: TableSpec, data: Record<string, unknown>): string {
	let key = "";
	for (const [i, field] of keyFields(spec).entries()) key += (i === 0 ? "" : "/") + String(data[field]);
	return key;
}

function defined(data: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(data)) if (v !== undefined) out[k] = v;
	return out;
}

export function stagingTableName(runId: string, spec: TableSpec): string {
	return `stage_${spec.table}_${runId.replaceAll("-", "")}`;
}

export class Loader {
	readonly #db: Database;
	readonly #documents: DocumentStore | undefined;
	readonly #runId: string;
	readonly #stagingThreshold: number;
	readonly #staged = new Set<string>();
	#records = new Map<RecordKind, Pending[]>();
	#ballots: PendingBallots[] = [];
	#ballotCount = 0;
	#docs: RawDocumentInput[] = [];
	#issues: FoundIssue[] = [];
	#pendingDocuments = 0;

	constructor(options: LoaderOptions) {
		this.#db = options.db;
		this.#documents = options.documents;
		this.#runId = options.runId;
		this.#stagingThreshold = options.stagingThreshold ?? 2_000;
	}

	get pendingDocuments(): number {
		return this.#pendingDocuments;
	}

	get pendingRecords(): number {
		let n = this.#ballotCount;
		for (const list of this.#records.values()) n += list.length;
		return n;
	}

	add(step: TransformStep): void {
		const { document } = step;
		const doc: DocRef = { source: document.source, key: document.url, hash: document.contentHash };
		this.#docs.push({
			source: document.source,
			key: document.url,
			url: document.url,
			runId: this.#runId,
			fetchedAt: new Date(document.fetchedAt),
			body: document.body,
			...(document.text === undefined ? {} : { text: document.text }),
			...(document.contentType === undefined ? {} : { contentType: document.contentType }),
			checksum: document.contentHash
		});
		for (const record of step.records) this.#push(record, doc);
		if (step.ballots && step.ballots.length > 0) {
			this.#ballots.push({ ballots: step.ballots, doc });
			this.#ballotCount += step.ballots.length;
		}
		for (const issue of step.issues) this.#issues.push({ ...issue, doc });
		this.#pendingDocuments++;
	}

	/** An issue not tied to one document's records (a next_url loop, an unreadable file). */
	addIssue(issue: DataQualityIssue): void {
		this.#issues.push(issue);
	}

	#push(record: NormalizedRecord, doc: DocRef): void {
		let list = this.#records.get(record.kind);
		if (!list) this.#records.set(record.kind, (list = []));
		list.push({ data: record.data as Record<string, unknown>, doc });
	}

	/**
	 * Writes everything buffered. `inTransaction` runs last inside the same transaction (the run's
	 * checkpoint), so the position it records is exactly what was committed.
	 */
	async flush(inTransaction?: (tx: SqlExecutor, result: FlushResult) => Promise<void>): Promise<FlushResult> {
		const records = this.#records;
		const ballotDocs = this.#ballots;
		const docs = this.#docs;
		const issues = this.#issues;
		const documents = this.#pendingDocuments;
		this.#records = new Map();
		this.#ballots = [];
		this.#ballotCount = 0;
		this.#docs = [];
		this.#issues = [];
		this.#pendingDocuments = 0;

		// On PostgreSQL the documents go in on a connection of their own while this batch's rows are
		// prepared and written (two server processes at work at once: a page of 20,000 ballots is 3 MB
		// of text to compress, its rows 50 vote rows to COPY); the transaction waits for them
		// before it commits, so a row never commits pointing at a document that is not stored. PGlite
		// has one connection, which the transaction holds: there the documents go first.
		const storing = this.#documents && docs.length > 0 ? this.#documents.putRawDocuments(docs) : Promise.resolve(0);
		storing.catch(() => undefined);
		if (this.#db.kind !== "postgres") await storing;

		const prepared = new Map<RowKind, Pending[]>();
		for (const kind of LOAD_ORDER) {
			const list = records.get(kind);
			if (list && list.length > 0) prepared.set(kind, coalesce(TABLES[kind], list));
		}
		const ballots = await this.#withDissent(ballotDocs, prepared);

		// COPY before the transaction: it takes a connection (pg) or the transaction lock (PGlite) of its own.
		const staged = new Set<RecordKind>();
		for (const [kind, list] of prepared) {
			const spec = TABLES[kind];
			if (spec.merge || list.length < this.#stagingThreshold) continue;
			await this.#stage(spec, list);
			staged.add(kind);
		}

		const result: FlushResult = { counts: { inserted: 0, updated: 0, unchanged: 0 }, events: [], documents, issues: issues.length };
		await this.#db.transaction(async (tx: TransactionExecutor) => {
			// First, before any row lock: the change log's order is commit order only if writers take
			// its lock before anything else they might wait on (migrations/006_change_log.sql).
			await tx.query("SELECT etl.lock_change_log()");
			for (const [kind, list] of prepared) {
				const spec = TABLES[kind];
				const counts = spec.merge
					? await this.#mergeUpsert(tx, spec, list, result.events)
					: staged.has(kind)
						? await this.#mergeStaged(tx, spec, list.length)
						: await this.#plainUpsert(tx, spec, list, result.events);
				result.counts.inserted += counts.inserted;
				result.counts.updated += counts.updated;
				result.counts.unchanged += counts.unchanged;
			}
			const ballotCounts = await writeVoteBallots(tx, this.#runId, ballots);
			result.counts.inserted += ballotCounts.inserted;
			result.counts.updated += ballotCounts.updated;
			result.counts.unchanged += ballotCounts.unchanged;
			await this.#insertIssues(tx, issues);
			await storing;
			await inTransaction?.(tx, result);
		}, { longRunning: true });
		return result;
	}

	/** Drops this run's staging tables (end of run, or the leftovers of an interrupted one). */
	static async dropStaging(db: Database, runId: string): Promise<void> {
		for (const spec of Object.values(TABLES)) {
			await db.query(`DROP TABLE IF EXISTS etl.${quoteIdent(stagingTableName(runId, spec))}`);
		}
	}

	#row(spec: TableSpec, pending: Pending, hash: string): unknown[] {
		return [...columnValues(spec, pending.data), pending.doc.source, pending.doc.key, pending.doc.hash, hash, this.#runId];
	}

	/** A row with its content hash, the record's values read and hashed once. */
	#hashedRow(spec: TableSpec, pending: Pending): unknown[] {
		const values = columnValues(spec, pending.data);
		const contentHashOfRow = rowHash(values);
		values.push(pending.doc.source, pending.doc.key, pending.doc.hash, contentHashOfRow, this.#runId);
		return values;
	}

	#upsertSql(spec: TableSpec, source: string, returning: string): string {
		const cols = [...spec.columns.map((c) => c.column), ...LINEAGE_COLUMNS];
		const updates = cols.filter((c) => !spec.keyColumns.includes(c)).map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`);
		return `INSERT INTO ${table(spec)} AS t (${cols.map(quoteIdent).join(", ")}) ${source}
			ON CONFLICT (${spec.keyColumns.map(quoteIdent).join(", ")}) DO UPDATE SET ${updates.join(", ")}, updated_at = now()
			WHERE t.content_hash IS DISTINCT FROM excluded.content_hash
			RETURNING ${returning}`;
	}

	async #valuesUpsert(tx: SqlExecutor, spec: TableSpec, rows: unknown[][]): Promise<Array<{ inserted: boolean; key: string }>> {
		const width = spec.columns.length + LINEAGE_COLUMNS.length;
		const keyExpr = spec.keyColumns.map((c) => `t.${quoteIdent(c)}::text`).join(" || '/' || ");
		const out: Array<{ inserted: boolean; key: string }> = [];
		for (let start = 0; start < rows.length; start += VALUES_BATCH_ROWS) {
			const batch = rows.slice(start, start + VALUES_BATCH_ROWS);
			const tuples = batch.map((_, r) => `(${Array.from({ length: width }, (_v, c) => `$${r * width + c + 1}`).join(",")})`);
			const sql = this.#upsertSql(spec, `VALUES ${tuples.join(",")}`, `(xmax = 0) AS inserted, ${keyExpr} AS key`);
			const { rows: returned } = await tx.query<{ inserted: boolean; key: string }>(sql, batch.flat());
			out.push(...returned);
		}
		return out;
	}

	async #plainUpsert(tx: SqlExecutor, spec: TableSpec, list: Pending[], events: DomainEvent[]): Promise<LoadCounts> {
		const rows = list.map((p) => this.#hashedRow(spec, p));
		const returned = await this.#valuesUpsert(tx, spec, rows);
		const inserted = returned.filter((r) => r.inserted).length;
		if (spec.kind === "vote") {
			const byKey = new Map(list.map((p) => [keyOfRow(spec, p.data), p.data]));
			for (const r of returned) {
				const vote = byKey.get(r.key);
				if (r.inserted && vote) events.push({ name: "vote.recorded", payload: { session: String(vote.session), number: Number(vote.number), vote } });
			}
		}
		return { inserted, updated: returned.length - inserted, unchanged: list.length - returned.length };
	}

	async #mergeUpsert(tx: SqlExecutor, spec: TableSpec, list: Pending[], events: DomainEvent[]): Promise<LoadCounts> {
		const stored = await this.#readStored(tx, spec, list);
		const changedRows: unknown[][] = [];
		const plans = new Map<string, { created: boolean; data: Record<string, unknown>; changes: Record<string, FieldChange> }>();
		let unchanged = 0;
		for (const pending of list) {
			const key = keyOfRow(spec, pending.data);
			const before = stored.get(key);
			const merged = before ? { ...before.data, ...defined(pending.data) } : pending.data;
			const hash = rowHash(columnValues(spec, merged));
			if (before && before.hash === hash) {
				unchanged++;
				continue;
			}
			const changes: Record<string, FieldChange> = {};
			if (before) {
				for (const c of spec.columns) {
					const from = before.data[c.field] ?? null;
					const to = merged[c.field] ?? null;
					if (from !== to) changes[c.field] = { from, to };
				}
			}
			plans.set(key, { created: !before, data: merged, changes });
			changedRows.push(this.#row(spec, { data: merged, doc: pending.doc }, hash));
		}
		const returned = changedRows.length > 0 ? await this.#valuesUpsert(tx, spec, changedRows) : [];
		let inserted = 0;
		for (const r of returned) {
			if (r.inserted) inserted++;
			const plan = plans.get(r.key);
			if (!plan) continue;
			const data = defined(plan.data);
			if (spec.kind === "bill") {
				const session = String(data.session);
				const number = String(data.number);
				events.push(plan.created ? { name: "bill.created", payload: { session, number, bill: data } } : { name: "bill.updated", payload: { session, number, changes: plan.changes } });
			} else if (spec.kind === "politician") {
				const slug = String(data.slug);
				events.push(plan.created ? { name: "politician.created", payload: { slug, politician: data } } : { name: "politician.updated", payload: { slug, changes: plan.changes } });
			}
		}
		return { inserted, updated: returned.length - inserted, unchanged: unchanged + (changedRows.length - returned.length) };
	}

	/** The stored rows for these keys as records (field names), with their hashes, locked for this transaction. */
	async #readStored(tx: SqlExecutor, spec: TableSpec, list: Pending[]): Promise<Map<string, { data: Record<string, unknown>; hash: string }>> {
		const keyArrays = spec.keyColumns.map((col) => {
			const field = spec.columns.find((c) => c.column === col)?.field ?? col;
			return list.map((p) => String(p.data[field]));
		});
		const join = spec.keyColumns.map((col, i) => `t.${quoteIdent(col)}::text = k.k${i}`).join(" AND ");
		const unnest = `unnest(${spec.keyColumns.map((_, i) => `$${i + 1}::text[]`).join(", ")}) AS k(${spec.keyColumns.map((_, i) => `k${i}`).join(", ")})`;
		const { rows } = await tx.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM ${table(spec)} t JOIN ${unnest} ON ${join} FOR UPDATE OF t`, keyArrays);
		const out = new Map<string, { data: Record<string, unknown>; hash: string }>();
		for (const { row } of rows) {
			const data: Record<string, unknown> = {};
			for (const c of spec.columns) data[c.field] = row[c.column] ?? null;
			out.set(keyOfRow(spec, data), { data, hash: String(row.content_hash) });
		}
		return out;
	}

	async #stage(spec: TableSpec, list: Pending[]): Promise<void> {
		const name = `etl.${quoteIdent(stagingTableName(this.#runId, spec))}`;
		const cols = [...spec.columns.map((c) => c.column), ...LINEAGE_COLUMNS];
		if (!this.#staged.has(spec.table)) {
			// Unlogged: the staging rows are rebuilt from the source if the server crashes, so WAL for them is waste.
			await this.#db.exec(`CREATE UNLOGGED TABLE IF NOT EXISTS ${name} AS SELECT ${cols.map(quoteIdent).join(", ")} FROM ${table(spec)} WITH NO DATA`);
			this.#staged.add(spec.table);
		}
		// A flush that failed after its COPY leaves rows behind; they are not committed anywhere else.
		await this.#db.exec(`TRUNCATE ${name}`);
		const rows = function* (this: Loader): Generator<unknown[]> {
			for (const p of list) yield this.#hashedRow(spec, p);
		}.call(this);
		await this.#db.copyRows(`etl.${stagingTableName(this.#runId, spec)}`, cols, rows);
	}

	async #mergeStaged(tx: SqlExecutor, spec: TableSpec, total: number): Promise<LoadCounts> {
		const name = `etl.${quoteIdent(stagingTableName(this.#runId, spec))}`;
		const cols = [...spec.columns.map((c) => c.column), ...LINEAGE_COLUMNS].map(quoteIdent).join(", ");
		const upsert = this.#upsertSql(spec, `SELECT ${cols} FROM ${name}`, "(xmax = 0) AS inserted");
		const { rows } = await tx.query<{ inserted: number; updated: number }>(
			`WITH m AS (${upsert}) SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM m`
		);
		const inserted = Number(rows[0]?.inserted ?? 0);
		const updated = Number(rows[0]?.updated ?? 0);
		await tx.query(`TRUNCATE ${name}`);
		return { inserted, updated, unchanged: total - inserted - updated };
	}

	/** Dissent needs each ballot's party and the party's line: from this flush first, then the store. */
	async #withDissent(pending: readonly PendingBallots[], prepared: Map<RowKind, Pending[]>): Promise<BallotChunk[]> {
		if (pending.length === 0) return [];
		const partyOf = new Map<string, string>();
		for (const m of prepared.get("membership") ?? []) partyOf.set(String(m.data.id), String(m.data.partyKey));
		const unknownIds = new Set<string>();
		const votes = new Map<string, [string, number]>();
		for (const { ballots } of pending) {
			for (const run of ballots.voteRuns()) votes.set(run.key, [run.session, run.number]);
			for (const id of ballots.membershipIds) if (id !== null && !partyOf.has(id)) unknownIds.add(id);
		}
		if (unknownIds.size > 0) {
			const { rows } = await this.#db.query<{ id: string; party_key: string }>("SELECT id, party_key FROM etl.memberships WHERE id = ANY($1::text[])", [[...unknownIds]]);
			for (const r of rows) partyOf.set(r.id, r.party_key);
		}
		const partyVotes: PartyVote[] = (prepared.get("partyVote") ?? []).map((p) => p.data as PartyVote);
		for (const pv of partyVotes) votes.delete(`${pv.session}/${pv.voteNumber}`);
		if (votes.size > 0) {
			const list = [...votes.values()];
			const { rows } = await this.#db.query<{ session: string; vote_number: number; party_key: string; vote: PartyVote["vote"] }>(
				`SELECT pv.session, pv.vote_number, pv.party_key, pv.vote FROM etl.party_votes pv
				 JOIN unnest($1::text[], $2::int[]) AS k(s, n) ON pv.session = k.s AND pv.vote_number = k.n`,
				[list.map((v) => v[0]), list.map((v) => v[1])]
			);
			for (const r of rows) partyVotes.push({ session: r.session, voteNumber: Number(r.vote_number), partyKey: r.party_key, vote: r.vote, disagreement: null });
		}
		const lines = partyLines(partyVotes);
		return pending.map(({ ballots, doc }) => {
			const dissent = new Array<boolean>(ballots.length);
			for (const run of ballots.voteRuns()) {
				const lineOf = lines.get(run.key);
				for (let i = run.start; i < run.end; i++) {
					const id = ballots.membershipIds[i] ?? null;
					const party = id === null ? undefined : partyOf.get(id);
					dissent[i] = isDissent(ballots.values[i] as Ballot["ballot"], party === undefined ? undefined : lineOf?.get(party));
				}
			}
			return { ballots, dissent, doc };
		});
	}

	/**
	 * One row per (source, record, reason) across runs (migrations/003_issue_identity.sql): a repeat
	 * moves last_seen_at and last_run_id. Repeats within the batch are folded first, since one
	 * statement cannot touch a row twice.
	 */
	async #insertIssues(tx: SqlExecutor, issues: FoundIssue[]): Promise<void> {
		const unique = new Map<string, { issue: FoundIssue; times: number }>();
		for (const issue of issues) {
			const identity = JSON.stringify([issue.source, issue.recordKey ?? "", issue.reason]);
			const known = unique.get(identity);
			if (known) known.times++;
			else unique.set(identity, { issue, times: 1 });
		}
		const folded = [...unique.values()];
		for (let start = 0; start < folded.length; start += VALUES_BATCH_ROWS) {
			const batch = folded.slice(start, start + VALUES_BATCH_ROWS);
			const tuples = batch.map((_, i) => `($1, $1, $${i * 7 + 2}, $${i * 7 + 3}, $${i * 7 + 4}, $${i * 7 + 5}::jsonb, $${i * 7 + 6}::int, $${i * 7 + 7}, $${i * 7 + 8})`);
			await tx.query(
				`INSERT INTO etl.data_quality_issues AS d (run_id, last_run_id, source, record_key, reason, raw, times_seen, document_key, document_hash) VALUES ${tuples.join(", ")}
				 ON CONFLICT (source, (coalesce(record_key, '')), reason) DO UPDATE
				 SET last_seen_at = now(), last_run_id = excluded.last_run_id, raw = excluded.raw, times_seen = d.times_seen + excluded.times_seen,
				     document_key = excluded.document_key, document_hash = excluded.document_hash`,
				[
					this.#runId,
					...batch.flatMap(({ issue, times }) => [issue.source, issue.recordKey ?? null, issue.reason, JSON.stringify(issue.raw ?? null), times, issue.doc?.key ?? null, issue.doc?.hash ?? null])
				]
			);
		}
	}
}

/**
 * One row per key: a later record of the same key in the same flush adds its present fields over
 * the earlier one, as two sequential upserts would (ON CONFLICT cannot touch a row twice in one statement).
 */
function coalesce(spec: TableSpec, list: Pending[]): Pending[] {
	const byKey = new Map<string, Pending>();
	for (const pending of list) {
		const key = keyOfRow(spec, pending.data);
		const before = byKey.get(key);
		byKey.set(key, before ? { data: { ...before.data, ...defined(pending.data) }, doc: pending.doc } : pending);
	}
	return [...byKey.values()];
}
