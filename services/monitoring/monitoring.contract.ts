/**
 * CONTRACT of the monitoring service (other services depend on these names and shapes).
 *
 * Events, broadcast (every gateway forwards them on its SSE stream, platform-events.ts), once per
 * alert and transition, after the change is stored:
 * - `alert.fired`    an alert started firing (or its silence ended while it still fires);
 * - `alert.resolved` a fired alert's condition cleared.
 * A notification consumer that runs on several nodes receives each on every node: deduplicate on
 * `alert.id` + event name (e.g. in the outbox's unique key).
 *
 * Actions (operators, under /api/v1/alerts): `monitoring.alerts`, `monitoring.alert`,
 * `monitoring.acknowledge`, `monitoring.silences`, `monitoring.silence`, `monitoring.unsilence`,
 * `monitoring.status`.
 */

export const ALERT_FIRED_EVENT = "alert.fired";
export const ALERT_RESOLVED_EVENT = "alert.resolved";

export const ALERT_RULES = ["node_down", "service_replicas", "error_rate", "latency_p99", "circuit_open", "etl_failed", "stale_data", "notification_backlog", "deployment_drift"] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const ALERT_STATES = ["pending", "firing", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const SEVERITIES = ["warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Alert {
	id: string;
	rule: AlertRule;
	/** What the alert is about: a node id, a service, `action@node`, a source, `outbox`, `<service>/<drift kind>`. */
	subject: string;
	severity: Severity;
	state: AlertState;
	summary: string;
	/** The measured value that crossed the threshold, when there is one. */
	value: number | null;
	/** When the condition was first seen (pending since). */
	startedAt: string;
	firedAt: string | null;
	resolvedAt: string | null;
	acknowledgedBy: string | null;
	acknowledgedAt: string | null;
	/** A matching silence is active: stored and listed, but no `alert.fired` goes out. */
	silenced: boolean;
}

/** Payload of `alert.fired` and `alert.resolved`. */
export interface AlertEvent {
	alert: Alert;
	/** Node that evaluated the rule. */
	evaluator: string;
}

export interface Silence {
	id: string;
	/** Null: any rule. */
	rule: AlertRule | null;
	/** Null: any subject. */
	subject: string | null;
	reason: string;
	createdBy: string;
	createdAt: string;
	expiresAt: string;
}

export interface AlertHistoryEntry {
	at: string;
	from: AlertState | "none";
	to: AlertState;
	node: string;
	detail: string | null;
}
