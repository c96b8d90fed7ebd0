/**
 * Many nodes' metric snapshots (what Moleculer's `$node.metrics` answers) as one Prometheus text
 * exposition: one HELP and one TYPE per family, every sample labelled with the node it came from.
 *
 * Names and labels follow Prometheus' conventions rather than Moleculer's, so that
 * `promtool check metrics` passes on the result (docs/decisions/0021-cluster-metrics.md):
 * - label names in snake_case (`nodeID` becomes `node_id`, `errorName` becomes `error_name`);
 * - a counter ends in `_total`; a gauge does not (`moleculer_registry_nodes_online_total`, a gauge,
 *   is served as `moleculer_registry_nodes_online`);
 * - Moleculer's `_rate` side series are left out: Prometheus computes rates from the counters.
 */

type LabelValue = string | number | boolean | null | undefined;

/** One item of a metric's snapshot, as `$node.metrics` sends it. */
export interface SnapshotValue {
	labels?: Record<string, LabelValue>;
	value?: LabelValue;
	count?: number;
	sum?: number;
	buckets?: Record<string, number>;
}

/** One metric as `$node.metrics` sends it (Moleculer's `BaseMetric#toObject`). */
export interface MetricSnapshot {
	name: string;
	type: string;
	description?: string | null;
	unit?: string | null;
	labelNames?: string[];
	values: SnapshotValue[];
}

export interface NodeSnapshot {
	nodeID: string;
	metrics: readonly MetricSnapshot[];
}

/** A family with no sample yet (a platform counter nobody incremented): declared all the same. */
export interface DeclaredFamily {
	name: string;
	type: string;
	description: string;
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Moleculer metrics the cluster endpoint never serves: per-call clocks with no use in a scrape. */
const SKIPPED_PREFIXES = ["os.datetime"];

export function snakeCase(name: string): string {
	return name
		.replace(/([a-z0-9])([A-Z])/g, "$1_$2")
		.replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
		.replace(/[^A-Za-z0-9_]/g, "_")
		.toLowerCase();
}

/** The Prometheus name of a Moleculer metric of this type. */
export function familyName(name: string, type: string): string {
	const base = name.replace(/[^A-Za-z0-9_:]/g, "_");
	if (type === "counter") return base.endsWith("_total") ? base : `${base}_total`;
	if (base.endsWith("_total")) return base.slice(0, -"_total".length);
	return base;
}

function promType(type: string): "counter" | "gauge" | "histogram" | undefined {
	if (type === "counter" || type === "gauge" || type === "histogram") return type;
	// Moleculer's `info` metrics (versions, hostname) carry their value as a label.
	if (type === "info") return "gauge";
	return undefined;
}

function escapeLabel(value: LabelValue): string {
	return String(value ?? "").replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
	return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function sampleValue(value: LabelValue): string {
	if (typeof value === "number") return Number.isFinite(value) ? String(value) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
	if (typeof value === "boolean") return value ? "1" : "0";
	if (value == null || value === "") return "NaN";
	const n = Number(value);
	return Number.isNaN(n) ? "NaN" : String(n);
}

interface Family {
	name: string;
	type: "counter" | "gauge" | "histogram";
	help: string;
	lines: string[];
}

function labelBlock(base: string, labels: Record<string, LabelValue> | undefined, extra?: string): string {
	const parts = [base];
	for (const [key, value] of Object.entries(labels ?? {})) {
		const name = snakeCase(key);
		// The node and namespace labels are the gatherer's; an item's own of the same name would duplicate them.
		if (name === "node_id" || name === "namespace") continue;
		parts.push(`${name}="${escapeLabel(value)}"`);
	}
	if (extra) parts.push(extra);
	return `{${parts.join(",")}}`;
}

function writeSamples(family: Family, metric: MetricSnapshot, nodeLabels: string): void {
	for (const item of metric.values) {
		if (metric.type === "info") {
			family.lines.push(`${family.name}${labelBlock(nodeLabels, item.labels, `value="${escapeLabel(item.value)}"`)} 1`);
		} else if (family.type === "histogram") {
			const labels = labelBlock(nodeLabels, item.labels);
			for (const [le, n] of Object.entries(item.buckets ?? {})) family.lines.push(`${family.name}_bucket${labelBlock(nodeLabels, item.labels, `le="${le}"`)} ${sampleValue(n)}`);
			family.lines.push(`${family.name}_bucket${labelBlock(nodeLabels, item.labels, 'le="+Inf"')} ${sampleValue(item.count)}`);
			family.lines.push(`${family.name}_sum${labels} ${sampleValue(item.sum)}`, `${family.name}_count${labels} ${sampleValue(item.count)}`);
		} else {
			family.lines.push(`${family.name}${labelBlock(nodeLabels, item.labels)} ${sampleValue(item.value)}`);
		}
	}
}

/**
 * Merges the nodes' snapshots into families (first declaration of a name wins; a node that sends the
 * same name with another type is left out of that family rather than breaking the exposition).
 */
export function renderClusterExposition(namespace: string, nodes: readonly NodeSnapshot[], declared: readonly DeclaredFamily[] = []): string {
	const families = new Map<string, Family>();
	const family = (name: string, type: Family["type"], help: string): Family | undefined => {
		const found = families.get(name);
		if (found) return found.type === type ? found : undefined;
		const created: Family = { name, type, help, lines: [] };
		families.set(name, created);
		return created;
	};
	for (const node of nodes) {
		const nodeLabels = `namespace="${escapeLabel(namespace)}",node_id="${escapeLabel(node.nodeID)}"`;
		for (const metric of node.metrics) {
			if (SKIPPED_PREFIXES.some((p) => metric.name.startsWith(p))) continue;
			const type = promType(metric.type);
			if (!type || metric.values.length === 0) continue;
			const name = familyName(metric.name, metric.type);
			const help = metric.description ?? metric.name + (metric.unit ? ` (${metric.unit})` : "");
			const target = family(name, type, help);
			if (target) writeSamples(target, metric, nodeLabels);
		}
	}
	for (const d of declared) {
		const type = promType(d.type);
		if (type) family(familyName(d.name, d.type), type, d.description);
	}
	const out: string[] = [];
	for (const f of families.values()) {
		out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`, ...f.lines);
	}
	out.push("");
	return out.join("\n");
}
