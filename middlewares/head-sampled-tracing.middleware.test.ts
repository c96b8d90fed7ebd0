/**
 * Head sampling: spans are exported as before for sampled calls, and a trace is kept or dropped
 * as a whole (a nested call follows its caller's decision). Real broker, real spans.
 */
import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import type { ServiceSchema, Tracer } from "moleculer";
import { ServiceBroker } from "moleculer";
import { platformMiddlewares } from "../moleculer.config.ts";
import { BoundedSpanExporter } from "../runtime/bounded-span-exporter.ts";

interface ExportedSpan {
	name: string;
	traceID: string;
	parentID?: string | null;
	tags: Record<string, unknown>;
}

const brokers: ServiceBroker[] = [];
afterEach(async () => {
	await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function tracedBroker(rate: number): Promise<{ broker: ServiceBroker; spans: ExportedSpan[] }> {
	const spans: ExportedSpan[] = [];
	const services: ServiceSchema[] = [
		{
			name: "bills",
			actions: {
				show: async (ctx): Promise<unknown> => ({ bill: "C-11", sponsor: await ctx.call("people.show") }),
				plain: (): boolean => true
			}
		},
		{ name: "people", actions: { show: (): string => "Pablo Rodriguez" } },
		{
			name: "collector",
			events: {
				"$tracing.spans"(ctx): void {
					spans.push(...(ctx.params as ExportedSpan[]));
				}
			}
		}
	];
	// interval 0: every finished span is sent at once.
	const exporter = new BoundedSpanExporter({ interval: 0 }) as unknown as Tracer.TracingExporter;
	const broker = new ServiceBroker({
		namespace: `head-sampling-${randomUUID().slice(0, 8)}`,
		logger: false,
		tracing: { enabled: true, sampling: { rate }, exporter: [exporter] },
		internalMiddlewares: false,
		middlewares: platformMiddlewares()
	});
	for (const s of services) broker.createService(s);
	brokers.push(broker);
	await broker.start();
	return { broker, spans };
}

it("exports the spans of a sampled trace, nested calls included, as Moleculer's Tracing does", async () => {
	const { broker, spans } = await tracedBroker(1);
	await broker.call("bills.show");
	await expect.poll(() => spans.length).toBe(2);
	const outer = spans.find((s) => s.name === "action 'bills.show'");
	const inner = spans.find((s) => s.name === "action 'people.show'");
	expect(inner?.traceID).toBe(outer?.traceID);
	expect(inner?.parentID).toBeTruthy();
});

it("keeps or drops a trace as a whole at the sampling rate", async () => {
	const { broker, spans } = await tracedBroker(0.5);
	for (let i = 0; i < 10; i++) await broker.call("bills.show");
	await expect.poll(() => spans.length).toBe(10);
	const byTrace = new Map<string, string[]>();
	for (const span of spans) byTrace.set(span.traceID, [...(byTrace.get(span.traceID) ?? []), span.name]);
	expect(byTrace.size).toBe(5);
	for (const names of byTrace.values()) expect(names.sort()).toEqual(["action 'bills.show'", "action 'people.show'"]);
});

it("makes no span when sampling is 0", async () => {
	const { broker, spans } = await tracedBroker(0);
	for (let i = 0; i < 5; i++) await broker.call("bills.show");
	await broker.call("bills.plain");
	// Spans are sent synchronously when they finish (interval 0), so none can still be on the way.
	expect(spans).toEqual([]);
});

it("puts a bounded, redacted summary of the params in a span, never the raw params or the meta", async () => {
	const { broker, spans } = await tracedBroker(1);
	let nested: Record<string, unknown> = { end: true };
	for (let i = 0; i < 50; i++) nested = { inner: nested };
	await broker.call("bills.plain", { session: "44-1", password: "correct horse battery", note: "n".repeat(5_000), nested }, { meta: { user: { id: "u-1" }, clientIp: "203.0.113.9" } });
	await expect.poll(() => spans.length).toBe(1);
	const tags = spans[0]?.tags ?? {};
	expect(tags.meta).toBeUndefined();
	const params = tags.params as Record<string, unknown>;
	expect(params.session).toBe("44-1");
	expect(params.password).toBe("[redacted]");
	expect(String(params.note).length).toBeLessThan(200);
	expect(JSON.stringify(params.nested).length).toBeLessThan(100);
	expect(JSON.stringify(tags)).not.toContain("203.0.113.9");
});
