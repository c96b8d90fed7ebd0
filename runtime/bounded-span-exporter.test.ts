/**
 * Span batches always fit in one NATS message: big batches are cut, an oversize span loses its
 * params. Real broker, real spans, a real `$tracing.spans` listener on another node over NATS.
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

	const text = "x".repeat(100 * 1024);
	for (let i = 0; i < 6; i++) await traced.call("bills.store", { text, i });
	await traced.call("bills.store", { text: "y".repeat(400 * 1024) });
	expectedSpans = 7;
	exporter.flush();
	await allArrived;

	expect(batches.length).toBeGreaterThanOrEqual(3);
	for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(BATCH_LIMIT);
	const spans = batches.flatMap((b) => b.spans);
	expect(spans).toHaveLength(7);
	const shrunk = spans.filter((s) => typeof s.tags.params === "string");
	expect(shrunk).toHaveLength(1);
	expect(shrunk[0]?.tags.params).toMatch(/^\[dropped: the span was \d+ bytes\]$/);
});
