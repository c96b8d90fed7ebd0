/**
 * Request, event and transit metrics at the price of a few additions per call.
 *
 * Why this replaces Moleculer's built-in Metrics middleware: the built-in one hashes the labels
 * and updates the registry (Map lookups, `changed` fan-out to reporters, rate bookkeeping) four to
 * six times for every call. docs/decisions/0007-observability-cost.md measured it at 28-40 % of gateway throughput over NATS and
 * about 85 % of local `broker.call` throughput. This one keeps plain numbers per action, caller and
 * type, found with one Map lookup by caller, and writes them into the same registry metrics only
 * when someone reads them (a Prometheus scrape, `$node.metrics`) or every few seconds for the rate
 * columns. Names, types and labels are the built-in's, so dashboards and alert rules keep working.
 *
 * The Bulkhead middleware's gauges, which it sets through the registry on every call, are kept
 * the same way (see DEFERRED_GAUGES).
 *
 * Differences, on purpose: histograms have buckets but no quantiles (those need every sample;
 * Prometheus computes percentiles from the buckets), and `moleculer_transit_requests_active` is the
 * number of pending requests when read, where the built-in adds that number on every publish.
 */
import type { Context, Middleware, ServiceBroker } from "moleculer";
import { registerMetricsPusher } from "../runtime/metrics-pushers.ts";

type LabelValue = string | number | null | undefined;
type Labels = Record<string, LabelValue>;

/** The registry and metric members this module uses (Moleculer's typings are loose here). */
interface ValueMetric {
	set(value: number, labels?: Labels | null): unknown;
}
interface HistogramItem {
	count: number;
	sum: number;
	lastValue: number | null;
	timestamp: number;
	bucketValues?: Record<string, number>;
	rate?: { update(value: number): void };
}
interface HistogramMetricLike {
	buckets?: number[];
	values: Map<string, HistogramItem>;
	hashingLabels(labels: Labels): string;
	observe(value: number, labels: Labels): HistogramItem;
	changed(value?: unknown, labels?: Labels): void;
}
interface RegistryLike {
	opts: { defaultBuckets?: number[] | null };
	set(name: string, value: unknown, labels?: Labels | null, timestamp?: number): unknown;
	isEnabled(): boolean;
	register(opts: Record<string, unknown>): unknown;
	getMetric(name: string): unknown;
	list(opts?: unknown): unknown[];
}
interface TransitLike {
	pendingRequests: Map<string, unknown>;
	pendingReqStreams?: Map<string, unknown>;
	pendingResStreams?: Map<string, unknown>;
}
type ActionHandler = (ctx: Context) => Promise<unknown>;
type EventHandler = (this: unknown, ctx: Context) => Promise<unknown>;
interface ActionDef {
	name: string;
	service?: { fullName?: string };
}
interface EventDef {
	group?: string;
	service?: { name?: string };
}

export const METRIC_NAMES = {
	requestTotal: "moleculer.request.total",
	requestActive: "moleculer.request.active",
	requestErrorTotal: "moleculer.request.error.total",
	requestTime: "moleculer.request.time",
	requestLevels: "moleculer.request.levels",
	eventEmitTotal: "moleculer.event.emit.total",
	eventBroadcastTotal: "moleculer.event.broadcast.total",
	eventBroadcastLocalTotal: "moleculer.event.broadcast-local.total",
	eventReceivedTotal: "moleculer.event.received.total",
	eventReceivedActive: "moleculer.event.received.active",
	eventReceivedErrorTotal: "moleculer.event.received.error.total",
	eventReceivedTime: "moleculer.event.received.time",
	transitPublishTotal: "moleculer.transit.publish.total",
	transitReceiveTotal: "moleculer.transit.receive.total",
	transitRequestsActive: "moleculer.transit.requests.active",
	transitStreamsSendActive: "moleculer.transit.streams.send.active",
	transporterPacketsSentTotal: "moleculer.transporter.packets.sent.total",
	transporterPacketsSentBytes: "moleculer.transporter.packets.sent.bytes",
	transporterPacketsReceivedTotal: "moleculer.transporter.packets.received.total",
	transporterPacketsReceivedBytes: "moleculer.transporter.packets.received.bytes"
} as const;

/**
 * Gauges Moleculer's Bulkhead middleware sets four times a call through the registry, at the same
 * per-call price as the built-in Metrics middleware (with bulkhead on, 22 % of local call throughput
 * in bench/scenarios/metrics.ts). Their latest values are kept here and written when read.
 */
