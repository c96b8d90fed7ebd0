/**
 * The platform's Prometheus reporter: present on every node, its own HTTP port only when
 * METRICS_PORT is set, bound to METRICS_HOST; histograms carry `_sum` and `_count`.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../moleculer.config.ts";
import { loadEnv } from "./env.ts";
import { PlatformPrometheusReporter } from "./prometheus-reporter.ts";

const brokers: ServiceBroker[] = [];
afterEach(async () => {
	await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function startBroker(vars: Record<string, string>): Promise<{ broker: ServiceBroker; reporter: PlatformPrometheusReporter }> {
	const env = loadEnv({ NODE_ENV: "test", NAMESPACE: `prom-${randomUUID().slice(0, 8)}`, NODE_ID: "prom-node", ...vars });
	const broker = new ServiceBroker(createBrokerOptions(env));
	broker.createService({ name: "bills", actions: { list: { handler: (): string[] => ["C-11"] } } });
	brokers.push(broker);
	await broker.start();
	const reporters: unknown[] = broker.metrics.reporter ?? [];
	const reporter = reporters.find((r): r is PlatformPrometheusReporter => r instanceof PlatformPrometheusReporter);
	if (!reporter) throw new Error("no platform Prometheus reporter");
	return { broker, reporter };
}

/** A port that was free a moment ago (the reporter has no "pick one" mode: 0 means off). */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

async function waitForListening(reporter: PlatformPrometheusReporter): Promise<number> {
	for (let i = 0; i < 200 && reporter.port === 0; i++) await new Promise((r) => setImmediate(r));
	return reporter.port;
}

describe("PlatformPrometheusReporter", () => {
	it("is present without METRICS_PORT and opens no port", async () => {
		const { broker, reporter } = await startBroker({});
		await broker.call("bills.list");
		expect(reporter.port).toBe(0);
		const text = reporter.generatePrometheusResponse();
		expect(text).toContain('moleculer_request_total{namespace="');
		expect(text).toMatch(/moleculer_request_time_count\{[^}]*action="bills\.list"[^}]*\} 1\n/);
		expect(text).toMatch(/moleculer_request_time_sum\{[^}]*action="bills\.list"[^}]*\} \d/);
		expect(text).toContain("# TYPE moleculer_registry_nodes_online_total gauge");
	});

	it("serves /metrics on METRICS_PORT, bound to METRICS_HOST only", async () => {
		const port = await freePort();
		const { broker, reporter } = await startBroker({ METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" });
		await broker.call("bills.list");
		expect(await waitForListening(reporter)).toBe(port);
		expect((reporter.server.address() as net.AddressInfo).address).toBe("127.0.0.1");

		const res = await fetch(`http://127.0.0.1:${port}/metrics`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
		expect(await res.text()).toMatch(/moleculer_request_total\{[^}]*action="bills\.list"[^}]*\} 1\n/);
		expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

		await broker.stop();
		brokers.splice(0);
		await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
	});
});
