/**
 * The wanted replica counts, as the deployment service declares them, followed through the broker
 * (never an import of that service): its `deployment.topology.changed` broadcast, and a
 * `deployment.topology` call when this instance has none yet (at start, and whenever the registry
 * changes until a deployment node answers). A service the topology does not name keeps the
 * default of one replica (replica-policy.ts).
 */
import type { ServiceBroker } from "moleculer";
import { DEFAULT_WANTED_REPLICAS, type WantedReplicas } from "./replica-policy.ts";

export const TOPOLOGY_ACTION = "deployment.topology";
export const TOPOLOGY_CHANGED = "deployment.topology.changed";

/** The part of the deployment service's `Topology` read here. */
export interface TopologyReplicas {
	version: number;
	services: Record<string, { replicas: number }>;
}

const FETCH_TIMEOUT_MS = 2_000;

interface EndpointListLike {
	hasAvailable(): boolean;
}

export class WantedTopology {
	private replicas = new Map<string, number>();
	private version: number | undefined;
	private fetching: Promise<boolean> | undefined;

	readonly wanted: WantedReplicas = (service) => this.replicas.get(service) ?? DEFAULT_WANTED_REPLICAS;

	get known(): boolean {
		return this.version !== undefined;
	}

	/** Takes a topology unless it is older than the one held; true when the counts changed. */
	apply(topology: TopologyReplicas): boolean {
		if (!Number.isInteger(topology.version) || typeof topology.services !== "object" || topology.services === null) return false;
		if (this.version !== undefined && topology.version < this.version) return false;
		const next = new Map(Object.entries(topology.services).filter(([, t]) => Number.isInteger(t.replicas)).map(([name, t]) => [name, t.replicas]));
		const changed = next.size !== this.replicas.size || [...next].some(([name, n]) => this.replicas.get(name) !== n);
		this.version = topology.version;
		this.replicas = next;
		return changed;
	}

	/** Asks a deployment node, if one is available; true when the counts changed. Never throws. */
	fetch(broker: ServiceBroker): Promise<boolean> {
		if (!(broker.registry.getActionEndpoints(TOPOLOGY_ACTION) as EndpointListLike | undefined)?.hasAvailable()) return Promise.resolve(false);
		this.fetching ??= broker
			.call<TopologyReplicas, Record<string, never>>(TOPOLOGY_ACTION, {}, { timeout: FETCH_TIMEOUT_MS, retries: 0 })
			.then((t) => this.apply(t))
			.catch((err: unknown) => {
				broker.logger.debug(`Wanted topology not fetched: ${err instanceof Error ? err.message : String(err)}`);
				return false;
			})
			.finally(() => {
				this.fetching = undefined;
			});
		return this.fetching;
	}
}
