/**
 * The lean metrics middleware, on real brokers built from the platform's configuration: what
 * reaches the Prometheus text after real calls, and that the names and labels are the ones
 * Moleculer's own Metrics middleware produces for the same calls.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { BrokerOptions, ServiceSchema } from "moleculer";
import { Errors, ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../moleculer.config.ts";
import { loadEnv } from "../runtime/env.ts";
import { PlatformPrometheusReporter } from "../runtime/prometheus-reporter.ts";

const NATS_URL = "nats://127.0.0.1:4222";

const brokers: ServiceBroker[] = [];
afterEach(async () => {
	await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

function platformOptions(namespace: string, nodeID: string, transporter?: string): BrokerOptions {
	return createBrokerOptions(
		loadEnv({ NODE_ENV: "test", NAMESPACE: namespace, NODE_ID: nodeID, ...(transporter ? { TRANSPORTER: transporter } : {}) })
	);
}

/** The platform's options, but Moleculer's own middleware list (with its Metrics middleware). */
function stockMetricsOptions(namespace: string, nodeID: string): BrokerOptions {
	const options = platformOptions(namespace, nodeID);
	return { ...options, internalMiddlewares: true, middlewares: [] };
}

function start(options: BrokerOptions, services: ServiceSchema[]): Promise<ServiceBroker> {
	const broker = new ServiceBroker(options);
	for (const s of services) broker.createService(s);
	brokers.push(broker);
	return broker.start().then(() => broker);
}

const mathService: ServiceSchema = {
	name: "math",
	actions: {
		add: {
			params: { a: "number", b: "number" },
			handler(ctx): number {
				const { a, b } = ctx.params as { a: number; b: number };
				return a + b;
			}
		},
		fail(): never {
			throw new Errors.MoleculerClientError("No such bill", 404, "NOT_FOUND");
		},
		async twice(ctx): Promise<number> {
			const once = (await ctx.call("math.add", { a: 1, b: 1 })) as number;
			return once * 2;
		}
	},
	events: {
		"bill.changed"(): void {
			// Counting is all this handler is for.
		}
	}
};

function prometheusText(broker: ServiceBroker): string {
	const reporters: unknown[] = broker.metrics.reporter ?? [];
	const reporter = reporters.find((r): r is PlatformPrometheusReporter => r instanceof PlatformPrometheusReporter);
	if (!reporter) throw new Error("no platform Prometheus reporter on this broker");
	return reporter.generatePrometheusResponse();
}

