/**
 * Liveness and readiness, as an orchestrator or load balancer asks for them.
 * `/healthz`: the process serves HTTP (never depends on anything else, or a NATS outage would get
 * every node restarted). `/readyz`: this node should get traffic: it has started, is not
 * draining, and every check of `runNodeHealthChecks` passes (its services' dependencies, NATS).
 */
import type { ServiceBroker } from "moleculer";
import { runNodeHealthChecks } from "../mixins/health.mixin.ts";

export interface Readiness {
	ready: boolean;
	reasons: string[];
}

export type NodePhase = "starting" | "serving" | "draining";

/**
 * Runs the node's checks for readiness. Probes that arrive while a run is in flight share it, so
 * a burst of probes does not multiply the load on databases that are already slow.
 */
export function createReadinessProbe(broker: ServiceBroker, phase: () => NodePhase): () => Promise<Readiness> {
	let inFlight: Promise<Readiness> | undefined;

	async function check(): Promise<Readiness> {
		const health = await runNodeHealthChecks(broker);
		const current = phase();
		const reasons = [...health.reasons];
		if (current === "draining") reasons.unshift("stopping: the node is draining");
		else if (current === "starting") reasons.unshift("starting: services are starting");
		return { ready: reasons.length === 0, reasons };
	}

	return () => {
		// Draining is known without running any check, and must show at once.
		if (phase() === "draining") return Promise.resolve({ ready: false, reasons: ["stopping: the node is draining"] });
		inFlight ??= check().finally(() => {
			inFlight = undefined;
		});
		return inFlight;
	};
}
