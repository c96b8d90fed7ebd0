/**
 * The platform's own metric families, beside Moleculer's: one catalog, so the node that records a
 * series, the cluster-wide `/metrics` (which declares every family, even one no node has written
 * yet), the Prometheus rules and the Grafana dashboard all use the same names.
 *
 * They live in each node's Moleculer metric registry, so `$node.metrics` carries them to the
 * gateway like any other series and they get the node's label there. Series about the cluster as a
 * whole (health, alerts, ETL freshness) are written only by the monitoring instance that currently
 * evaluates the alert rules, so each appears once, with that node's label.
 */
import type { ServiceBroker } from "moleculer";

type MetricType = "counter" | "gauge" | "histogram";

export interface PlatformMetric {
	/** Moleculer's dotted name; Prometheus sees it with dots as underscores. */
	name: string;
	type: MetricType;
	labelNames: readonly string[];
	description: string;
	buckets?: readonly number[];
}

const ETL_DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 1_800, 3_600, 7_200] as const;

export const PLATFORM_METRICS = {
	etlRows: { name: "platform.etl.rows.total", type: "counter", labelNames: ["source", "outcome"], description: "Records an ETL run handled, by outcome (inserted, updated, unchanged, invalid)" },
	etlRuns: { name: "platform.etl.runs.total", type: "counter", labelNames: ["source", "status"], description: "Finished ETL runs by final status" },
	etlRunDuration: {
		name: "platform.etl.run.duration.seconds",
		type: "histogram",
		labelNames: ["source", "status"],
		description: "Duration of finished ETL runs in seconds",
		buckets: ETL_DURATION_BUCKETS
	},
	etlLastSuccess: { name: "platform.etl.last.success.timestamp.seconds", type: "gauge", labelNames: ["source"], description: "Unix time of the last successful run of a source (cluster-wide, from the alert evaluator)" },
	etlAllowedAge: { name: "platform.etl.allowed.age.seconds", type: "gauge", labelNames: ["source"], description: "Age a scheduled source's data may reach before it is stale (cluster-wide)" },
	etlLastRunFailed: { name: "platform.etl.last.run.failed", type: "gauge", labelNames: ["source"], description: "1 when the latest finished run of a source failed (cluster-wide)" },
	notificationsSent: { name: "platform.notifications.sent.total", type: "counter", labelNames: ["channel"], description: "Notifications delivered, by channel" },
	notificationsFailed: { name: "platform.notifications.failed.total", type: "counter", labelNames: ["channel"], description: "Notification deliveries that failed, by channel" },
	notificationsBacklog: { name: "platform.notifications.backlog", type: "gauge", labelNames: [], description: "Notifications waiting in the outbox" },
	authFailures: { name: "platform.auth.failures.total", type: "counter", labelNames: ["reason"], description: "Refused authentication attempts, by reason" },
	nodeUp: { name: "platform.node.up", type: "gauge", labelNames: ["node"], description: "1 when the node is up, 0 while it is down (cluster-wide, from health)" },
	serviceStatus: { name: "platform.service.status", type: "gauge", labelNames: ["service", "status"], description: "1 for the current status of a service (up, degraded, down), 0 for the others (cluster-wide)" },
	serviceLive: { name: "platform.service.replicas.live", type: "gauge", labelNames: ["service"], description: "Live nodes offering a service (cluster-wide)" },
	serviceWanted: { name: "platform.service.replicas.wanted", type: "gauge", labelNames: ["service"], description: "Nodes that should offer a service (cluster-wide)" },
	circuitOpen: { name: "platform.circuit.open", type: "gauge", labelNames: ["service", "action", "node"], description: "1 for each open circuit breaker (cluster-wide)" },
	deploymentDrift: { name: "platform.deployment.drift", type: "gauge", labelNames: ["service", "kind"], description: "1 for each way a service differs from the wanted topology (missing_replicas, extra_replicas, version_mismatch; cluster-wide)" },
	alertsFiring: { name: "platform.alerts.firing", type: "gauge", labelNames: ["rule", "severity"], description: "Alerts firing, by rule (cluster-wide)" },
	alertEvaluator: { name: "platform.alerts.evaluator", type: "gauge", labelNames: [], description: "1 on the node that evaluates the alert rules" },
	scrapeNodes: { name: "platform.metrics.scrape.nodes", type: "gauge", labelNames: ["result"], description: "Nodes asked for their metrics by this scrape, by result (answered, skipped)" },
	scrapeDuration: { name: "platform.metrics.scrape.duration.seconds", type: "gauge", labelNames: [], description: "Time this gateway took to gather the cluster's metrics" }
} as const satisfies Record<string, PlatformMetric>;

