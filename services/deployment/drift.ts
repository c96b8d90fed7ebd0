/**
 * Drift: the wanted topology against the live cluster as the health service sees it. Pure, so the
 * rules are tested without a cluster; the service feeds it `health.cluster`'s nodes.
 *
 * Only services the topology names are compared: a service it does not name is not managed by it
 * (the health service then wants one replica of it, as before any topology existed).
 */
import type { DriftItem, DriftKind, DriftReport, Topology } from "./deployment.contract.ts";

/** The part of the health service's node view read here. */
export interface LiveNode {
	id: string;
	state: "up" | "down";
	services: string[];
	versions: { platform: string | null };
}

function item(kind: DriftKind, service: string, wanted: number, live: number, nodes: string[], summary: string, expected: boolean): DriftItem {
	return { kind, service, subject: `${service}/${kind}`, wanted, live, nodes, summary, expected };
}

/** `replacing`: services a running rollout is replacing nodes of; their drift is expected. */
export function computeDrift(topology: Topology, nodes: readonly LiveNode[], replacing: ReadonlySet<string>, at: Date): DriftReport {
	const items: DriftItem[] = [];
	for (const [service, target] of Object.entries(topology.services).sort(([a], [b]) => a.localeCompare(b))) {
		const live = nodes.filter((n) => n.state === "up" && n.services.includes(service)).map((n) => n.id).sort();
		const expected = replacing.has(service);
		if (live.length < target.replicas) {
			items.push(item("missing_replicas", service, target.replicas, live.length, live, `${service}: ${live.length} of ${target.replicas} wanted replicas live`, expected));
		} else if (live.length > target.replicas) {
			items.push(item("extra_replicas", service, target.replicas, live.length, live, `${service}: ${live.length} replicas live, ${target.replicas} wanted (${live.join(", ")})`, expected));
		}
		if (target.version !== null) {
			const wrong = nodes.filter((n) => live.includes(n.id) && n.versions.platform !== target.version);
			if (wrong.length > 0) {
				const what = wrong.map((n) => `${n.id} runs ${n.versions.platform ?? "an unknown version"}`).join(", ");
				items.push(item("version_mismatch", service, target.replicas, live.length, wrong.map((n) => n.id), `${service}: version ${target.version} wanted; ${what}`, expected));
			}
		}
	}
	return { at: at.toISOString(), topologyVersion: topology.version, inSync: items.length === 0, items };
}
