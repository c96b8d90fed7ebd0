/**
 * Reads what Moleculer's registry knows about every node into the model's `NodeFacts`.
 * The registry stays the one source of truth for who is alive (FastDiscoverer decides that);
 * the health service only reads it, so its picture cannot drift from the one the broker routes by.
 */
import type { ServiceBroker } from "moleculer";
import type { NodeFacts, OfferedService } from "./cluster-model.ts";

/** The fields of a registry service entry read here (the published type names `actions` `action`). */
interface ListedService {
	fullName: string;
	nodeID?: string;
	actions?: Record<string, unknown>;
}

/** A service as a node announced it in its INFO packet (kept on the Node after it goes down). */
interface AnnouncedService {
	name?: string;
	fullName?: string;
	actions?: Record<string, unknown>;
}

const HEALTH_CHECK_ACTION = "healthCheck";

function offered(fullName: string, actions: Record<string, unknown> | undefined): OfferedService {
	return { name: fullName, healthCheck: Boolean(actions && `${fullName}.${HEALTH_CHECK_ACTION}` in actions) };
}

function text(value: unknown): string | null {
	return typeof value === "string" && value.length > 0 ? value : null;
}

export function readNodeFacts(broker: ServiceBroker, now = new Date()): NodeFacts[] {
	const servicesByNode = new Map<string, OfferedService[]>();
	const listed = broker.registry.getServiceList({ skipInternal: true, withActions: true }) as unknown as ListedService[];
	for (const s of listed) {
		if (!s.nodeID) continue;
		const list = servicesByNode.get(s.nodeID) ?? [];
		list.push(offered(s.fullName, s.actions));
		servicesByNode.set(s.nodeID, list);
	}
	const uptimeNow = process.uptime();
	return broker.registry.nodes.toArray().map((node): NodeFacts => {
		const announced = (node.services as AnnouncedService[] | null | undefined) ?? [];
		const services =
			servicesByNode.get(node.id) ??
			announced
				.map((s) => ({ name: s.fullName ?? s.name ?? "", actions: s.actions }))
				.filter((s) => s.name.length > 0 && !s.name.startsWith("$"))
				.map((s) => offered(s.name, s.actions));
		// Heartbeat times are whole seconds of this process's uptime (Moleculer's Node keeps them so).
		const lastSeenMs = node.local ? now.getTime() : now.getTime() - Math.max(0, uptimeNow - node.lastHeartbeatTime) * 1000;
		return {
			id: node.id,
			hostname: node.hostname,
			ipList: node.ipList ?? [],
			versions: { node: text(node.client.langVersion), moleculer: text(node.client.version), platform: text(node.metadata?.version) },
			startedAt: text(node.metadata?.started),
			local: node.local,
			available: node.available,
			lastSeen: new Date(Math.round(lastSeenMs / 1000) * 1000).toISOString(),
			services: services.sort((a, b) => a.name.localeCompare(b.name))
		};
	});
}
