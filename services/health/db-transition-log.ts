/**
 * The history of transitions in the health schema, so it survives restarts and every health
 * replica answers with the same history.
 *
 * The health service must keep working when PostgreSQL does not (it is what tells operators the
 * database is down), so nothing here waits on the database: each transition goes to a memory ring
 * at once and to a bounded write-behind queue that drains whenever the database answers. Reads
 * come from the database, or from the ring while it is unreachable.
 */
import type { Database } from "../../runtime/storage/database.ts";
import { quoteQualified } from "../../runtime/storage/sql-identifiers.ts";
import { MemoryTransitionLog, type TransitionLog, type TransitionQuery } from "./transition-log.ts";
import type { Transition, TransitionKind } from "./health.contract.ts";

/** Transitions waiting for the database beyond this are dropped, oldest first (the ring keeps them). */
export const MAX_PENDING = 1_000;
const RETRY_MS = 2_000;

export interface DbTransitionLogOptions {
	/** The database once its schema is ready; rejects or stays pending while it is not. */
	ready: () => Promise<Database>;
	/** `schema.table`, unquoted. */
	table: string;
	onError: (message: string) => void;
}

interface TransitionRow extends Record<string, unknown> {
	kind: TransitionKind;
	subject: string;
	from_status: string;
	to_status: string;
	at: Date | string;
	reason: string | null;
	observer: string;
}

export class DbTransitionLog implements TransitionLog {
	private readonly memory = new MemoryTransitionLog();
	private readonly pending: Transition[] = [];
	private readonly options: DbTransitionLogOptions;
	private draining: Promise<void> | undefined;
	private retryTimer: NodeJS.Timeout | undefined;
	private database: Database | undefined;
	private closed = false;

	constructor(options: DbTransitionLogOptions) {
		this.options = options;
		options.ready().then(
			(db) => {
				this.database = db;
				this.drainSoon(0);
			},
			(err: unknown) => options.onError(`history stays in memory: ${String(err)}`)
		);
	}

	async append(transition: Transition, shared = true): Promise<void> {
		await this.memory.append(transition);
		if (!shared || this.closed) return;
		this.pending.push(transition);
		if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
		this.drainSoon(0);
	}

	async list(query: TransitionQuery): Promise<Transition[]> {
		const db = this.database;
		if (!db) return this.memory.list(query);
		const where: string[] = [];
		const params: unknown[] = [];
		if (query.kind) where.push(`kind = $${params.push(query.kind)}`);
		if (query.id) where.push(`subject = $${params.push(query.id)}`);
		params.push(query.limit);
		try {
			const { rows } = await db.query<TransitionRow>(
				`SELECT kind, subject, from_status, to_status, at, reason, observer FROM ${quoteQualified(this.options.table)}
				 ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY at DESC, id DESC LIMIT $${params.length}`,
				params
			);
			// Not yet written ones are newer than anything stored: show them first.
			const unsaved = [...this.pending].reverse().filter((t) => (!query.kind || t.kind === query.kind) && (!query.id || t.id === query.id));
			return [...unsaved, ...rows.map(fromRow)].slice(0, query.limit);
		} catch (err) {
			this.options.onError(`history read from memory: ${err instanceof Error ? err.message : String(err)}`);
			return this.memory.list(query);
		}
	}

	/** Resolves once everything appended so far is stored, or the database refused it. */
	async flush(): Promise<void> {
		while (this.draining) await this.draining;
	}

	close(): void {
		this.closed = true;
		clearTimeout(this.retryTimer);
	}

	private drainSoon(delayMs: number): void {
		if (this.draining || this.retryTimer || !this.database || this.closed) return;
		const start = (): void => {
			this.retryTimer = undefined;
			this.draining = this.drain().then((stored) => {
				this.draining = undefined;
				// Appends that arrived while this drain was finishing; after a failure, wait and retry.
				if (this.pending.length > 0) this.drainSoon(stored ? 0 : RETRY_MS);
			});
		};
		if (delayMs === 0) start();
		else {
			this.retryTimer = setTimeout(start, delayMs);
			this.retryTimer.unref();
		}
	}

	/** False when the database refused a write. */
	private async drain(): Promise<boolean> {
		const db = this.database;
		if (!db) return false;
		while (this.pending.length > 0) {
			const batch = this.pending.slice(0, 100);
			try {
				await db.insertRows(
					this.options.table,
					["kind", "subject", "from_status", "to_status", "at", "reason", "observer"],
					batch.map((t) => [t.kind, t.id, t.from, t.to, t.at, t.reason ?? null, t.observer])
				);
				this.pending.splice(0, batch.length);
			} catch (err) {
				this.options.onError(`could not store ${this.pending.length} transition(s) yet: ${err instanceof Error ? err.message : String(err)}`);
				return false;
			}
		}
		return true;
	}
}

function fromRow(row: TransitionRow): Transition {
	return {
		kind: row.kind,
		id: row.subject,
		from: row.from_status,
		to: row.to_status,
		at: row.at instanceof Date ? row.at.toISOString() : new Date(row.at).toISOString(),
		...(row.reason ? { reason: row.reason } : {}),
		observer: row.observer
	};
}
