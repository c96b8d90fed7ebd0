/**
 * `/metrics`: this node's metrics in Prometheus text format, from the broker's own Prometheus
 * reporter, so the gateway's port serves the same numbers as the reporter's port would.
 */
import type { ServerResponse } from "node:http";
import type { ServiceBroker } from "moleculer";
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
