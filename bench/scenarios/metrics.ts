/**
 * Metrics micro-benchmark: local `broker.call` throughput (100 calls in flight) with metrics off,
 * with Moleculer's Metrics middleware, and with the platform's lean one; then the platform's whole
 * configuration (validator, bulkhead, tracing at 1 %, ...) with each of the two. All brokers live
 * in this process and are measured in rotation.
 *
 * Then the cluster-wide `/metrics` (issue 12): three brokers on NATS, each with the twelve
 * service names and four called actions apiece, and the time and bytes for one node to gather and
 * render every node's metrics (what the gateway does per scrape).
 *
 * Then the gateway's req/s while a real Prometheus scrapes its `/metrics` every second, against
 * the same gateway not scraped, in rotating rounds (issue 12; target >= 0.97): a platform gateway
 * and a worker node over NATS as in the gateway benchmark, and one Prometheus server (the Debian
 * `prometheus` binary) running throughout, whose file_sd target list is switched on and off.
 *
 *   npm run bench -- metrics        BENCH_ROUNDS (5), BENCH_SECONDS (2), BENCH_IN_FLIGHT (100),
 *                                   BENCH_SCRAPES (50), TRANSPORTER (nats://127.0.0.1:4222),
 *                                   BENCH_SCRAPED_ROUNDS (6), BENCH_SCRAPED_SECONDS (5),
 *                                   BENCH_CONNECTIONS (50), BENCH_PROMETHEUS (prometheus)
 */
import type { BrokerOptions } from "moleculer";
import { ServiceBroker } from "moleculer";
import { createBrokerOptions, platformMiddlewares } from "../../moleculer.config.ts";
import { loadEnv } from "../../runtime/env.ts";
import { PlatformPrometheusReporter } from "../../runtime/prometheus-reporter.ts";
import { benchService } from "../nodes/bench-service.ts";
import { type Log, type Sample, type Scenario, type Variant, compareVariants } from "../scenario.ts";
import { median, percentile } from "../stats.ts";
import { SERVICE_NAMES } from "../../platform/service-catalog.ts";
import { clusterExposition } from "../../runtime/metrics/cluster-scrape.ts";
import { METRICS_PATH } from "../../gateway/gateway.service.ts";
import { loadUrl, waitUntilServing } from "../http-load.ts";
import { BENCH_NATS_URL } from "../preflight.ts";
import { PrometheusServer } from "../prometheus-server.ts";
import { PLATFORM, PLATFORM_PATH, type RunningPair, startPair } from "./gateway.ts";

type ReporterList = NonNullable<Exclude<BrokerOptions["metrics"], boolean | undefined>["reporter"]>;

function reporter(): ReporterList {
	// Present as in production, so the registry has a reporter to notify on every change.
	return [new PlatformPrometheusReporter()] as unknown as ReporterList;
}

function platformOptions(stockMetrics: boolean): BrokerOptions {
	const options = createBrokerOptions(loadEnv({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40), LOG_LEVEL: "warn", NAMESPACE: "bench-metrics" }));
	options.logger = false;
	if (stockMetrics) {
		options.internalMiddlewares = true;
		options.middlewares = (options.middlewares ?? []).filter((m) => typeof m !== "string" && m.name === "PayloadGuard");
	}
	return options;
}

const VARIANTS: { name: string; options: () => BrokerOptions }[] = [
	{ name: "baseline: metrics off", options: () => ({ logger: false, metrics: { enabled: false } }) },
	{ name: "Moleculer Metrics middleware", options: () => ({ logger: false, metrics: { enabled: true, reporter: reporter() } }) },
	{
		name: "lean metrics middleware",
		options: () => ({
			logger: false,
			metrics: { enabled: true, reporter: reporter() },
			internalMiddlewares: false,
			middlewares: platformMiddlewares().filter((m) => typeof m === "string" || m.name === "LeanMetrics")
		})
	},
	{ name: "platform config, Moleculer Metrics", options: () => platformOptions(true) },
	{ name: "platform config, lean metrics", options: () => platformOptions(false) }
];

