/**
 * Every node's metrics, gathered through the broker: Moleculer's own `$node.metrics` action, which
 * every node has (platform services or not), called on each available node by `nodeID`, all at
 * once, each with a bounded timeout. A node that does not answer in time is skipped and counted,
 * so one stuck node costs a scrape at most the timeout and never fails it.
 *
 * Why not each node's Prometheus text: the snapshot is structured, so the gatherer can merge
 * families across nodes with one HELP/TYPE each and put the node's label on every sample; text
 * would have to be parsed back first.
 */
import type { ServiceBroker } from "moleculer";
import { PLATFORM_METRICS } from "../platform-metrics.ts";
import { type DeclaredFamily, type MetricSnapshot, type NodeSnapshot, renderClusterExposition } from "./prometheus-exposition.ts";

/** Per node; a scrape takes at most about this long whatever the cluster's state. */
export const DEFAULT_NODE_TIMEOUT_MS = 2_000;

export interface ScrapeOptions {
	nodeTimeoutMs?: number;
	/** Moleculer metric name patterns (`moleculer.request.*`); all when absent. */
	includes?: readonly string[];
}

export interface ClusterScrape {
	nodes: NodeSnapshot[];
	/** Node ids that did not answer in time (or answered with an error). */
	skipped: string[];
	ms: number;
}

interface NodeInfoLike {
	id: string;
	available: boolean;
}

export function availableNodeIds(broker: ServiceBroker): string[] {
	const nodes = broker.registry.getNodeList({ onlyAvailable: true, withServices: false }) as NodeInfoLike[];
	return nodes.filter((n) => n.available).map((n) => n.id).sort();
}

export async function scrapeCluster(broker: ServiceBroker, options: ScrapeOptions = {}): Promise<ClusterScrape> {
	const started = performance.now();
	const timeout = options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS;
	const params = options.includes ? { includes: [...options.includes] } : {};
	const ids = availableNodeIds(broker);
	const answers = await Promise.allSettled(
		// No retries: a slow node is skipped, not asked twice within one scrape.
		ids.map((nodeID) => broker.call<MetricSnapshot[], typeof params>("$node.metrics", params, { nodeID, timeout, retries: 0 }))
	);
	const nodes: NodeSnapshot[] = [];
	const skipped: string[] = [];
	answers.forEach((answer, i) => {
		const nodeID = ids[i] as string;
		if (answer.status === "fulfilled" && Array.isArray(answer.value)) nodes.push({ nodeID, metrics: answer.value });
		else skipped.push(nodeID);
	});
	return { nodes, skipped, ms: performance.now() - started };
}

/** Every platform family, declared in the exposition even before a node records it. */
export function platformFamilies(): DeclaredFamily[] {
	return Object.values(PLATFORM_METRICS).map((m) => ({ name: m.name, type: m.type, description: m.description }));
}

/** The gatherer's own series: how many nodes answered, and how long it took. */
function scrapeSeries(scrape: ClusterScrape): MetricSnapshot[] {
	const nodes = PLATFORM_METRICS.scrapeNodes;
	const duration = PLATFORM_METRICS.scrapeDuration;
	return [
		{
			name: nodes.name,
			type: nodes.type,
			description: nodes.description,
			values: [
				{ labels: { result: "answered" }, value: scrape.nodes.length },
				{ labels: { result: "skipped" }, value: scrape.skipped.length }
			]
		},
		{ name: duration.name, type: duration.type, description: duration.description, values: [{ labels: {}, value: Math.round(scrape.ms) / 1000 }] }
	];
}

/** The cluster's metrics as Prometheus text, with the gatherer's own series under its node id. */
export async function clusterExposition(broker: ServiceBroker, options: ScrapeOptions = {}): Promise<{ text: string; scrape: ClusterScrape }> {
	const scrape = await scrapeCluster(broker, options);
	const own: NodeSnapshot = { nodeID: broker.nodeID, metrics: scrapeSeries(scrape) };
	const text = renderClusterExposition(broker.namespace, [...scrape.nodes, own], platformFamilies());
	return { text, scrape };
}
