/**
 * Alerts, their history, silences and the evaluator's lease in schema `monitoring`
 * (migrations/001_alerts.sql). Handlers and the evaluator only orchestrate; SQL lives here.
 */
import type { Database, SqlExecutor } from "../../../runtime/storage/database.ts";
import { uuid7 } from "../../../runtime/storage/uuid7.ts";
import type { Alert, AlertHistoryEntry, AlertRule, AlertState, Severity, Silence } from "../monitoring.contract.ts";
import type { ActiveAlert, AlertChange, SilenceMatcher } from "./alert-lifecycle.ts";
import { isSilenced } from "./alert-lifecycle.ts";

const EVALUATOR_LEASE = "evaluator";

interface AlertRow extends Record<string, unknown> {
	id: string;
	rule: AlertRule;
	subject: string;
	severity: Severity;
	state: AlertState;
	summary: string;
	value: number | null;
	started_at: Date | string;
	fired_at: Date | string | null;
	resolved_at: Date | string | null;
	notified: boolean;
	acknowledged_by: string | null;
	acknowledged_at: Date | string | null;
}

interface SilenceRow extends Record<string, unknown> {
	id: string;
	rule: AlertRule | null;
	subject: string | null;
	reason: string;
	created_by: string;
	created_at: Date | string;
	expires_at: Date | string;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toAlert(row: AlertRow, silences: readonly SilenceMatcher[], now: Date): Alert {
	return {
		id: row.id,
		rule: row.rule,
		subject: row.subject,
		severity: row.severity,
		state: row.state,
		summary: row.summary,
		value: row.value === null ? null : Number(row.value),
		startedAt: iso(row.started_at) ?? "",
		firedAt: iso(row.fired_at),
		resolvedAt: iso(row.resolved_at),
		acknowledgedBy: row.acknowledged_by,
		acknowledgedAt: iso(row.acknowledged_at),
		silenced: row.state !== "resolved" && isSilenced(silences, row.rule, row.subject, now)
	};
}

function toSilence(row: SilenceRow): Silence {
	return {
		id: row.id,
		rule: row.rule,
		subject: row.subject,
		reason: row.reason,
		createdBy: row.created_by,
		createdAt: iso(row.created_at) ?? "",
		expiresAt: iso(row.expires_at) ?? ""
	};
}

// --- the lease ---------------------------------------------------------------------------------

/**
 * Takes or renews the evaluator lease; true when this node holds it now. A row with an expiry
 * rather than an advisory lock, for the reasons the ETL's lease gives (services/etl/pipeline/runs.ts):
 * pooled connections and PGlite have no session the service controls, and a stuck holder must lose it.
 */
export async function tryEvaluatorLease(db: Database, holder: string, ttlMs: number): Promise<boolean> {
	const { rows } = await db.query<{ holder: string }>(
		`INSERT INTO monitoring.leases (name, holder, acquired_at, expires_at) VALUES ($1, $2, now(), now() + make_interval(secs => $3))
		 ON CONFLICT (name) DO UPDATE SET
		   acquired_at = CASE WHEN monitoring.leases.holder = excluded.holder THEN monitoring.leases.acquired_at ELSE excluded.acquired_at END,
		   holder = excluded.holder, expires_at = excluded.expires_at
		 WHERE monitoring.leases.holder = excluded.holder OR monitoring.leases.expires_at < now()
		 RETURNING holder`,
		[EVALUATOR_LEASE, holder, ttlMs / 1000]
	);
	return rows.length > 0;
}

export async function releaseEvaluatorLease(db: Database, holder: string): Promise<void> {
	await db.query("DELETE FROM monitoring.leases WHERE name = $1 AND holder = $2", [EVALUATOR_LEASE, holder]);
}

export async function evaluatorLease(db: Database): Promise<{ holder: string; acquiredAt: string; expiresAt: string } | null> {
	const { rows } = await db.query<{ holder: string; acquired_at: Date | string; expires_at: Date | string }>(
		"SELECT holder, acquired_at, expires_at FROM monitoring.leases WHERE name = $1 AND expires_at >= now()",
		[EVALUATOR_LEASE]
	);
	const row = rows[0];
	return row ? { holder: row.holder, acquiredAt: iso(row.acquired_at) ?? "", expiresAt: iso(row.expires_at) ?? "" } : null;
}

// --- evaluation ----------------------------------------------------------------------------------

export async function activeAlerts(db: SqlExecutor): Promise<ActiveAlert[]> {
	const { rows } = await db.query<AlertRow>("SELECT * FROM monitoring.alerts WHERE state IN ('pending', 'firing')");
	return rows.map((r) => ({ id: r.id, rule: r.rule, subject: r.subject, state: r.state as ActiveAlert["state"], startedAt: new Date(r.started_at), notified: r.notified }));
}

export async function activeSilences(db: SqlExecutor, now: Date): Promise<SilenceMatcher[]> {
	const { rows } = await db.query<SilenceRow>("SELECT * FROM monitoring.silences WHERE expires_at > $1", [now]);
	return rows.map((r) => ({ rule: r.rule, subject: r.subject, expiresAt: new Date(r.expires_at) }));
}

async function history(tx: SqlExecutor, alertId: string, at: Date, from: AlertState | "none", to: AlertState, node: string, detail: string | null): Promise<void> {
	await tx.query("INSERT INTO monitoring.alert_history (alert_id, at, from_state, to_state, node, detail) VALUES ($1, $2, $3, $4, $5, $6)", [alertId, at, from, to, node, detail]);
}

export interface Applied {
	fired: Alert[];
	resolved: Alert[];
	firing: Alert[];
}

/**
 * Stores one evaluation's changes in one transaction, fenced by the lease: the lease row is locked
 * first, and if it is no longer this node's (it expired and another node took it) nothing is
 * written and undefined is returned.
 */
export async function applyChanges(db: Database, node: string, changes: readonly AlertChange[], now: Date): Promise<Applied | undefined> {
	return db.transaction(async (tx) => {
		const lease = await tx.query("SELECT 1 FROM monitoring.leases WHERE name = $1 AND holder = $2 AND expires_at > now() FOR UPDATE", [EVALUATOR_LEASE, node]);
		if (lease.rows.length === 0) return undefined;
		const notifiedIds = new Set<string>();
		const resolvedIds = new Set<string>();
		for (const change of changes) {
			if (change.kind === "open") {
				const id = uuid7();
				const c = change.condition;
				await tx.query(
					`INSERT INTO monitoring.alerts (id, rule, subject, severity, state, summary, value, started_at, fired_at, notified, updated_at)
					 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $8)`,
					[id, c.rule, c.subject, c.severity, change.state, c.summary, c.value, now, change.state === "firing" ? now : null, change.notify]
				);
				await history(tx, id, now, "none", change.state, node, c.summary);
				if (change.notify) notifiedIds.add(id);
			} else if (change.kind === "fire") {
				const c = change.condition;
				await tx.query("UPDATE monitoring.alerts SET state = 'firing', fired_at = $2, summary = $3, value = $4, notified = $5, updated_at = $2 WHERE id = $1", [change.id, now, c.summary, c.value, change.notify]);
				await history(tx, change.id, now, "pending", "firing", node, c.summary);
				if (change.notify) notifiedIds.add(change.id);
			} else if (change.kind === "update") {
				const c = change.condition;
				await tx.query("UPDATE monitoring.alerts SET summary = $2, value = $3, notified = notified OR $4, updated_at = $5 WHERE id = $1", [change.id, c.summary, c.value, change.notify, now]);
				if (change.notify) {
					await history(tx, change.id, now, "firing", "firing", node, "announced: its silence ended");
					notifiedIds.add(change.id);
				}
			} else {
				await tx.query("UPDATE monitoring.alerts SET state = 'resolved', resolved_at = $2, updated_at = $2 WHERE id = $1", [change.id, now]);
				await history(tx, change.id, now, change.wasFiring ? "firing" : "pending", "resolved", node, change.wasFiring ? "condition cleared" : "cleared before it fired");
				if (change.notify) resolvedIds.add(change.id);
			}
		}
		const silences = await activeSilences(tx, now);
		const { rows } = await tx.query<AlertRow>(
			"SELECT * FROM monitoring.alerts WHERE state = 'firing' OR id = ANY($1::text[])",
			[[...notifiedIds, ...resolvedIds]]
		);
		const alerts = rows.map((r) => toAlert(r, silences, now));
		return {
			fired: alerts.filter((a) => notifiedIds.has(a.id)),
			resolved: alerts.filter((a) => resolvedIds.has(a.id)),
			firing: alerts.filter((a) => a.state === "firing")
		};
	});
}

// --- the API -------------------------------------------------------------------------------------

export interface AlertFilter {
	state?: AlertState | "active";
	rule?: string;
	subject?: string;
	limit: number;
	offset: number;
}

export async function listAlerts(db: Database, filter: AlertFilter, now: Date): Promise<{ alerts: Alert[]; total: number }> {
	const where: string[] = [];
	const params: unknown[] = [];
	if (filter.state === "active") where.push("state IN ('pending', 'firing')");
	else if (filter.state) where.push(`state = $${params.push(filter.state)}`);
	if (filter.rule) where.push(`rule = $${params.push(filter.rule)}`);
	if (filter.subject) where.push(`subject = $${params.push(filter.subject)}`);
	const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
	const total = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM monitoring.alerts ${clause}`, params);
	const { rows } = await db.query<AlertRow>(
		`SELECT * FROM monitoring.alerts ${clause} ORDER BY started_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
		[...params, filter.limit, filter.offset]
	);
	const silences = await activeSilences(db, now);
	return { alerts: rows.map((r) => toAlert(r, silences, now)), total: Number(total.rows[0]?.n ?? 0) };
}