const DEFERRED_GAUGES = new Set([
	"moleculer.request.bulkhead.inflight",
	"moleculer.request.bulkhead.queue.size",
	"moleculer.event.bulkhead.inflight",
	"moleculer.event.bulkhead.queue.size"
]);

interface DeferredValue {
	labels: Labels;
	value: unknown;
	written: boolean;
}

/** Rates (`*_rate` lines) tick every 5 s in Moleculer; pushing as often keeps them meaningful. */
const PUSH_INTERVAL_MS = 5_000;

interface ErrorCount {
	labels: Labels;
	count: number;
}

/** What one label set (service, action or event, type or group, caller) has seen since start. */
class CallSeries {
	readonly labels: Labels;
	total = 0;
	active = 0;
	sum = 0;
	count = 0;
	lastValue: number | null = null;
	/** Per bucket, observations that fall in it and no lower one; the last slot is over every bound. */
	readonly bucketHits: number[];
	errors: Map<string, ErrorCount> | undefined;
	changed = true;

	constructor(labels: Labels, bucketCount: number) {
		this.labels = labels;
		this.bucketHits = new Array<number>(bucketCount + 1).fill(0);
	}

	finish(started: number, bounds: readonly number[]): void {
		const ms = performance.now() - started;
		this.active--;
		this.changed = true;
		this.sum += ms;
		this.count++;
		this.lastValue = ms;
		let i = 0;
		while (i < bounds.length && ms > (bounds[i] as number)) i++;
		this.bucketHits[i] = (this.bucketHits[i] as number) + 1;
	}

	fail(err: unknown): void {
		const e = (err ?? {}) as { name?: unknown; code?: unknown; type?: unknown };
		const name = e.name == null ? null : String(e.name);
		const code = typeof e.code === "number" || typeof e.code === "string" ? e.code : null;
		const type = e.type == null ? null : String(e.type);
		const key = `${name}\u0000${code}\u0000${type}`;
		this.errors ??= new Map();
		const found = this.errors.get(key);
		if (found) found.count++;
		else this.errors.set(key, { labels: { ...this.labels, errorName: name, errorCode: code, errorType: type }, count: 1 });
	}
}

/** Series of one action or event handler, by caller (usually one or two callers). */
class SeriesByCaller {
	private readonly byCaller = new Map<string | null, CallSeries>();
	private readonly all: CallSeries[];
	private readonly base: Labels;
	private readonly bucketCount: number;

	constructor(all: CallSeries[], base: Labels, bucketCount: number) {
		this.all = all;
		this.base = base;
		this.bucketCount = bucketCount;
	}

	get(caller: string | null): CallSeries {
		let series = this.byCaller.get(caller);
		if (series === undefined) {
			series = new CallSeries({ ...this.base, caller }, this.bucketCount);
			this.byCaller.set(caller, series);
			this.all.push(series);
		}
		return series;
	}
}

class CountsByKey {
	readonly counts = new Map<string, number>();
	changed = false;
	add(key: string, n = 1): void {
		this.counts.set(key, (this.counts.get(key) ?? 0) + n);
		this.changed = true;
	}
}

