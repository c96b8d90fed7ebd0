/**
 * One typed broker configuration for every node, driven by the variables in .env.example.
 * `createBrokerOptions(env)` is what the entrypoint, the REPL, tests and benchmarks use; the
 * default export serves `moleculer-runner` and tools that expect a config file.
 */
import type { BrokerOptions, Errors, MetricRegistry, Middleware, Tracer } from "moleculer";
import { type Env, loadEnv } from "./runtime/env.ts";
import { DEFAULT_FAILURE_DETECTION, FastDiscoverer } from "./runtime/fast-discoverer.ts";
import { PayloadGuardMiddleware } from "./middlewares/payload-guard.middleware.ts";
import { LeanMetricsMiddleware } from "./middlewares/lean-metrics.middleware.ts";
import { HeadSampledTracingMiddleware } from "./middlewares/head-sampled-tracing.middleware.ts";
import { PermissionsMiddleware } from "./middlewares/permissions.middleware.ts";
import { PlatformPrometheusReporter } from "./runtime/prometheus-reporter.ts";
import { BoundedSpanExporter } from "./runtime/bounded-span-exporter.ts";
import { redisOptionsFromUrl } from "./runtime/storage/redis-options.ts";
import { ZodValidator } from "./runtime/validation/zod-validator.ts";
import { FaultContainmentMiddleware } from "./runtime/fault-containment.ts";
import { classifyDatabaseError } from "./runtime/storage/errors.ts";

/**
 * Retries are off broker-wide: a retried non-idempotent call can act twice, and moleculer-web's
 * own `rest` action is re-sent and mis-routed when retried (docs/decisions/0004-retries-and-payload-guard.md). An idempotent action opts in
 * with `retryPolicy: IDEMPOTENT_RETRY` in its schema.
 */
export const IDEMPOTENT_RETRY = {
	enabled: true,
	retries: 2,
	delay: 100,
	maxDelay: 1_000,
	factor: 2,
	check: (err: Errors.MoleculerError | Error): boolean => "retryable" in err && err.retryable === true
};

/**
 * What counts toward opening a circuit breaker: only faults of the service or what it depends on
 * (5xx, timeouts, errors without a status). Nothing a client can send may count, or a flood of bad
 * requests would open the breaker for everyone (issue 9): a 4xx never counts, nor does a database
 * error that the caller's values caused, should one reach here unclassified (an action outside
 * DbMixin's error hook). docs/decisions/0011-client-errors-and-breakers.md.
 */
export function isServerFault(err: Error): boolean {
	if (classifyDatabaseError(err) !== undefined) return false;
	if (err.name === "RequestTimeoutError") return true;
	const code = "code" in err && typeof err.code === "number" && Number.isInteger(err.code) ? err.code : 500;
	return code >= 500 || code < 400;
}

/**
 * Moleculer's internal middlewares by name, in its order (INTERNAL_MIDDLEWARES in
 * service-broker.js), with LeanMetrics in place of its Metrics middleware, which cost 28-40 % of
 * throughput (docs/decisions/0007-observability-cost.md, lean-metrics.middleware.ts), and its Tracing middleware entered only by
 * sampled calls (head-sampled-tracing.middleware.ts). Used with `internalMiddlewares: false`.
 */
export function platformMiddlewares(): (Middleware | string)[] {
	return [
		PayloadGuardMiddleware(),
		"ActionHook",
		"Validator",
		"Bulkhead",
		"Cacher",
		// Moleculer wraps each handler with the list in order, so a later entry runs first. Listed
		// after these: a caller without the permission is refused before any hook runs or any param
		// is validated, and a cached answer is never served to a caller who may not see it.
		PermissionsMiddleware(),
		"ContextTracker",
		"CircuitBreaker",
		"Timeout",
		"Retry",
		"Fallback",
		"ErrorHandler",
		HeadSampledTracingMiddleware(),
		LeanMetricsMiddleware(),
		"Debounce",
		"Throttle",
		// Last, so it wraps everything above: an event handler's failure is logged and counted, never
		// the end of the node (runtime/fault-containment.ts). Moleculer calls a function middleware with the broker.
		FaultContainmentMiddleware as unknown as Middleware
	];
}