/** The value of the one sample whose name is `name` and whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
	const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
	const found = text
		.split("\n")
		.filter((line) => line.startsWith(`${name}{`))
		.filter((line) => wanted.every((w) => line.includes(w)));
	if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${wanted.join(",")}`);
	const value = found[0]?.split(" ").at(-1);
	return value === undefined ? undefined : Number(value);
}

function ns(): string {
	return `lean-metrics-${randomUUID().slice(0, 8)}`;
}

async function exercise(broker: ServiceBroker): Promise<void> {
	for (let i = 0; i < 3; i++) await broker.call("math.add", { a: i, b: 1 });
	await expect(broker.call("math.fail")).rejects.toThrow("No such bill");
	await broker.call("math.twice");
	await broker.emit("bill.changed", { id: 1 });
	await broker.broadcast("bill.changed", { id: 2 });
}

describe("LeanMetricsMiddleware", () => {
	it("counts requests, errors and times per action and caller in the Prometheus text", async () => {
		const broker = await start(platformOptions(ns(), "lean-1"), [mathService]);
		await exercise(broker);
		const text = prometheusText(broker);

		const direct = { service: "math", action: "math.add", type: "local", caller: "null" };
		const nested = { ...direct, caller: "math" };
		expect(sample(text, "moleculer_request_total", direct)).toBe(3);
		expect(sample(text, "moleculer_request_total", nested)).toBe(1);
		expect(sample(text, "moleculer_request_total", { action: "math.twice" })).toBe(1);
		expect(sample(text, "moleculer_request_active", direct)).toBe(0);
		expect(sample(text, "moleculer_request_levels", { level: "1" })).toBe(5);
		expect(sample(text, "moleculer_request_levels", { level: "2" })).toBe(1);

		const errorLabels = { action: "math.fail", errorName: "MoleculerClientError", errorCode: "404", errorType: "NOT_FOUND" };
		expect(sample(text, "moleculer_request_error_total", errorLabels)).toBe(1);
		expect(sample(text, "moleculer_request_total", { action: "math.fail" })).toBe(1);
		expect(sample(text, "moleculer_request_time_count", { action: "math.fail" })).toBe(1);

		expect(sample(text, "moleculer_request_time_count", direct)).toBe(3);
		expect(sample(text, "moleculer_request_time_bucket", { ...direct, le: "+Inf" })).toBe(3);
		const sum = sample(text, "moleculer_request_time_sum", direct) ?? -1;
		expect(sum).toBeGreaterThan(0);
		// Buckets are cumulative and end at the count.
		const buckets = text
			.split("\n")
			.filter((l) => l.startsWith("moleculer_request_time_bucket{") && l.includes('action="math.add"') && l.includes('caller="null"'))
			.map((l) => Number(l.split(" ").at(-1)));
		expect(buckets.length).toBeGreaterThan(5);
		expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
		expect(buckets.at(-1)).toBe(3);

		expect(sample(text, "moleculer_event_emit_total", { event: "bill.changed" })).toBe(1);
		expect(sample(text, "moleculer_event_broadcast_total", { event: "bill.changed" })).toBe(1);
		expect(sample(text, "moleculer_event_received_total", { service: "math", group: "math", event: "bill.changed" })).toBe(2);
		expect(sample(text, "moleculer_event_received_time_count", { event: "bill.changed" })).toBe(2);
	});

	it("keeps counting after a scrape, and `$node.metrics` readers see current numbers", async () => {
		const broker = await start(platformOptions(ns(), "lean-2"), [mathService]);
		await broker.call("math.add", { a: 1, b: 2 });
		expect(sample(prometheusText(broker), "moleculer_request_total", { action: "math.add" })).toBe(1);
		await broker.call("math.add", { a: 1, b: 2 });
		await broker.call("math.add", { a: 1, b: 2 });
		const listed = (await broker.call("$node.metrics", { includes: ["moleculer.request.total"] })) as {
			values: { labels: Record<string, unknown>; value: number }[];
		}[];
		const add = listed[0]?.values.find((v) => v.labels.action === "math.add");
		expect(add?.value).toBe(3);
		expect(sample(prometheusText(broker), "moleculer_request_time_count", { action: "math.add" })).toBe(3);
	});

	it("reports the bulkhead's in-flight gauge as it is when read", async () => {
		let release = (): void => undefined;
		const gate = new Promise<void>((resolve) => {
			release = resolve;
		});
		const slow: ServiceSchema = { name: "slow", actions: { wait: { handler: () => gate } } };
		const broker = await start(platformOptions(ns(), "lean-bulkhead"), [slow]);
		const pending = Promise.all([broker.call("slow.wait"), broker.call("slow.wait")]);
		const labels = { action: "slow.wait", service: "slow" };
		expect(sample(prometheusText(broker), "moleculer_request_bulkhead_inflight", labels)).toBe(2);
		expect(sample(prometheusText(broker), "moleculer_request_active", { action: "slow.wait" })).toBe(2);
		release();
		await pending;
		expect(sample(prometheusText(broker), "moleculer_request_bulkhead_inflight", labels)).toBe(0);
		expect(sample(prometheusText(broker), "moleculer_request_bulkhead_queue_size", labels)).toBe(0);
		expect(sample(prometheusText(broker), "moleculer_request_active", { action: "slow.wait" })).toBe(0);
	});

	it("writes the metric names and label sets of Moleculer's own Metrics middleware", async () => {
		const namespace = ns();
		const lean = await start(platformOptions(namespace, "lean-3"), [mathService]);
		const stock = await start(stockMetricsOptions(`${namespace}-stock`, "stock-3"), [mathService]);
		await exercise(lean);
		await exercise(stock);

		const leanText = prometheusText(lean);
		const stockText = prometheusText(stock);
		const families = (text: string): string[] =>
			text
				.split("\n")
				.filter((l) => l.startsWith("# TYPE moleculer_request") || l.startsWith("# TYPE moleculer_event") || l.startsWith("# TYPE moleculer_transit_publish"))
				.sort();
		expect(families(leanText)).toEqual(families(stockText));

		// Every series of the request and event families, without node-specific labels and values.
		const series = (text: string): string[] =>
			text
				.split("\n")
				.filter((l) => /^moleculer_(request|event)_\w+\{/.test(l) && !l.startsWith("moleculer_request_bulkhead") && !/_time_(sum|count)\{/.test(l))
				.map((l) => l.slice(0, l.lastIndexOf(" ")).replace(/namespace="[^"]*",nodeID="[^"]*",?/, ""))
				.sort();
		expect(series(leanText)).toEqual(series(stockText));
	});

	it("labels calls from another node as remote and counts transporter packets", async () => {
		const namespace = ns();
		await start(platformOptions(namespace, "lean-worker", NATS_URL), [mathService]);
		const caller = await start(platformOptions(namespace, "lean-caller", NATS_URL), []);
		await caller.waitForServices(["math"], 10_000);
		for (let i = 0; i < 4; i++) await caller.call("math.add", { a: i, b: i });
		const text = prometheusText(caller);
		expect(sample(text, "moleculer_request_total", { action: "math.add", type: "remote" })).toBe(4);
		expect(sample(text, "moleculer_transit_publish_total", { type: "REQ" })).toBe(4);
		expect(sample(text, "moleculer_transporter_packets_sent_total", {})).toBeGreaterThanOrEqual(4);
		expect(sample(text, "moleculer_transporter_packets_received_bytes", {})).toBeGreaterThan(0);
		expect(sample(text, "moleculer_transit_requests_active", {})).toBe(0);
	});
});
