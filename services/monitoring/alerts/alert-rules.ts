/**
 * The built-in alert rules: facts about the cluster in, the conditions that hold out. Pure, so
 * the rules are tested without a cluster; the evaluator gathers the facts and the lifecycle turns
 * conditions into pending, firing and resolved alerts.
 *
 * A rule whose facts could not be gathered this time (health unreachable, no ETL node) is not
 * evaluated: its alerts keep their state instead of resolving because nobody answered.
 */
import { Cron } from "croner";
import type { ClusterSummary } from "../../health/health.contract.ts";
import { LEFT_GRACEFULLY } from "../../health/health.contract.ts";
import type { AlertRule, Severity } from "../monitoring.contract.ts";
import type { Thresholds } from "../thresholds.ts";
import type { ServiceTraffic } from "./traffic-window.ts";

export interface SourceFacts {
	source: string;
	cron: string | null;
	lastFinished: { id: string; status: string; finishedAt: string; error: string | null } | null;
	lastSucceededAt: string | null;
	firstRunAt: string | null;
}

/** The part of `deployment.drift`'s items read here (services/deployment/deployment.contract.ts). */
export interface DriftFact {
	kind: string;
	service: string;
	subject: string;
	live: number;
	summary: string;
	/** A rollout in progress causes it: not an incident. */
	expected: boolean;
}

export interface ClusterFacts {
	health?: ClusterSummary;
	traffic?: ServiceTraffic[];
	etl?: SourceFacts[];
	/** Notifications waiting across the cluster; undefined when no node reports an outbox. */
	backlog?: number;
	/** What differs from the wanted topology; undefined when no deployment node answered. */
	drift?: DriftFact[];
}

export interface Condition {
	rule: AlertRule;
	subject: string;
	severity: Severity;
	summary: string;
	value: number | null;
}

export const RULE_SEVERITY: Record<AlertRule, Severity> = {
	node_down: "critical",
	service_replicas: "critical",
	error_rate: "warning",
	latency_p99: "warning",
	circuit_open: "warning",
	etl_failed: "warning",
	stale_data: "warning",
	notification_backlog: "warning",
	deployment_drift: "warning"
};

/** The threshold key holding each rule's pending time. */
export const PENDING_KEY: Record<AlertRule, keyof Thresholds["pendingMs"]> = {
	node_down: "nodeDown",
	service_replicas: "serviceReplicas",
	error_rate: "errorRate",
	latency_p99: "latency",
	circuit_open: "circuitOpen",
	etl_failed: "etlFailed",
	stale_data: "staleData",
	notification_backlog: "notificationBacklog",
	deployment_drift: "deploymentDrift"
};

/** The interval between two runs of a cron schedule (the gap after the next run), ms. */
export function scheduleIntervalMs(cron: string, from: Date): number | undefined {
	try {
		const [a, b] = new Cron(cron, { paused: true, timezone: "UTC" }).nextRuns(2, from);
		return a && b ? b.getTime() - a.getTime() : undefined;
	} catch {
		return undefined;
	}
}

/** How old a scheduled source's last success may be before its data is stale, ms. */
export function allowedAgeMs(cron: string, thresholds: Thresholds, now: Date): number | undefined {
	const interval = scheduleIntervalMs(cron, now);
	return interval === undefined ? undefined : interval * thresholds.staleFactor;
}

function condition(rule: AlertRule, subject: string, summary: string, value: number | null = null): Condition {
	return { rule, subject, severity: RULE_SEVERITY[rule], summary, value };
}

export interface Evaluation {
	conditions: Condition[];
	/** Rules whose facts were there: only their alerts may change state. */
	evaluated: Set<AlertRule>;
}

export function evaluateRules(facts: ClusterFacts, thresholds: Thresholds, now: Date): Evaluation {
	const conditions: Condition[] = [];
	const evaluated = new Set<AlertRule>();
	if (facts.health) {
		evaluated.add("node_down").add("service_replicas").add("circuit_open");
		for (const node of facts.health.nodes) {
			// A node an operator stopped is not an incident; one that stopped answering is.
			if (node.state === "down" && node.reason !== LEFT_GRACEFULLY) conditions.push(condition("node_down", node.id, `Node ${node.id} is down: ${node.reason ?? "not available"}`));
		}
		for (const service of facts.health.services) {
			if (service.live < service.wanted) {
				conditions.push(condition("service_replicas", service.name, `${service.name} has ${service.live} live node(s), ${service.wanted} wanted`, service.live));
			}
			for (const circuit of service.openCircuits) conditions.push(condition("circuit_open", circuit, `Circuit breaker open for ${circuit}`));
		}
	}
	if (facts.traffic) {
		evaluated.add("error_rate").add("latency_p99");
		for (const t of facts.traffic) {
			if (t.requests >= thresholds.minRequests && t.errorRate > thresholds.errorRate) {
				conditions.push(condition("error_rate", t.service, `${t.service}: ${(t.errorRate * 100).toFixed(1)} % of ${t.requests} calls failed (threshold ${thresholds.errorRate * 100} %)`, t.errorRate));
			}
			if (t.p99Ms !== null && t.requests >= thresholds.minRequests && t.p99Ms > thresholds.p99LatencyMs) {
				conditions.push(condition("latency_p99", t.service, `${t.service}: p99 ${Math.round(t.p99Ms)} ms (threshold ${thresholds.p99LatencyMs} ms)`, t.p99Ms));
			}
		}
	}
	if (facts.etl) {
		evaluated.add("etl_failed").add("stale_data");
		for (const s of facts.etl) {
			if (s.lastFinished?.status === "failed") {
				conditions.push(condition("etl_failed", s.source, `The latest ${s.source} run (${s.lastFinished.id}) failed: ${s.lastFinished.error ?? "no reason recorded"}`));
			}
			if (!s.cron) continue;
			const allowed = allowedAgeMs(s.cron, thresholds, now);
			const since = s.lastSucceededAt ?? s.firstRunAt;
			if (allowed === undefined || since === null) continue;
			const age = now.getTime() - Date.parse(since);
			if (age > allowed) {
				const what = s.lastSucceededAt ? `last successful run ${Math.round(age / 60_000)} min ago` : "no successful run yet";
				conditions.push(condition("stale_data", s.source, `${s.source} data is stale: ${what} (allowed ${Math.round(allowed / 60_000)} min)`, age / 1000));
			}
		}
	}
	if (facts.backlog !== undefined) {
		evaluated.add("notification_backlog");
		if (facts.backlog > thresholds.notificationBacklog) {
			conditions.push(condition("notification_backlog", "outbox", `${facts.backlog} notifications waiting (threshold ${thresholds.notificationBacklog})`, facts.backlog));
		}
	}
	if (facts.drift) {
		evaluated.add("deployment_drift");
		for (const d of facts.drift) if (!d.expected) conditions.push(condition("deployment_drift", d.subject, d.summary, d.live));
	}
	return { conditions, evaluated };
}