export async function getAlert(db: Database, id: string, now: Date): Promise<(Alert & { history: AlertHistoryEntry[] }) | undefined> {
	const { rows } = await db.query<AlertRow>("SELECT * FROM monitoring.alerts WHERE id = $1", [id]);
	const row = rows[0];
	if (!row) return undefined;
	const entries = await db.query<{ at: Date | string; from_state: AlertState | "none"; to_state: AlertState; node: string; detail: string | null }>(
		"SELECT at, from_state, to_state, node, detail FROM monitoring.alert_history WHERE alert_id = $1 ORDER BY id",
		[id]
	);
	return {
		...toAlert(row, await activeSilences(db, now), now),
		history: entries.rows.map((e) => ({ at: iso(e.at) ?? "", from: e.from_state, to: e.to_state, node: e.node, detail: e.detail }))
	};
}

export type AcknowledgeOutcome = { ok: true; alert: Alert } | { ok: false; reason: "not-found" | "resolved" };

export async function acknowledgeAlert(db: Database, id: string, by: string, comment: string | undefined, now: Date, node: string): Promise<AcknowledgeOutcome> {
	return db.transaction(async (tx) => {
		const { rows } = await tx.query<AlertRow>("SELECT * FROM monitoring.alerts WHERE id = $1 FOR UPDATE", [id]);
		const row = rows[0];
		if (!row) return { ok: false, reason: "not-found" } as const;
		if (row.state === "resolved") return { ok: false, reason: "resolved" } as const;
		const updated = await tx.query<AlertRow>("UPDATE monitoring.alerts SET acknowledged_by = $2, acknowledged_at = $3 WHERE id = $1 RETURNING *", [id, by, now]);
		await history(tx, id, now, row.state, row.state, node, `acknowledged by ${by}${comment ? `: ${comment}` : ""}`);
		return { ok: true, alert: toAlert(updated.rows[0] as AlertRow, await activeSilences(tx, now), now) } as const;
	});
}

