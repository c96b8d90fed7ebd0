/**
 * The monitoring service's keys in the central configuration (issue 12): the alert rules'
 * thresholds, named and bounded as the monitoring service's own ThresholdsSchema
 * (services/monitoring/thresholds.ts on main: `monitoring.<name>`, changeable by operators, live).
 *
 * Wiring in the monitoring service (its seam, `ThresholdSource#update`):
 *
 *   mixins: [..., MonitoringConfigMixin(() => thresholdsFromEnv)],
 *   started() { followThresholds(this, thresholds); }
 *
 * so each change applies at the next evaluation, without a restart; ALERT_THRESHOLDS stays each
 * node's default until a value is stored.
 */
import type { Service } from "moleculer";
import { z } from "zod";
import { ConfigMixin, type ConfigDefaults, configKey, configOf, declareConfig } from "../../mixins/config.mixin.ts";

const ms = (max: number) => z.number().int().min(0).max(max);
const HOUR = 3_600_000;

const PendingMs = z.strictObject({
	nodeDown: ms(HOUR),
	serviceReplicas: ms(HOUR),
	errorRate: ms(HOUR),
	latency: ms(HOUR),
	circuitOpen: ms(HOUR),
	etlFailed: ms(HOUR),
	staleData: ms(HOUR),
	notificationBacklog: ms(HOUR),
	// Optional: a value stored before the rule existed stays valid (the default then applies).
	deploymentDrift: ms(HOUR).optional()
});

export const MONITORING_CONFIG = declareConfig("monitoring", {
	"monitoring.evaluationIntervalMs": configKey({
		schema: z.number().int().min(250).max(300_000),
		default: 5_000,
		description: "How often the evaluator looks at the cluster, ms",
		changeableBy: "operator"
	}),
	"monitoring.errorRate": configKey({
		schema: z.number().min(0).max(1),
		default: 0.05,
		description: "Share of failed calls per service over the rate window above which the error-rate alert fires (0 to 1)",
		changeableBy: "operator"
	}),
	"monitoring.minRequests": configKey({
		schema: z.number().int().min(1).max(1_000_000),
		default: 20,
		description: "Calls in the window below which a service's error rate says nothing",
		changeableBy: "operator"
	}),
	"monitoring.p99LatencyMs": configKey({
		schema: z.number().min(1).max(600_000),
		default: 1_000,
		description: "99th-percentile call time per service above which the latency alert fires, ms",
		changeableBy: "operator"
	}),
	"monitoring.rateWindowMs": configKey({
		schema: ms(HOUR),
		default: 60_000,
		description: "The window of the error rate and the latency percentile, ms",
		changeableBy: "operator"
	}),
	"monitoring.staleFactor": configKey({
		schema: z.number().min(1).max(100),
		default: 2,
		description: "A scheduled source is stale when its last success is older than this many schedule intervals",
		changeableBy: "operator"
	}),
	"monitoring.notificationBacklog": configKey({
		schema: z.number().int().min(0).max(10_000_000),
		default: 100,
		description: "Notifications waiting in the outbox above which the backlog alert fires",
		changeableBy: "operator"
	}),
	"monitoring.pendingMs": configKey({
		schema: PendingMs,
		default: { nodeDown: 0, serviceReplicas: 0, errorRate: 60_000, latency: 60_000, circuitOpen: 0, etlFailed: 0, staleData: 0, notificationBacklog: 120_000, deploymentDrift: 0 },
		description: "How long each rule's condition must hold before its alert fires (pending until then), ms",
		changeableBy: "operator"
	})
});

type MonitoringKeys = (typeof MONITORING_CONFIG)["keys"];
const KEYS = Object.keys(MONITORING_CONFIG.keys) as (keyof MonitoringKeys & string)[];
const nameOf = (key: string): string => key.slice("monitoring.".length);

/** `initial` are this node's thresholds (ALERT_THRESHOLDS or the defaults), by their short names. */
export function MonitoringConfigMixin(initial: () => Record<string, unknown>) {
	return ConfigMixin(MONITORING_CONFIG, {
		defaults: () => {
			const values = initial();
			return Object.fromEntries(KEYS.filter((key) => nameOf(key) in values).map((key) => [key, values[nameOf(key)]])) as ConfigDefaults<MonitoringKeys>;
		}
	});
}

/** Feeds the thresholds' source now and on every change (call in `started`). */
export function followThresholds(service: Service, source: { update(change: Record<string, unknown>): unknown }): void {
	const config = configOf(service, MONITORING_CONFIG);
	source.update(Object.fromEntries(KEYS.map((key) => [nameOf(key), config.get(key)])));
	for (const key of KEYS) {
		config.onChange(key, (value) => {
			try {
				source.update({ [nameOf(key)]: value });
			} catch (err) {
				service.logger.error(`Threshold ${key} not applied: ${err instanceof Error ? err.message : String(err)}`);
			}
		});
	}
}
