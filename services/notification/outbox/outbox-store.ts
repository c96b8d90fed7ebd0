/**
 * The outbox's SQL (schema `notification`, migrations/001_outbox.sql): recording a decision,
 * claiming due deliveries, and closing them. Every close is fenced by the claim (node + attempt),
 * so a node whose lease ran out cannot overwrite what the node that took over decided.
 */
import type { Database, SqlExecutor } from "../../../runtime/storage/database.ts";
import { uuid7 } from "../../../runtime/storage/uuid7.ts";
import type { Channel, NoticeKind } from "../notification.contract.ts";

export interface NoticeEvent {
	/** Derived from the source event: the same event always gives the same id. */
	id: string;
	kind: NoticeKind;
	subject: string | null;
	title: { en: string; fr: string };
	body: { en: string; fr: string };
	link: string | null;
	public: boolean;
	data: Record<string, unknown>;
	/** When the source says it happened; now by default. */
	occurredAt?: Date;
}

/** What a channel needs to send, rendered when the decision is made. */
export type DeliveryMessage = Record<string, unknown>;

export interface NewDelivery {
	userId: string | null;
	channel: Channel;
	target: string;
	message: DeliveryMessage;
	/** Not before this (a daily digest's morning); now by default. */
	notBefore?: Date;
	/** Recorded as skipped from the start (push without a provider). */
	skipped?: string;
	/** Held for the user's daily digest until `notBefore`. */
	held?: boolean;
}

export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "skipped" | "held" | "digested";

export interface Delivery {
	id: string;
	eventId: string;
	userId: string | null;
	channel: Channel;
	target: string;
	idempotencyKey: string;
	message: DeliveryMessage;
	status: DeliveryStatus;
	attempts: number;
	nextAttemptAt: Date;
	leasedBy: string | null;
	lastError: string | null;
	createdAt: Date;
	finishedAt: Date | null;
}

interface DeliveryRow extends Record<string, unknown> {
	id: string;
	event_id: string;
	user_id: string | null;
	channel: Channel;
	target: string;
	idempotency_key: string;
	message: DeliveryMessage | string;
	status: DeliveryStatus;
	attempts: number;
	next_attempt_at: Date | string;
	leased_by: string | null;
	last_error: string | null;
	created_at: Date | string;
	finished_at: Date | string | null;
}

const DELIVERY_COLUMNS = "id, event_id, user_id, channel, target, idempotency_key, message, status, attempts, next_attempt_at, leased_by, last_error, created_at, finished_at";

function deliveryOf(row: DeliveryRow): Delivery {
	return {
		id: row.id,
		eventId: row.event_id,
		userId: row.user_id,
		channel: row.channel,
		target: row.target,
		idempotencyKey: row.idempotency_key,
		message: typeof row.message === "string" ? (JSON.parse(row.message) as DeliveryMessage) : row.message,
		status: row.status,
		attempts: Number(row.attempts),
		nextAttemptAt: new Date(row.next_attempt_at),
		leasedBy: row.leased_by,
		lastError: row.last_error,
		createdAt: new Date(row.created_at),
		finishedAt: row.finished_at === null ? null : new Date(row.finished_at)
	};
}

/** event + recipient + channel: what receivers and the inbox deduplicate on. */
export function idempotencyKey(eventId: string, channel: Channel, target: string): string {
	return `${eventId}|${channel}|${target}`;
}

export interface RecordedDecision {
	/** False when the event was already recorded (a redelivered event): nothing was added. */
	recorded: boolean;
	deliveries: number;
}

/**
 * The event and its deliveries in one transaction. `plan` runs inside it, after the event row is
 * in: it reads recipients on the same transaction, so who is told is decided with the event.
 */
export async function recordDecision(db: Database, event: NoticeEvent, plan: (tx: SqlExecutor) => Promise<NewDelivery[]>): Promise<RecordedDecision> {
	return db.transaction((tx) => insertDecision(tx, event, plan));
}

/** recordDecision's work on a transaction the caller holds (the digest collector's). */
export async function insertDecision(tx: SqlExecutor, event: NoticeEvent, plan: (tx: SqlExecutor) => Promise<NewDelivery[]>): Promise<RecordedDecision> {
	const inserted = await tx.query(
		`INSERT INTO notification.events (id, kind, subject, title_en, title_fr, body_en, body_fr, link, public, data, occurred_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11) ON CONFLICT (id) DO NOTHING RETURNING id`,
		[event.id, event.kind, event.subject, event.title.en, event.title.fr, event.body.en, event.body.fr, event.link, event.public, JSON.stringify(event.data), event.occurredAt ?? new Date()]
	);
	if (inserted.rowCount === 0) return { recorded: false, deliveries: 0 };
	const deliveries = await plan(tx);
	let added = 0;
	for (const d of deliveries) {
		const result = await tx.query(
			`INSERT INTO notification.deliveries (id, event_id, user_id, channel, target, idempotency_key, message, status, next_attempt_at, last_error, finished_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11) ON CONFLICT (idempotency_key) DO NOTHING`,
			[uuid7(), event.id, d.userId, d.channel, d.target, idempotencyKey(event.id, d.channel, d.target), JSON.stringify(d.message), d.skipped ? "skipped" : d.held ? "held" : "pending", d.notBefore ?? new Date(), d.skipped ?? null, d.skipped ? new Date() : null]
		);
		added += result.rowCount;
	}
	return { recorded: true, deliveries: added };
}