export async function createSilence(db: Database, silence: { rule: AlertRule | null; subject: string | null; reason: string; createdBy: string; expiresAt: Date }, now: Date): Promise<Silence> {
	const { rows } = await db.query<SilenceRow>(
		"INSERT INTO monitoring.silences (id, rule, subject, reason, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
		[uuid7(), silence.rule, silence.subject, silence.reason, silence.createdBy, now, silence.expiresAt]
	);
	return toSilence(rows[0] as SilenceRow);
}

export async function listSilences(db: Database, includeExpired: boolean, now: Date, limit: number): Promise<Silence[]> {
	const { rows } = await db.query<SilenceRow>(
		`SELECT * FROM monitoring.silences ${includeExpired ? "" : "WHERE expires_at > $2"} ORDER BY created_at DESC, id DESC LIMIT $1`,
		includeExpired ? [limit] : [limit, now]
	);
	return rows.map(toSilence);
}

/** Ends a silence now (its row stays, expired, as history); undefined when there is none. */
export async function endSilence(db: Database, id: string, now: Date): Promise<Silence | undefined> {
	const { rows } = await db.query<SilenceRow>("UPDATE monitoring.silences SET expires_at = LEAST(expires_at, $2) WHERE id = $1 RETURNING *", [id, now]);
	return rows[0] ? toSilence(rows[0]) : undefined;
}