async function measureCalls(broker: ServiceBroker, seconds: number, inFlight: number): Promise<Sample> {
	const latencies: number[] = [];
	let calls = 0;
	const cpuBefore = process.cpuUsage();
	const started = performance.now();
	const end = started + seconds * 1000;
	const worker = async (): Promise<void> => {
		while (performance.now() < end) {
			const t = performance.now();
			await broker.call("bench.echo");
			latencies.push(performance.now() - t);
			calls++;
		}
	};
	await Promise.all(Array.from({ length: inFlight }, worker));
	const elapsed = (performance.now() - started) / 1000;
	const cpu = process.cpuUsage(cpuBefore);
	return { perSecond: calls / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, calls) };
}

export async function runMetricsBench(log: Log): Promise<unknown> {
	const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
	const seconds = Number(process.env.BENCH_SECONDS ?? 2);
	const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 100);
	log(`metrics: local broker.call, ${inFlight} in flight, ${rounds} rounds x ${seconds} s per variant`);
	const brokers = VARIANTS.map((v) => {
		const broker = new ServiceBroker(v.options());
		broker.createService(benchService);
		return broker;
	});
	try {
		await Promise.all(brokers.map((b) => b.start()));
		log("  warming up");
		for (const broker of brokers) await measureCalls(broker, 1, inFlight);
		const variants: Variant[] = VARIANTS.map((v, i) => ({ name: v.name, measure: () => measureCalls(brokers[i] as ServiceBroker, seconds, inFlight) }));
		return await compareVariants(variants, { rounds, unit: "calls/s", log });
	} finally {
		await Promise.all(brokers.map((b) => b.stop()));
	}
}

const CLUSTER_NODES = 3;
const ACTIONS_PER_SERVICE = 4;

/** Twelve services named as the platform's, each with a few actions that have been called. */
function clusterNodeOptions(namespace: string, index: number): BrokerOptions {
	const options = createBrokerOptions(
		loadEnv({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40), LOG_LEVEL: "warn", NAMESPACE: namespace, NODE_ID: `bench-node-${index + 1}`, TRANSPORTER: BENCH_NATS_URL })
	);
	options.logger = false;
	return options;
}

