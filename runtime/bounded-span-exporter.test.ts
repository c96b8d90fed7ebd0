/**
 * Span batches always fit in one NATS message: big batches are cut, an oversize span loses its
 * params, and no span can make the exporter throw (a cycle, a BigInt, a tag nested thousands of
 * levels deep). Real broker, real spans, a real `$tracing.spans` listener on another node over NATS.
 */
import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import type { BrokerOptions, ServiceSchema, Tracer } from "moleculer";
import { ServiceBroker } from "moleculer";
import { BoundedSpanExporter } from "./bounded-span-exporter.ts";

const NATS_URL = "nats://127.0.0.1:4222";
const BATCH_LIMIT = 256 * 1024;

const brokers: ServiceBroker[] = [];
afterEach(async () => {
	await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

type SpanBatch = { name: string; tags: { params?: unknown } }[];

it("sends span batches under the limit and shrinks a span that alone is over it", async () => {
	const namespace = `spans-${randomUUID().slice(0, 8)}`;
	// A long interval: the test flushes by hand, so every span lands in one queue.
	const exporter = new BoundedSpanExporter({ interval: 3_600 });
	const base: BrokerOptions = { namespace, transporter: { type: "NATS", options: { url: NATS_URL } }, logger: false };
	const traced = new ServiceBroker({ ...base, nodeID: "traced", tracing: { enabled: true, sampling: { rate: 1 }, exporter: [exporter as unknown as Tracer.TracingExporter] } });
	traced.createService({ name: "bills", actions: { store: { handler: (): boolean => true } } });

	const batches: { bytes: number; spans: SpanBatch }[] = [];
	let expectedSpans = 0;
	let resolveAll = (): void => undefined;
	const allArrived = new Promise<void>((resolve) => {
		resolveAll = resolve;
	});
	const collector: ServiceSchema = {
		name: "collector",
		events: {
			"$tracing.spans"(ctx): void {
				const spans = ctx.params as SpanBatch;
				batches.push({ bytes: Buffer.byteLength(JSON.stringify(spans)), spans });
				if (batches.reduce((n, b) => n + b.spans.length, 0) >= expectedSpans) resolveAll();
			}
		}
	};
	const listener = new ServiceBroker({ ...base, nodeID: "listener" });
	listener.createService(collector);
	brokers.push(traced, listener);
	await Promise.all([traced.start(), listener.start()]);
	await traced.waitForServices(["collector"], 10_000);

	// Tags are bounded (strings to 512 characters, 1,000 values a span), so a span carries at most
	// about half a megabyte: forty wide spans of ~21 kB each make several batches, and one span
	// with a thousand long values is over the batch limit on its own.
	const wide = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`field${k}`, "x".repeat(600)]));
	for (let i = 0; i < 30; i++) await traced.call("bills.store", { ...wide, i });
	const huge = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`group${k}`, wide]));
	await traced.call("bills.store", huge);
	expectedSpans = 31;
	exporter.flush();
	await allArrived;

	expect(batches.length).toBeGreaterThanOrEqual(3);
	for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(BATCH_LIMIT);
	const spans = batches.flatMap((b) => b.spans);
	expect(spans).toHaveLength(31);
	const shrunk = spans.filter((s) => typeof s.tags.params === "string");
	expect(shrunk).toHaveLength(1);
	expect(shrunk[0]?.tags.params).toMatch(/^\[dropped: the span was \d+ bytes\]$/);
});

it("exports spans whose tags no JSON serialiser could write, bounded, without throwing", async () => {
	const exporter = new BoundedSpanExporter({ interval: 3_600 });
	const spans: { name: string; tags: Record<string, unknown> }[] = [];
	const broker = new ServiceBroker({
		namespace: `spans-${randomUUID().slice(0, 8)}`,
		logger: false,
		tracing: { enabled: true, sampling: { rate: 1 }, exporter: [exporter as unknown as Tracer.TracingExporter] }
	});
	let deep: Record<string, unknown> = { leaf: true };
	for (let i = 0; i < 20_000; i++) deep = { deeper: deep };
	const cycle: Record<string, unknown> = { name: "cycle" };
	cycle.self = cycle;
	broker.createService({
		name: "odd",
		actions: {
			tag: {
				handler(ctx): boolean {
					ctx.span?.addTags({ big: 10n ** 30n, cycle, deep, password: "hunter2hunter2" });
					return true;
				}
			}
		}
	});
	broker.createService({ name: "collector", events: { "$tracing.spans": (ctx): void => void spans.push(...(ctx.params as typeof spans)) } });
	brokers.push(broker);
	await broker.start();
	await broker.call("odd.tag", { token: "secret-token-value", note: "n".repeat(10_000) });
	// With the stock exporter this JSON.stringify of the deep tag throws RangeError (issue 9).
	expect(() => exporter.flush()).not.toThrow();
	await expect.poll(() => spans.length).toBe(1);
	const tags = spans[0]?.tags ?? {};
	expect(tags.big).toBe("1000000000000000000000000000000n");
	expect(tags.cycle).toEqual({ name: "cycle", self: "[cycle]" });
	expect(tags.password).toBe("[redacted]");
	expect(JSON.stringify(tags.deep).length).toBeLessThan(200);
	const params = tags.params as Record<string, unknown>;
	expect(params.token).toBe("[redacted]");
	expect(String(params.note).length).toBeLessThan(600);
});