function registerMetrics(registry: RegistryLike): void {
	const requestLabels = ["service", "action", "type", "caller"];
	const eventLabels = ["service", "group", "event", "caller"];
	const errorLabels = ["errorName", "errorCode", "errorType"];
	const m = METRIC_NAMES;
	const defs: Record<string, unknown>[] = [
		{ name: m.requestTotal, type: "counter", labelNames: requestLabels, unit: "request", description: "Number of requests", rate: true },
		{ name: m.requestActive, type: "gauge", labelNames: requestLabels, unit: "request", description: "Number of active requests" },
		{ name: m.requestErrorTotal, type: "counter", labelNames: [...requestLabels, ...errorLabels], unit: "request", description: "Number of request errors", rate: true },
		// No quantiles: they need every sample (see the header).
		{ name: m.requestTime, type: "histogram", labelNames: requestLabels, quantiles: false, buckets: true, unit: "millisecond", description: "Request times in milliseconds", rate: true },
		{ name: m.requestLevels, type: "counter", labelNames: ["level"], unit: "request", description: "Number of requests by context level" },
		{ name: m.eventEmitTotal, type: "counter", labelNames: ["event", "groups"], unit: "event", description: "Number of emitted events", rate: true },
		{ name: m.eventBroadcastTotal, type: "counter", labelNames: ["event", "groups"], unit: "event", description: "Number of broadcast events", rate: true },
		{ name: m.eventBroadcastLocalTotal, type: "counter", labelNames: ["event", "groups"], unit: "event", description: "Number of local broadcast events", rate: true },
		{ name: m.eventReceivedTotal, type: "counter", labelNames: eventLabels, unit: "event", description: "Number of received events", rate: true },
		{ name: m.eventReceivedActive, type: "gauge", labelNames: eventLabels, unit: "request", description: "Number of active event executions" },
		{ name: m.eventReceivedErrorTotal, type: "counter", labelNames: [...eventLabels, ...errorLabels], unit: "request", description: "Number of event execution errors", rate: true },
		{ name: m.eventReceivedTime, type: "histogram", labelNames: eventLabels, quantiles: false, buckets: true, unit: "millisecond", description: "Execution time of events in milliseconds", rate: true },
		{ name: m.transitPublishTotal, type: "counter", labelNames: ["type"], unit: "packet", description: "Number of published packets", rate: true },
		{ name: m.transitReceiveTotal, type: "counter", labelNames: ["type"], unit: "packet", description: "Number of received packets", rate: true },
		{ name: m.transitRequestsActive, type: "gauge", unit: "request", description: "Number of active requests" },
		{ name: m.transitStreamsSendActive, type: "gauge", unit: "stream", description: "Number of active sent streams" },
		{ name: m.transporterPacketsSentTotal, type: "counter", unit: "packet", description: "Number of sent packets", rate: true },
		{ name: m.transporterPacketsSentBytes, type: "counter", unit: "byte", description: "Number of sent bytes", rate: true },
		{ name: m.transporterPacketsReceivedTotal, type: "counter", unit: "packet", description: "Number of received packets", rate: true },
		{ name: m.transporterPacketsReceivedBytes, type: "counter", unit: "byte", description: "Number of received bytes", rate: true }
	];
	for (const def of defs) registry.register(def);
}

/** Writes absolute totals into a registry histogram item (the registry only offers `observe`). */
function writeHistogram(metric: HistogramMetricLike, series: CallSeries): void {
	const hash = metric.hashingLabels(series.labels);
	// The first observe creates the item with Moleculer's own rate tracker; its values are overwritten below.
	const item = metric.values.get(hash) ?? metric.observe(series.lastValue ?? 0, series.labels);
	item.count = series.count;
	item.sum = series.sum;
	item.lastValue = series.lastValue;
	item.timestamp = Date.now();
	const bounds = metric.buckets;
	if (item.bucketValues && bounds) {
		let cumulative = 0;
		for (let i = 0; i < bounds.length; i++) {
			cumulative += series.bucketHits[i] ?? 0;
			item.bucketValues[bounds[i] as number] = cumulative;
		}
	}
	item.rate?.update(item.count);
	metric.changed(null, series.labels);
}

