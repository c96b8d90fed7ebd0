/**
 * Error rate and 99th-percentile latency per service over a sliding window, from the cumulative
 * counters and histogram buckets every node's registry keeps: what Prometheus'
 * `rate(...[1m])` and `histogram_quantile(0.99, ...)` compute, so the built-in rules and the
 * shipped Prometheus rules agree (alert-rules.ts, prometheus-rules.ts).
 *
 * Only `type="local"` calls count: a remote call is counted once by its caller (remote) and once
 * by the node that ran it (local). Client errors (4xx codes) are the caller's fault, not the
 * service's, and are left out of the error rate.
 */
import type { NodeSnapshot } from "../../../runtime/metrics/prometheus-exposition.ts";

export const TRAFFIC_METRICS = ["moleculer.request.total", "moleculer.request.error.total", "moleculer.request.time"] as const;

interface Cumulative {
	total: number;
	errors: number;
	/** Cumulative count per bucket bound (ms), ascending. */
	buckets: Map<number, number>;
	count: number;
}

interface Sample {
	at: number;
	/** `node|service` → cumulative numbers. */
	series: Map<string, Cumulative>;
}

export interface ServiceTraffic {
	service: string;
	requests: number;
	errors: number;
	errorRate: number;
	/** Null when there were no calls in the window. */
	p99Ms: number | null;
}

function isClientError(code: unknown): boolean {
	const n = Number(code);
	return Number.isInteger(n) && n >= 400 && n < 500;
}

function entry(series: Map<string, Cumulative>, key: string): Cumulative {
	let found = series.get(key);
	if (!found) {
		found = { total: 0, errors: 0, buckets: new Map(), count: 0 };
		series.set(key, found);
	}
	return found;
}

export function cumulativeByService(nodes: readonly NodeSnapshot[]): Map<string, Cumulative> {
	const series = new Map<string, Cumulative>();
	for (const node of nodes) {
		for (const metric of node.metrics) {
			for (const item of metric.values) {
				const labels = item.labels ?? {};
				if (labels.type !== "local" || typeof labels.service !== "string" || labels.service.startsWith("$")) continue;
				const key = `${node.nodeID}|${labels.service}`;
				if (metric.name === "moleculer.request.total") entry(series, key).total += Number(item.value ?? 0);
				else if (metric.name === "moleculer.request.error.total" && !isClientError(labels.errorCode)) entry(series, key).errors += Number(item.value ?? 0);
				else if (metric.name === "moleculer.request.time") {
					const e = entry(series, key);
					e.count += item.count ?? 0;
					for (const [le, n] of Object.entries(item.buckets ?? {})) e.buckets.set(Number(le), (e.buckets.get(Number(le)) ?? 0) + n);
				}
			}
		}
	}
	return series;
}

/** Prometheus' histogram_quantile: linear interpolation inside the bucket that holds the rank. */
export function quantileFromBuckets(q: number, buckets: ReadonlyMap<number, number>, count: number): number | null {
	if (count <= 0) return null;
	const bounds = [...buckets.keys()].sort((a, b) => a - b);
	const rank = q * count;
	let previousBound = 0;
	let previousCount = 0;
	for (const bound of bounds) {
		const cumulative = buckets.get(bound) ?? 0;
		if (cumulative >= rank) {
			const inBucket = cumulative - previousCount;
			return inBucket <= 0 ? bound : previousBound + (bound - previousBound) * ((rank - previousCount) / inBucket);
		}
		previousBound = bound;
		previousCount = cumulative;
	}
	// In the +Inf bucket: the highest finite bound, as Prometheus answers.
	return bounds.length > 0 ? (bounds[bounds.length - 1] as number) : null;
}

/** A counter that went down was reset (its node restarted): its whole value is the increase. */
function increase(now: number, before: number | undefined): number {
	return before === undefined || now < before ? now : now - before;
}

export class TrafficWindow {
	private readonly samples: Sample[] = [];

	/** Adds a scrape; keeps just enough history to cover `windowMs`. */
	add(at: number, nodes: readonly NodeSnapshot[], windowMs: number): void {
		this.samples.push({ at, series: cumulativeByService(nodes) });
		while (this.samples.length > 2 && (this.samples[1] as Sample).at <= at - windowMs) this.samples.shift();
	}

	reset(): void {
		this.samples.length = 0;
	}

	/** Per service over the window; undefined until two scrapes exist. */
	services(): ServiceTraffic[] | undefined {
		if (this.samples.length < 2) return undefined;
		const first = this.samples[0] as Sample;
		const last = this.samples[this.samples.length - 1] as Sample;
		const byService = new Map<string, { requests: number; errors: number; count: number; buckets: Map<number, number> }>();
		for (const [key, now] of last.series) {
			const service = key.slice(key.indexOf("|") + 1);
			const before = first.series.get(key);
			const acc = byService.get(service) ?? { requests: 0, errors: 0, count: 0, buckets: new Map<number, number>() };
			const reset = before !== undefined && now.total < before.total;
			const base = reset ? undefined : before;
			acc.requests += increase(now.total, base?.total);
			acc.errors += increase(now.errors, base?.errors);
			acc.count += increase(now.count, base?.count);
			for (const [le, n] of now.buckets) acc.buckets.set(le, (acc.buckets.get(le) ?? 0) + increase(n, base?.buckets.get(le)));
			byService.set(service, acc);
		}
		return [...byService].map(([service, t]) => ({
			service,
			requests: t.requests,
			errors: t.errors,
			errorRate: t.requests > 0 ? t.errors / t.requests : 0,
			p99Ms: quantileFromBuckets(0.99, t.buckets, t.count)
		}));
	}
}
