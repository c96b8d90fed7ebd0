/**
 * Builds and starts one node: a broker with the services named in SERVICES. Used by the
 * `start`/`node` entrypoint, and by tests and benchmarks that want a node in-process.
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../moleculer.config.ts";
import { type Env, assertProductionSafe } from "../runtime/env.ts";
import { installProcessFaultPolicy } from "../runtime/fault-containment.ts";
import { type ServiceName, loadServiceSchemas, resolveServiceNames } from "./service-catalog.ts";
import type { EdgeServer } from "../gateway/edge-server.ts";
import { NodeDrainService } from "../runtime/node-drain.service.ts";

export interface StartedNode {
	broker: ServiceBroker;
	services: ServiceName[];
}

/** Creates the broker and its services without starting it (tests may add services first). */
export async function createNode(env: Env): Promise<StartedNode> {
	assertProductionSafe(env);
	const services = resolveServiceNames(env.services);
	const broker = new ServiceBroker(createBrokerOptions(env));
	for (const schema of await loadServiceSchemas(services)) broker.createService(schema);
	// Every node, whatever it runs, can be asked to leave by a rollout.
	broker.createService(NodeDrainService());
	return { broker, services };
}

/** A node as its own process: the process-level fault policy (runtime/fault-containment.ts) included. */
export async function startNode(env: Env): Promise<StartedNode> {
	const node = await createNode(env);
	installProcessFaultPolicy(node.broker);
	// broker.start() waits for NATS before it starts any service: the gateway's port opens first,
	// so probes see "starting" instead of a refused connection; the gateway service takes it over.
	let edge: EdgeServer | undefined;
	if (node.services.includes("gateway")) {
		const { edgeServerOptions, openEdgeServer } = await import("../gateway/edge-server.ts");
		edge = await openEdgeServer(node.broker, env.port, undefined, edgeServerOptions(env));
	}
	// Without a gateway, orchestrators probe the node here (the port opens first, like the gateway's).
	const probes = !edge && env.probePort > 0 ? await (await import("./probe-server.ts")).openProbeServer(node.broker, env.probePort) : undefined;
	try {
		await node.broker.start();
	} catch (err) {
		await edge?.close();
		await probes?.close();
		throw err;
	}
	return node;
}
