/**
 * The Prometheus reporter every node has, whether or not it listens on a port of its own.
 *
 * Moleculer's reporter always opens a server (on 0.0.0.0 unless told otherwise, and it drops the
 * host when the port is 0, measurements on the project's machines). The platform wants the text on the gateway's `/metrics`
 * from any node, and a per-node port only when METRICS_PORT is set, bound to METRICS_HOST.
 * Before generating, it pushes the lean middleware's counters into the registry (they are kept
 * outside it for speed, see lean-metrics.middleware.ts). Histograms also get the `_sum` and
 * `_count` lines Prometheus expects; Moleculer writes them only when quantiles are on.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricRegistry, ServiceBroker } from "moleculer";
import { MetricReporters } from "moleculer";
import { pushLeanMetrics } from "./metrics-pushers.ts";

export interface PlatformPrometheusOptions {
	/** 0 or absent: no server of its own (the gateway's `/metrics` still serves the text). */
	port?: number;
	host?: string;
	path?: string;
}

type LabelValue = string | number | boolean | null | undefined;

interface SnapshotItem {
	labels: Record<string, LabelValue>;
	value?: LabelValue;
	rate?: number;
	count?: number;
	sum?: number;
	buckets?: Record<string, number>;
	quantiles?: Record<string, number>;
}

interface MetricLike {
	name: string;
	type: string;
	description?: string;
	unit?: string;
	snapshot(): SnapshotItem[];
}

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function sampleValue(value: LabelValue): string {
	return value == null ? "NaN" : String(value);
}

function escapeLabel(value: LabelValue): string {
	return String(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export class PlatformPrometheusReporter extends MetricReporters.Prometheus {
	private readonly listenPort: number;
	private readonly listenHost: string;
	private readonly metricsPath: string;
	private ownServer: http.Server | undefined;
	private defaultLabels: Record<string, LabelValue> = {};

	constructor(options: PlatformPrometheusOptions = {}) {
		// The parent gets no port so it never opens a server; this class decides that itself.
		super({ port: 0, path: options.path ?? "/metrics" });
		this.listenPort = options.port ?? 0;
		this.listenHost = options.host ?? "127.0.0.1";
		this.metricsPath = options.path ?? "/metrics";
	}

	/** The port this reporter listens on, 0 when it has no server. */
	get port(): number {
		const address = this.ownServer?.address() as AddressInfo | null | undefined;
		return address?.port ?? 0;
	}

	override init(registry: MetricRegistry): void {
		// Skips Moleculer's Prometheus init, which would open a server on every node.
		MetricReporters.Base.prototype.init.call(this, registry);
		const broker = registry.broker as ServiceBroker;
		this.defaultLabels = { namespace: broker.namespace, nodeID: broker.nodeID };
		if (this.listenPort > 0) this.listen(broker);
	}

	private listen(broker: ServiceBroker): void {
		const server = http.createServer((req, res) => this.handler(req, res));
		this.ownServer = server;
		this.server = server;
		server.on("error", (err) => broker.logger.error(`Prometheus reporter could not listen on ${this.listenHost}:${this.listenPort}: ${err.message}`));
		server.listen(this.listenPort, this.listenHost, () => {
			broker.logger.info(`Prometheus metrics on http://${this.listenHost}:${this.port}${this.metricsPath}`);
		});
	}

	override stop(): Promise<void> {
		const server = this.ownServer;
		this.ownServer = undefined;
		if (!server?.listening) return Promise.resolve();
		return new Promise((resolve) => server.close(() => resolve()));
	}

	override handler(req: http.IncomingMessage, res: http.ServerResponse): void {
		if ((req.url ?? "").split("?", 1)[0] !== this.metricsPath) {
			res.writeHead(404).end();
			return;
		}
		const text = this.generatePrometheusResponse();
		res.writeHead(200, { "Content-Type": CONTENT_TYPE, "Content-Length": Buffer.byteLength(text) }).end(text);
	}

	override generatePrometheusResponse(): string {
		const broker = this.registry.broker as ServiceBroker;
		pushLeanMetrics(broker);
		const lines: string[] = [];
		(this.registry.store as Map<string, MetricLike>).forEach((metric) => {
			if (!this.matchMetricName(metric.name) || metric.name.startsWith("os.datetime")) return;
			const snapshot = metric.snapshot();
			if (snapshot.length === 0) return;
			const name = this.formatMetricName(metric.name).replace(/[.-]/g, "_");
			const help = metric.description ?? metric.name + (metric.unit ? ` (${metric.unit})` : "");
			const type = metric.type === "info" ? "gauge" : metric.type;
			lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
			for (const item of snapshot) this.writeItem(lines, metric.type, name, item);
			lines.push("");
		});
		return lines.join("\n");
	}

	private labelText(labels: Record<string, LabelValue>, extra?: string): string {
		// An item's own label wins over a default one of the same name, as in Moleculer's reporter.
		const merged = { ...this.defaultLabels, ...labels };
		const parts = Object.keys(merged).map((key) => `${this.formatLabelName(key)}="${escapeLabel(merged[key])}"`);
		if (extra) parts.push(extra);
		return `{${parts.join(",")}}`;
	}

	private writeItem(lines: string[], type: string, name: string, item: SnapshotItem): void {
		const labels = this.labelText(item.labels ?? {});
		switch (type) {
			case "counter":
			case "gauge":
				lines.push(`${name}${labels} ${sampleValue(item.value)}`);
				break;
			case "info":
				lines.push(`${name}${this.labelText(item.labels ?? {}, `value="${escapeLabel(item.value)}"`)} 1`);
				return;
			case "histogram":
				for (const [le, n] of Object.entries(item.buckets ?? {})) lines.push(`${name}_bucket${this.labelText(item.labels ?? {}, `le="${le}"`)} ${n}`);
				if (item.buckets) lines.push(`${name}_bucket${this.labelText(item.labels ?? {}, 'le="+Inf"')} ${sampleValue(item.count)}`);
				for (const [q, v] of Object.entries(item.quantiles ?? {})) lines.push(`${name}${this.labelText(item.labels ?? {}, `quantile="${q}"`)} ${sampleValue(v)}`);
				lines.push(`${name}_sum${labels} ${sampleValue(item.sum)}`, `${name}_count${labels} ${sampleValue(item.count)}`);
				break;
			default:
				return;
		}
		if (item.rate != null) lines.push(`${name}_rate${labels} ${sampleValue(item.rate)}`);
	}
}
