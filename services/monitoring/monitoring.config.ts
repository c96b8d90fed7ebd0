/**
 * The monitoring service's keys in the central configuration (issue 12): alert thresholds and who
 * may scrape /metrics without a token. Declared here, beside the service that applies them; the
 * service lists `ConfigMixin(MONITORING_CONFIG)` in its mixins and reads
 * `configOf(this, MONITORING_CONFIG).get(key)` when it evaluates its rules, so a change applies at
 * the next evaluation without a restart.
 */
import { z } from "zod";
import { configKey, declareConfig } from "../../mixins/config.mixin.ts";

export const MONITORING_CONFIG = declareConfig("monitoring", {
	"monitoring.alerts.evaluationIntervalMs": configKey({
		schema: z.number().int().min(1_000).max(300_000),
		default: 10_000,
		description: "How often the rules are evaluated, ms",
		changeableBy: "operator"
	}),
	"monitoring.alerts.pendingForMs": configKey({
		schema: z.number().int().min(0).max(3_600_000),
		default: 0,
		description: "How long a rule must hold before its alert fires (pending until then), ms",
		changeableBy: "operator"
	}),
	"monitoring.alerts.errorRatePercent": configKey({
		schema: z.number().min(0).max(100),
		default: 5,
		description: "Error rate of a service's calls over which its alert fires, percent",
		changeableBy: "operator"
	}),
	"monitoring.alerts.p99LatencyMs": configKey({
		schema: z.number().int().min(1).max(600_000),
		default: 2_000,
		description: "p99 latency of a service's calls over which its alert fires, ms",
		changeableBy: "operator"
	}),
	"monitoring.alerts.staleDataGracePercent": configKey({
		schema: z.number().int().min(0).max(1_000),
		default: 50,
		description: "How far past its schedule's interval a source may go without a successful run before it is stale, percent of the interval",
		changeableBy: "operator"
	}),
	"monitoring.alerts.notificationBacklog": configKey({
		schema: z.number().int().min(1).max(10_000_000),
		default: 1_000,
		description: "Undelivered notifications in the outbox over which the backlog alert fires",
		changeableBy: "operator"
	}),
	"monitoring.metrics.allowedScrapers": configKey({
		// Addresses or CIDR blocks; a token with monitoring:read is the other way in.
		schema: z.array(z.string().max(64).regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, "must be an IP address or a CIDR block")).max(100),
		default: ["127.0.0.1", "::1"],
		description: "Addresses allowed to scrape /metrics without a token (loopback by default)",
		changeableBy: "admin"
	})
});
