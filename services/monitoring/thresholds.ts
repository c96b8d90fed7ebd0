/**
 * The alert rules' thresholds: one schema with its defaults, and one seam through which the
 * evaluator reads the current values on every evaluation.
 *
 * SEAM for the config service (issue 12): `THRESHOLD_KEYS` describes each key (schema, default,
 * description, the role that may change it) for the config mixin to declare; the mixin then feeds
 * `ThresholdSource#update` on `config.changed`, and `MonitoringService({ thresholds })` receives
 * that source instead of the one built here. Until then the source is the defaults, overridden by
 * ALERT_THRESHOLDS (a JSON object of the same keys), checked at start.
 */
import { z } from "zod";

const ms = (max: number) => z.number().int().min(0).max(max);

export const ThresholdsSchema = z.strictObject({
	/** How often the evaluator looks at the cluster. */
	evaluationIntervalMs: z.number().int().min(250).max(300_000).default(5_000),
	/** Share of failed calls per service, over `rateWindowMs`, above which the error-rate alert fires. */
	errorRate: z.number().min(0).max(1).default(0.05),
	/** Fewer calls than this in the window say nothing about a service's error rate. */
	minRequests: z.number().int().min(1).max(1_000_000).default(20),
	/** 99th-percentile call time per service, ms. */
	p99LatencyMs: z.number().min(1).max(600_000).default(1_000),
	/** The window of the error rate and the latency percentile (Prometheus' `rate(...[1m])`). */
	rateWindowMs: ms(3_600_000).default(60_000),
	/** A scheduled source is stale when its last success is older than this many schedule intervals. */
	staleFactor: z.number().min(1).max(100).default(2),
	/** Notifications waiting in the outbox above which the backlog alert fires. */
	notificationBacklog: z.number().int().min(0).max(10_000_000).default(100),
	/** How long a condition must hold before its alert fires (pending until then), per rule. */
	pendingMs: z
		.strictObject({
			nodeDown: ms(3_600_000).default(0),
			serviceReplicas: ms(3_600_000).default(0),
			errorRate: ms(3_600_000).default(60_000),
			latency: ms(3_600_000).default(60_000),
			circuitOpen: ms(3_600_000).default(0),
			etlFailed: ms(3_600_000).default(0),
			staleData: ms(3_600_000).default(0),
			notificationBacklog: ms(3_600_000).default(120_000),
			deploymentDrift: ms(3_600_000).default(0)
		})
		.default({ nodeDown: 0, serviceReplicas: 0, errorRate: 60_000, latency: 60_000, circuitOpen: 0, etlFailed: 0, staleData: 0, notificationBacklog: 120_000, deploymentDrift: 0 })
});

export type Thresholds = z.output<typeof ThresholdsSchema>;

export const DEFAULT_THRESHOLDS: Thresholds = ThresholdsSchema.parse({});

/** What the config service will declare (key `monitoring.<name>`), changeable by operators. */
export const THRESHOLD_KEYS = Object.entries(ThresholdsSchema.shape).map(([name, schema]) => ({
	key: `monitoring.${name}`,
	schema,
	default: DEFAULT_THRESHOLDS[name as keyof Thresholds],
	description: schema.description ?? `Alert threshold ${name}`,
	role: "operator" as const,
	restartRequired: false
}));

export class ThresholdsError extends Error {
	override name = "ThresholdsError";
}

/** Parses ALERT_THRESHOLDS; a bad value fails the node at start with the field that is wrong. */
export function parseThresholds(raw: string | undefined): Thresholds {
	if (!raw) return DEFAULT_THRESHOLDS;
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch {
		throw new ThresholdsError("ALERT_THRESHOLDS must be a JSON object such as {\"errorRate\":0.1}");
	}
	const parsed = ThresholdsSchema.safeParse(json);
	if (!parsed.success) {
		const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
		throw new ThresholdsError(`ALERT_THRESHOLDS: ${issues}`);
	}
	return parsed.data;
}

/** Where the evaluator reads thresholds; `update` is what the config mixin will call. */
export class ThresholdSource {
	private value: Thresholds;

	constructor(initial: Thresholds = DEFAULT_THRESHOLDS) {
		this.value = initial;
	}

	current(): Thresholds {
		return this.value;
	}

	/** Validates a partial change against the schema and applies it; throws with the reason otherwise. */
	update(change: Record<string, unknown>): Thresholds {
		const parsed = ThresholdsSchema.safeParse({ ...this.value, ...change, pendingMs: { ...this.value.pendingMs, ...(change.pendingMs as object | undefined) } });
		if (!parsed.success) throw new ThresholdsError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
		this.value = parsed.data;
		return this.value;
	}
}