export function createBrokerOptions(env: Env): BrokerOptions {
	const production = env.nodeEnv === "production";
	return {
		namespace: env.namespace,
		nodeID: env.nodeID,
		transporter: env.transporter
			? {
					type: "NATS",
					options: {
						url: env.transporter,
						// Keep trying forever: a node started before NATS, or one that lost it, must recover by itself.
						maxReconnectAttempts: -1,
						reconnectTimeWait: 500,
						// A connection that dies without a TCP reset is otherwise noticed only after
						// 2 min x 2 missed pings (the client's defaults); this notices it in about 4-6 s.
						pingInterval: 2_000,
						maxPingOut: 2
					}
				}
			: undefined,
		registry: {
			strategy: "RoundRobin",
			preferLocal: true,
			discoverer: new FastDiscoverer()
		},
		// Seconds, for the INFO packets other nodes read; FastDiscoverer runs the timers in milliseconds.
		heartbeatInterval: DEFAULT_FAILURE_DETECTION.heartbeatIntervalMs / 1000,
		heartbeatTimeout: DEFAULT_FAILURE_DETECTION.heartbeatTimeoutMs / 1000,

		requestTimeout: env.requestTimeout,
		retryPolicy: { enabled: false },
		circuitBreaker: {
			enabled: true,
			threshold: 0.5,
			minRequestCount: 20,
			windowTime: 60,
			halfOpenTime: 10_000,
			check: isServerFault
		},
		bulkhead: { enabled: true, concurrency: 200, maxQueueSize: 2_000 },
		// A node stopping on SIGTERM waits for its in-flight requests before it leaves.
		tracking: { enabled: true, shutdownTimeout: 10_000 },
		// Moleculer's own SIGINT/SIGTERM handlers stay; the platform adds none (measured on the project's machines: adding one stops services twice).
		skipProcessEventRegistration: false,

		// zod schemas per action (runtime/validation/zod-validator.ts, docs/decisions/0012-zod-action-schemas.md).
		validator: new ZodValidator(),
		errorRegenerator: undefined,

		metrics: {
			enabled: true,
			// A short bucket list is merged index-wise with the defaults and does not shrink it (docs/decisions/0007-observability-cost.md);
			// quantiles are off because histogram buckets give Prometheus the percentiles.
			defaultQuantiles: null as unknown as number[], // null is what the registry checks; the type lacks it
			// Always present so the gateway's /metrics finds it; its own port only when METRICS_PORT is set.
			// Moleculer takes reporter instances; its typings list only names and option objects.
			reporter: [new PlatformPrometheusReporter({ port: env.metricsPort, host: env.metricsHost, path: "/metrics" }) as unknown as MetricRegistry.MetricsReporter]
		},
		tracing: {
			enabled: true,
			sampling: { rate: production ? 0.01 : 1 },
			// Spans leave as `$tracing.spans` events in batches that always fit one NATS message.
			exporter: [new BoundedSpanExporter({ interval: 5 }) as unknown as Tracer.TracingExporter]
		},

		logger: {
			type: "Pino",
			options: {
				level: env.logLevel,
				pino: {
					options: production || env.nodeEnv === "test"
						? { base: { node: env.nodeID } }
						: { base: { node: env.nodeID }, transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss.l", singleLine: true, ignore: "pid,hostname,node,ns,mod" } } }
				}
			}
		},
		logLevel: env.logLevel,

		// Redis when REDIS_URL is set, so every node shares one cache; bounded waits if Redis is away.
		cacher: env.redisUrl
			? { type: "Redis", options: { redis: redisOptionsFromUrl(env.redisUrl), prefix: `openpolicy-${env.namespace || "default"}`, ttl: 300 } }
			: { type: "Memory", options: { ttl: 300 } },

		internalMiddlewares: false,
		middlewares: platformMiddlewares(),
		metadata: { started: new Date().toISOString(), version: env.appVersion }
	};
}

/**
 * For tools that load a config file (moleculer-runner). A function, not an object built at import:
 * a bad variable must reach the entrypoints' own error handling, not crash the import with a trace.
 */
export default function brokerOptionsFromEnvironment(): BrokerOptions {
	return createBrokerOptions(loadEnv());
}