export type PlatformMetricKey = keyof typeof PLATFORM_METRICS;

/** Series only the alert evaluator writes; another node clears them when it stops evaluating. */
export const CLUSTER_METRIC_KEYS: readonly PlatformMetricKey[] = [
	"etlLastSuccess",
	"etlAllowedAge",
	"etlLastRunFailed",
	"nodeUp",
	"serviceStatus",
	"serviceLive",
	"serviceWanted",
	"circuitOpen",
	"deploymentDrift",
	"alertsFiring",
	"alertEvaluator"
];

export const NOTIFICATION_CHANNELS = ["email", "webhook", "inbox"] as const;

type LabelValues = Record<string, string | number>;

interface RegistryLike {
	getMetric(name: string): unknown;
	register(opts: Record<string, unknown>): unknown;
	increment(name: string, labels?: LabelValues | null, value?: number): void;
	set(name: string, value: number, labels?: LabelValues | null): void;
	observe(name: string, value: number, labels?: LabelValues | null): void;
}

interface ClearableMetric {
	clear(): void;
}

function registryOf(broker: ServiceBroker): RegistryLike | undefined {
	if (!broker.isMetricsEnabled()) return undefined;
	return broker.metrics as unknown as RegistryLike;
}

/** Declares the family in this node's registry (once); undefined when metrics are off. */
function ensure(broker: ServiceBroker, key: PlatformMetricKey): RegistryLike | undefined {
	const registry = registryOf(broker);
	if (!registry) return undefined;
	const def: PlatformMetric = PLATFORM_METRICS[key];
	if (!registry.getMetric(def.name)) {
		registry.register({
			name: def.name,
			type: def.type,
			labelNames: [...def.labelNames],
			description: def.description,
			...(def.buckets ? { buckets: [...def.buckets], quantiles: false } : {}),
			// Prometheus computes rates itself; Moleculer's rate trackers cost a timer each.
			rate: false
		});
	}
	return registry;
}

export function incrementMetric(broker: ServiceBroker, key: PlatformMetricKey, labels: LabelValues = {}, by = 1): void {
	ensure(broker, key)?.increment(PLATFORM_METRICS[key].name, labels, by);
}

export function setMetric(broker: ServiceBroker, key: PlatformMetricKey, value: number, labels: LabelValues = {}): void {
	ensure(broker, key)?.set(PLATFORM_METRICS[key].name, value, labels);
}

export function observeMetric(broker: ServiceBroker, key: PlatformMetricKey, value: number, labels: LabelValues = {}): void {
	ensure(broker, key)?.observe(PLATFORM_METRICS[key].name, value, labels);
}

/** Forgets every series of the family on this node (subjects that vanished, or a lost evaluator role). */
export function clearMetric(broker: ServiceBroker, key: PlatformMetricKey): void {
	const metric = ensure(broker, key)?.getMetric(PLATFORM_METRICS[key].name) as ClearableMetric | undefined;
	metric?.clear();
}

/**
 * Counters a node declares at zero, so `rate()` has a first sample before the first event. The
 * notification service declares its channels; the gateway its authentication failures.
 */
export function declareZero(broker: ServiceBroker, key: PlatformMetricKey, labelSets: readonly LabelValues[]): void {
	for (const labels of labelSets) incrementMetric(broker, key, labels, 0);
}