export async function runClusterScrapeBench(log: Log): Promise<{ nodes: number; services: number; scrapes: number; medianMs: number; p99Ms: number; bytes: number; families: number }> {
	const scrapes = Number(process.env.BENCH_SCRAPES ?? 50);
	const namespace = `bench-scrape-${process.pid}`;
	const brokers = Array.from({ length: CLUSTER_NODES }, (_, i) => {
		const broker = new ServiceBroker(clusterNodeOptions(namespace, i));
		for (const name of SERVICE_NAMES) {
			broker.createService({
				name,
				actions: Object.fromEntries(Array.from({ length: ACTIONS_PER_SERVICE }, (_, a) => [`a${a}`, { visibility: "public", handler: () => a }]))
			});
		}
		return broker;
	});
	try {
		await Promise.all(brokers.map((b) => b.start()));
		const first = brokers[0] as ServiceBroker;
		await first.waitForServices(SERVICE_NAMES.map((name) => ({ name })), 20_000);
		for (const broker of brokers) {
			for (const name of SERVICE_NAMES) for (let a = 0; a < ACTIONS_PER_SERVICE; a++) await broker.call(`${name}.a${a}`, {}, { nodeID: broker.nodeID });
		}
		log(`metrics: cluster /metrics, ${CLUSTER_NODES} nodes x ${SERVICE_NAMES.length} services x ${ACTIONS_PER_SERVICE} actions, ${scrapes} scrapes`);
		const times: number[] = [];
		let bytes = 0;
		let text = "";
		for (let i = 0; i < scrapes; i++) {
			const started = performance.now();
			const result = await clusterExposition(first);
			times.push(performance.now() - started);
			if (result.scrape.skipped.length > 0) throw new Error(`nodes skipped: ${result.scrape.skipped.join(", ")}`);
			text = result.text;
			bytes = Buffer.byteLength(text);
		}
		const row = { nodes: CLUSTER_NODES, services: SERVICE_NAMES.length, scrapes, medianMs: percentile(times, 50), p99Ms: percentile(times, 99), bytes, families: (text.match(/^# TYPE /gm) ?? []).length };
		log(`  one scrape: median ${row.medianMs.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, ${(bytes / 1024).toFixed(0)} kB, ${row.families} families`);
		return row;
	} finally {
		await Promise.all(brokers.map((b) => b.stop()));
	}
}

/** The gateway's req/s while Prometheus scrapes it every second, against not scraped. */
export async function runScrapedGatewayBench(log: Log): Promise<{ ratio: number; scrapesPerSecond: number }> {
	const rounds = Number(process.env.BENCH_SCRAPED_ROUNDS ?? 6);
	const seconds = Number(process.env.BENCH_SCRAPED_SECONDS ?? 5);
	const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
	log(`metrics: HTTP -> platform gateway -> NATS -> worker, scraped by Prometheus every 1 s or not; autocannon ${connections} connections, ${rounds} rounds x ${seconds} s`);
	let pair: RunningPair | undefined;
	let prometheus: PrometheusServer | undefined;
	try {
		pair = await startPair({ name: "platform gateway, metrics + tracing", path: PLATFORM_PATH, env: PLATFORM });
		await waitUntilServing(pair.url);
		const gateway = new URL(pair.url).host;
		prometheus = await PrometheusServer.start(METRICS_PATH);
		const running = { pair, prometheus };
		log(`  Prometheus at ${prometheus.url}, gateway ${gateway}`);
		const options = { seconds, connections, pids: pair.nodes.map((n) => n.process.pid), log };
		await running.prometheus.scrape(gateway);
		const scrapeRates: number[] = [];
		await loadUrl(pair.url, { ...options, seconds: 2 });
		const rows = await compareVariants(
			[
				{
					name: "baseline: not scraped",
					measure: async () => {
						await running.prometheus.scrape(undefined);
						return loadUrl(running.pair.url, options);
					}
				},
				{
					name: "scraped by Prometheus every 1 s",
					measure: async () => {
						await running.prometheus.scrape(gateway);
						const sample = await loadUrl(running.pair.url, options);
						const scrapes = await running.prometheus.scrapesInLast(seconds);
						// A round Prometheus hardly scraped measures nothing: the figure would flatter the gateway.
						if (scrapes < seconds / 2) throw new Error(`Prometheus scraped ${scrapes} times in ${seconds} s of load`);
						scrapeRates.push(scrapes / seconds);
						return sample;
					}
				}
			],
			{ rounds, unit: "req/s", log }
		);
		const ratio = rows[1]?.ratio ?? Number.NaN;
		const scrapesPerSecond = median(scrapeRates);
		const metrics = await fetch(`http://${gateway}${METRICS_PATH}`);
		const bytes = (await metrics.arrayBuffer()).byteLength;
		log(`  scraped / not scraped: ${ratio.toFixed(2)} (target >= 0.97); ${scrapesPerSecond.toFixed(2)} successful scrapes/s under load, ${(bytes / 1024).toFixed(0)} kB each`);
		return { ratio, scrapesPerSecond };
	} finally {
		await prometheus?.stop();
		await Promise.all(pair?.nodes.map((n) => n.stop()) ?? []);
	}
}

export const metricsScenario: Scenario = {
	name: "metrics",
	description: "local broker.call/s with Moleculer's Metrics middleware, the lean one, and none; cluster /metrics for 3 nodes; gateway req/s while Prometheus scrapes",
	requires: ["nats", "prometheus"],
	run: async (log) => ({ calls: await runMetricsBench(log), clusterScrape: await runClusterScrapeBench(log), scraped: await runScrapedGatewayBench(log) })
};
