/** The SQL of registered webhooks (notification.webhooks). Every owner-facing statement is scoped by owner. */
import { randomBytes } from "node:crypto";
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { uuid7 } from "../../../runtime/storage/uuid7.ts";

export interface Webhook {
	id: string;
	owner: string;
	ownerUserId: string | null;
	url: string;
	events: string[];
	secret: string;
	enabled: boolean;
	disabledReason: string | null;
	failingSince: Date | null;
	createdAt: Date;
}

interface WebhookRow extends Record<string, unknown> {
	id: string;
	owner: string;
	owner_user_id: string | null;
	url: string;
	events: string[] | string;
	secret: string;
	enabled: boolean;
	disabled_reason: string | null;
	failing_since: Date | string | null;
	created_at: Date | string;
}

const COLUMNS = "id, owner, owner_user_id, url, events, secret, enabled, disabled_reason, failing_since, created_at";

function webhookOf(row: WebhookRow): Webhook {
	return {
		id: row.id,
		owner: row.owner,
		ownerUserId: row.owner_user_id,
		url: row.url,
		// pg returns text[] as an array; keep the parse for a driver that hands back '{a,b}'.
		events: Array.isArray(row.events) ? row.events : row.events.replace(/^\{|\}$/g, "").split(",").filter((e) => e !== ""),
		secret: row.secret,
		enabled: row.enabled,
		disabledReason: row.disabled_reason,
		failingSince: row.failing_since === null ? null : new Date(row.failing_since),
		createdAt: new Date(row.created_at)
	};
}

/** What an owner sees: the secret only once, when the webhook is created. */
export function publicWebhook(hook: Webhook, withSecret = false): Record<string, unknown> {
	return {
		id: hook.id,
		url: hook.url,
		events: hook.events,
		enabled: hook.enabled,
		disabledReason: hook.disabledReason,
		failingSince: hook.failingSince?.toISOString() ?? null,
		createdAt: hook.createdAt.toISOString(),
		...(withSecret ? { secret: hook.secret } : {})
	};
}

export async function createWebhook(db: SqlExecutor, owner: string, ownerUserId: string | null, url: string, events: readonly string[]): Promise<Webhook> {
	const secret = `whsec_${randomBytes(24).toString("base64url")}`;
	const { rows } = await db.query<WebhookRow>(`INSERT INTO notification.webhooks (id, owner, owner_user_id, url, events, secret) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`, [
		uuid7(),
		owner,
		ownerUserId,
		url,
		[...events],
		secret
	]);
	const row = rows[0];
	if (!row) throw new Error("INSERT ... RETURNING gave no row");
	return webhookOf(row);
}

export async function countWebhooks(db: SqlExecutor, owner: string): Promise<number> {
	const { rows } = await db.query<{ n: number | string }>("SELECT count(*) AS n FROM notification.webhooks WHERE owner = $1", [owner]);
	return Number(rows[0]?.n ?? 0);
}

export async function listWebhooks(db: SqlExecutor, owner: string): Promise<Webhook[]> {
	const { rows } = await db.query<WebhookRow>(`SELECT ${COLUMNS} FROM notification.webhooks WHERE owner = $1 ORDER BY created_at, id`, [owner]);
	return rows.map(webhookOf);
}

export async function deleteWebhook(db: SqlExecutor, owner: string, id: string): Promise<boolean> {
	const result = await db.query("DELETE FROM notification.webhooks WHERE owner = $1 AND id = $2", [owner, id]);
	return result.rowCount === 1;
}

/** Turns a webhook back on (after its owner fixed the receiver): failures count from zero again. */
export async function enableWebhook(db: SqlExecutor, owner: string, id: string): Promise<Webhook | undefined> {
	const { rows } = await db.query<WebhookRow>(
		`UPDATE notification.webhooks SET enabled = true, disabled_reason = NULL, failing_since = NULL, updated_at = now() WHERE owner = $1 AND id = $2 RETURNING ${COLUMNS}`,
		[owner, id]
	);
	return rows[0] ? webhookOf(rows[0]) : undefined;
}

export async function getWebhookForDelivery(db: SqlExecutor, id: string): Promise<Webhook | undefined> {
	const { rows } = await db.query<WebhookRow>(`SELECT ${COLUMNS} FROM notification.webhooks WHERE id = $1`, [id]);
	return rows[0] ? webhookOf(rows[0]) : undefined;
}

/** Enabled webhooks subscribed to `kind` of these owners (user:<id>), or of every API key when `keys` is set. */
export async function subscribedWebhooks(db: SqlExecutor, kind: string, owners: readonly string[], keys: boolean): Promise<Webhook[]> {
	if (owners.length === 0 && !keys) return [];
	const { rows } = await db.query<WebhookRow>(
		`SELECT ${COLUMNS} FROM notification.webhooks
		WHERE enabled AND $1 = ANY (events) AND (owner = ANY ($2::text[]) OR ($3 AND owner LIKE 'key:%'))`,
		[kind, [...owners], keys]
	);
	return rows.map(webhookOf);
}

export function recordWebhookSuccess(db: SqlExecutor, id: string): Promise<unknown> {
	return db.query("UPDATE notification.webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL", [id]);
}

/**
 * Counts a failed try; once the webhook has only failed for `disableAfterMs`, disables it and
 * returns it (exactly once: the UPDATE that flips `enabled` is the one that returns the row).
 */
export async function recordWebhookFailure(db: SqlExecutor, id: string, disableAfterMs: number, reason: string, now: Date): Promise<Webhook | undefined> {
	await db.query("UPDATE notification.webhooks SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL", [id, now]);
	const { rows } = await db.query<WebhookRow>(
		`UPDATE notification.webhooks SET enabled = false, disabled_reason = $3, updated_at = now()
		WHERE id = $1 AND enabled AND failing_since <= $4::timestamptz - make_interval(secs => $2::double precision / 1000)
		RETURNING ${COLUMNS}`,
		[id, disableAfterMs, reason.slice(0, 500), now]
	);
	return rows[0] ? webhookOf(rows[0]) : undefined;
}