export function LeanMetricsMiddleware(): Middleware {
	let broker: ServiceBroker;
	let registry: RegistryLike | undefined;
	let enabled = false;
	let bounds: readonly number[] = [];
	let timer: NodeJS.Timeout | undefined;

	const requestSeries: CallSeries[] = [];
	const eventSeries: CallSeries[] = [];
	/** Requests by context level (1 = called from outside a handler); index = level. */
	const levels: number[] = [];
	let levelsChanged = false;
	const emitted = new CountsByKey();
	const broadcast = new CountsByKey();
	const broadcastLocal = new CountsByKey();
	const published = new CountsByKey();
	const received = new CountsByKey();
	const deferred = new Map<string, Map<string, DeferredValue>>();
	const transport = { sent: 0, sentBytes: 0, received: 0, receivedBytes: 0, changed: false };

	/**
	 * Moleculer wraps emit, broadcast, transit and transporter methods before it calls `created`,
	 * so every hook first finds the broker from its `this` (the broker, the transit or the transporter).
	 */
	function attach(owner: unknown): void {
		if (registry) return;
		const b = (typeof owner === "object" && owner !== null && "isMetricsEnabled" in owner ? owner : (owner as { broker: unknown }).broker) as ServiceBroker;
		broker = b;
		registry = b.metrics as unknown as RegistryLike;
		enabled = b.isMetricsEnabled();
		if (!enabled) return;
		bounds = registry.opts.defaultBuckets ?? [];
		registerMetrics(registry);
		registerMetricsPusher(b, push);
		// `$node.metrics` and every other reader go through list(): give them current numbers.
		const list = registry.list.bind(registry);
		registry.list = (opts?: unknown) => {
			push();
			return list(opts);
		};
		const set = registry.set.bind(registry);
		registry.set = (name, value, labels, timestamp) => {
			if (!labels || !DEFERRED_GAUGES.has(name)) return set(name, value, labels, timestamp);
			deferGauge(name, value, labels);
			return null;
		};
	}

	function deferGauge(name: string, value: unknown, labels: Labels): void {
		let byKey = deferred.get(name);
		if (byKey === undefined) {
			byKey = new Map();
			deferred.set(name, byKey);
		}
		// An action name is unique on a node; an event name only together with its service.
		const key = typeof labels.action === "string" ? labels.action : `${labels.service}\u0000${labels.event}`;
		const found = byKey.get(key);
		if (found) {
			found.value = value;
			found.written = false;
		} else byKey.set(key, { labels: { ...labels }, value, written: false });
	}

	function metric<T>(name: string): T {
		return (registry as RegistryLike).getMetric(name) as T;
	}

	function pushSeries(all: CallSeries[], totalName: string, activeName: string, errorName: string, timeName: string): void {
		const total = metric<ValueMetric>(totalName);
		const active = metric<ValueMetric>(activeName);
		const errors = metric<ValueMetric>(errorName);
		const time = metric<HistogramMetricLike>(timeName);
		for (const series of all) {
			if (!series.changed) continue;
			series.changed = false;
			total.set(series.total, series.labels);
			active.set(series.active, series.labels);
			if (series.errors) for (const e of series.errors.values()) errors.set(e.count, e.labels);
			if (series.count > 0) writeHistogram(time, series);
		}
	}

	function pushCounts(counts: CountsByKey, name: string, label: string): void {
		if (!counts.changed) return;
		counts.changed = false;
		const target = metric<ValueMetric>(name);
		for (const [key, n] of counts.counts) target.set(n, { [label]: key });
	}

	function push(): void {
		if (!enabled) return;
		const m = METRIC_NAMES;
		pushSeries(requestSeries, m.requestTotal, m.requestActive, m.requestErrorTotal, m.requestTime);
		pushSeries(eventSeries, m.eventReceivedTotal, m.eventReceivedActive, m.eventReceivedErrorTotal, m.eventReceivedTime);
		if (levelsChanged) {
			levelsChanged = false;
			const target = metric<ValueMetric>(m.requestLevels);
			levels.forEach((n, level) => target.set(n, { level }));
		}
		pushCounts(emitted, m.eventEmitTotal, "event");
		pushCounts(broadcast, m.eventBroadcastTotal, "event");
		pushCounts(broadcastLocal, m.eventBroadcastLocalTotal, "event");
		pushCounts(published, m.transitPublishTotal, "type");
		pushCounts(received, m.transitReceiveTotal, "type");
		if (transport.changed) {
			transport.changed = false;
			metric<ValueMetric>(m.transporterPacketsSentTotal).set(transport.sent);
			metric<ValueMetric>(m.transporterPacketsSentBytes).set(transport.sentBytes);
			metric<ValueMetric>(m.transporterPacketsReceivedTotal).set(transport.received);
			metric<ValueMetric>(m.transporterPacketsReceivedBytes).set(transport.receivedBytes);
		}
		for (const [name, byKey] of deferred) {
			const target = metric<ValueMetric>(name);
			for (const entry of byKey.values()) {
				if (entry.written) continue;
				entry.written = true;
				target.set(entry.value as number, entry.labels);
			}
		}
		const transit = broker.transit as unknown as TransitLike | undefined;
		if (transit) {
			metric<ValueMetric>(m.transitRequestsActive).set(transit.pendingRequests.size);
			metric<ValueMetric>(m.transitStreamsSendActive).set((transit.pendingReqStreams?.size ?? 0) + (transit.pendingResStreams?.size ?? 0));
		}
	}

	function wrapAction(type: "local" | "remote", next: ActionHandler, action: ActionDef): ActionHandler {
		if (!enabled) return next;
		const byCaller = new SeriesByCaller(requestSeries, { service: action.service?.fullName ?? null, action: action.name, type }, bounds.length);
		return function leanMetrics(ctx: Context): Promise<unknown> {
			const series = byCaller.get(ctx.caller ?? null);
			series.total++;
			series.active++;
			series.changed = true;
			levels[ctx.level] = (levels[ctx.level] ?? 0) + 1;
			levelsChanged = true;
			const started = performance.now();
			return next(ctx).then(
				(res) => {
					series.finish(started, bounds);
					return res;
				},
				(err: unknown) => {
					series.finish(started, bounds);
					series.fail(err);
					throw err;
				}
			);
		};
	}

	/** Counts packets and their bytes (the second argument of send and receive) one way. */
	function countPackets<F extends (name: string, data: Buffer, ...rest: never[]) => unknown>(
		next: F,
		packets: "sent" | "received",
		bytes: "sentBytes" | "receivedBytes"
	): F {
		return function leanMetrics(this: unknown, ...args: Parameters<F>): ReturnType<F> {
			transport[packets]++;
			transport[bytes] += args[1]?.length ?? 0;
			transport.changed = true;
			return next.apply(this, args) as ReturnType<F>;
		} as F;
	}

	function countCalls<F extends (...args: never[]) => unknown>(counts: CountsByKey, next: F): F {
		if (!enabled) return next;
		return function leanMetrics(this: unknown, ...args: Parameters<F>): ReturnType<F> {
			counts.add(String(args[0]));
			return next.apply(this, args) as ReturnType<F>;
		} as F;
	}

	const middleware = {
		name: "LeanMetrics",

		created(b: ServiceBroker): void {
			attach(b);
		},

		started(): Promise<void> {
			if (enabled && !timer) {
				timer = setInterval(push, PUSH_INTERVAL_MS);
				timer.unref();
			}
			return Promise.resolve();
		},

		stopped(): Promise<void> {
			if (timer) clearInterval(timer);
			timer = undefined;
			push();
			return Promise.resolve();
		},

		localAction(this: ServiceBroker, next: ActionHandler, action: ActionDef): ActionHandler {
			attach(this);
			return wrapAction("local", next, action);
		},

		remoteAction(this: ServiceBroker, next: ActionHandler, action: ActionDef): ActionHandler {
			attach(this);
			return wrapAction("remote", next, action);
		},

		localEvent(this: ServiceBroker, next: EventHandler, event: EventDef): EventHandler {
			attach(this);
			if (!enabled) return next;
			const service = event.service?.name ?? null;
			const group = event.group ?? service;
			// A wildcard handler receives many event names: one series set per name.
			const byEvent = new Map<string, SeriesByCaller>();
			return function leanMetrics(this: unknown, ctx: Context): Promise<unknown> {
				const eventName = ctx.eventName ?? "";
				let byCaller = byEvent.get(eventName);
				if (byCaller === undefined) {
					byCaller = new SeriesByCaller(eventSeries, { service, group, event: eventName }, bounds.length);
					byEvent.set(eventName, byCaller);
				}
				const series = byCaller.get(ctx.caller ?? null);
				series.total++;
				series.active++;
				series.changed = true;
				const started = performance.now();
				return next.call(this, ctx).then(
					(res) => {
						series.finish(started, bounds);
						return res;
					},
					(err: unknown) => {
						series.finish(started, bounds);
						series.fail(err);
						throw err;
					}
				);
			};
		},

		emit<F extends (...args: never[]) => unknown>(this: unknown, next: F): F {
			attach(this);
			return countCalls(emitted, next);
		},
		broadcast<F extends (...args: never[]) => unknown>(this: unknown, next: F): F {
			attach(this);
			return countCalls(broadcast, next);
		},
		broadcastLocal<F extends (...args: never[]) => unknown>(this: unknown, next: F): F {
			attach(this);
			return countCalls(broadcastLocal, next);
		},

		transitPublish<F extends (packet: { type: string }, ...rest: never[]) => unknown>(this: unknown, next: F): F {
			attach(this);
			if (!enabled) return next;
			return function leanMetrics(this: unknown, ...args: Parameters<F>): ReturnType<F> {
				published.add(args[0].type);
				return next.apply(this, args) as ReturnType<F>;
			} as F;
		},

		transitMessageHandler<F extends (cmd: string, ...rest: never[]) => unknown>(this: unknown, next: F): F {
			attach(this);
			return countCalls(received, next);
		},

		transporterSend<F extends (topic: string, data: Buffer, ...rest: never[]) => unknown>(this: unknown, next: F): F {
			attach(this);
			return enabled ? countPackets(next, "sent", "sentBytes") : next;
		},

		transporterReceive<F extends (cmd: string, data: Buffer, ...rest: never[]) => unknown>(this: unknown, next: F): F {
			attach(this);
			return enabled ? countPackets(next, "received", "receivedBytes") : next;
		}
	};
	// Moleculer 0.15 types the hooks as returning the handler's result, not the wrapped handler.
	return middleware as unknown as Middleware;
}