/**
 * Takes up to `limit` due deliveries for `node` until `leaseMs` from now: pending ones whose time
 * has come, and claimed ones whose lease ran out (their node died or stalled). SKIP LOCKED lets
 * every node claim at once without waiting on, or taking, each other's rows.
 */
export async function claimDue(db: SqlExecutor, node: string, limit: number, leaseMs: number): Promise<Delivery[]> {
	const { rows } = await db.query<DeliveryRow>(
		`WITH due AS (
			SELECT id FROM notification.deliveries
			WHERE status IN ('pending', 'sending') AND next_attempt_at <= now() AND (status = 'pending' OR lease_until < now())
			ORDER BY next_attempt_at
			LIMIT $1
			FOR UPDATE SKIP LOCKED
		)
		UPDATE notification.deliveries d
		SET status = 'sending', attempts = d.attempts + 1, leased_by = $2, lease_until = now() + make_interval(secs => $3::double precision / 1000)
		FROM due WHERE d.id = due.id
		RETURNING ${DELIVERY_COLUMNS.split(", ").map((c) => `d.${c}`).join(", ")}`,
		[limit, node, leaseMs]
	);
	return rows.map(deliveryOf);
}

/** The claim a close must still hold: the same node and attempt. */
export interface Claim {
	id: string;
	node: string;
	attempt: number;
}

const FENCE = "id = $1 AND leased_by = $2 AND attempts = $3 AND status = 'sending'";

/** True when this claim still held and the delivery is now closed as `status`. */
export async function closeDelivery(db: SqlExecutor, claim: Claim, status: "sent" | "failed" | "skipped", error: string | null = null): Promise<boolean> {
	const result = await db.query(`UPDATE notification.deliveries SET status = $4, last_error = $5, finished_at = now(), lease_until = NULL WHERE ${FENCE}`, [claim.id, claim.node, claim.attempt, status, error]);
	return result.rowCount === 1;
}

/** Back to pending, tried again after `delayMs`. */
export async function retryDelivery(db: SqlExecutor, claim: Claim, delayMs: number, error: string): Promise<boolean> {
	const result = await db.query(
		`UPDATE notification.deliveries SET status = 'pending', last_error = $4, lease_until = NULL, next_attempt_at = now() + make_interval(secs => $5::double precision / 1000) WHERE ${FENCE}`,
		[claim.id, claim.node, claim.attempt, error, delayMs]
	);
	return result.rowCount === 1;
}

/** Deliveries waiting to be sent (pending or claimed): the backlog metric and alert. */
export async function backlog(db: SqlExecutor): Promise<number> {
	const { rows } = await db.query<{ n: number | string }>("SELECT count(*) AS n FROM notification.deliveries WHERE status IN ('pending', 'sending')");
	return Number(rows[0]?.n ?? 0);
}

export interface DeliveryFilter {
	status?: DeliveryStatus;
	channel?: Channel;
	limit: number;
	offset: number;
}

export async function listDeliveries(db: SqlExecutor, filter: DeliveryFilter): Promise<{ deliveries: Delivery[]; total: number; byStatus: Record<string, number> }> {
	const where: string[] = [];
	const params: unknown[] = [];
	if (filter.status) where.push(`status = $${params.push(filter.status)}`);
	if (filter.channel) where.push(`channel = $${params.push(filter.channel)}`);
	const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
	const [page, total, counts] = await Promise.all([
		db.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM notification.deliveries ${clause} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, filter.limit, filter.offset]),
		db.query<{ n: number | string }>(`SELECT count(*) AS n FROM notification.deliveries ${clause}`, params),
		db.query<{ status: string; n: number | string }>("SELECT status, count(*) AS n FROM notification.deliveries GROUP BY status")
	]);
	return {
		deliveries: page.rows.map(deliveryOf),
		total: Number(total.rows[0]?.n ?? 0),
		byStatus: Object.fromEntries(counts.rows.map((r) => [r.status, Number(r.n)]))
	};
}
