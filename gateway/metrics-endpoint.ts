/**
 * `/metrics`: the whole cluster's metrics in Prometheus text format (every node's, gathered through
 * the broker, runtime/metrics/cluster-scrape.ts). `serveMetrics` (this node's only,
 * from the broker's own reporter) stays for tools that read one node.
 */
import type { ServerResponse } from "node:http";
import type { ServiceBroker } from "moleculer";
import { clusterExposition } from "../runtime/metrics/cluster-scrape.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../runtime/metrics/prometheus-exposition.ts";
import { writeErrorOf } from "./errors.ts";

interface PrometheusTextSource {
	generatePrometheusResponse(): string;
}

function isPrometheusSource(reporter: unknown): reporter is PrometheusTextSource {
	return (
		typeof reporter === "object" &&
		reporter !== null &&
		typeof (reporter as Partial<PrometheusTextSource>).generatePrometheusResponse === "function"
	);
}

export function findPrometheusReporter(broker: ServiceBroker): PrometheusTextSource | undefined {
	const reporters: unknown[] = broker.metrics?.reporter ?? [];
	return reporters.find(isPrometheusSource);
}

export function serveMetrics(broker: ServiceBroker, res: ServerResponse): void {
	const source = broker.isMetricsEnabled() ? findPrometheusReporter(broker) : undefined;
	if (!source) {
		writeErrorOf(res, 503, "METRICS_UNAVAILABLE", "This node has no Prometheus metrics reporter");
		return;
	}
	const text = source.generatePrometheusResponse();
	res.writeHead(200, {
		"Content-Type": "text/plain; version=0.0.4; charset=utf-8",
		"Content-Length": Buffer.byteLength(text),
		"Cache-Control": "no-store"
	});
	res.end(text);
}

/** Every node's metrics; nodes that do not answer in time are left out and counted. */
export async function serveClusterMetrics(broker: ServiceBroker, res: ServerResponse): Promise<void> {
	if (!broker.isMetricsEnabled()) {
		writeErrorOf(res, 503, "METRICS_UNAVAILABLE", "Metrics are disabled on this node");
		return;
	}
	const { text } = await clusterExposition(broker);
	res.writeHead(200, { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store" });
	res.end(text);
}
