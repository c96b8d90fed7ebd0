/**
 * `$node-drain`: on every node (runtime/start-node.ts adds it), the way the deployment service asks
 * one node to leave: `$node-drain.drain` answers, then takes the very path a SIGTERM takes
 * (Moleculer's own signal handler: empty INFO so callers route elsewhere, in-flight requests
 * finished, goodbye, exit 0), so a rollout tests the same shutdown that an orchestrator uses.
 * The supervisor (compose, Kubernetes, systemd, or the test harness) starts the replacement.
 *
 * Internal (`$` prefix): the health service and the gateway's routes skip it.
 */
import type { Context, Service, ServiceSchema } from "moleculer";
import { z } from "zod";
import { text } from "./validation/fields.ts";
import { type ParamsOf, zodParams } from "./validation/zod-params.ts";

export const NODE_DRAIN_SERVICE = "$node-drain";
export const NODE_DRAIN_ACTION = `${NODE_DRAIN_SERVICE}.drain`;

const DrainParams = zodParams(z.strictObject({ reason: text(300, 1) }));

export interface DrainAnswer {
	nodeID: string;
	draining: true;
}

export interface NodeDrainOptions {
	/** How the node stops; the default sends this process SIGTERM (tests in one process stop the broker instead). */
	stop?: (service: Service) => void;
}

function sigterm(service: Service): void {
	// Without Moleculer's handlers (skipProcessEventRegistration) a SIGTERM would kill the process mid-request.
	if (service.broker.options.skipProcessEventRegistration) void service.broker.stop();
	else process.kill(process.pid, "SIGTERM");
}

export function NodeDrainService(options: NodeDrainOptions = {}): ServiceSchema {
	const stop = options.stop ?? sigterm;
	return {
		name: NODE_DRAIN_SERVICE,
		actions: {
			drain: {
				visibility: "public",
				// A user's rollout reaches here with their principal: they need what starting one needs.
				permissions: ["deployment:write"],
				params: DrainParams,
				handler(this: Service, ctx: Context<ParamsOf<typeof DrainParams>>): DrainAnswer {
					this.logger.warn(`Asked to drain by ${ctx.nodeID ?? "?"}: ${ctx.params.reason}`);
					// After the answer has left: this call is itself an in-flight request the drain waits for.
					setTimeout(() => stop(this), 20).unref();
					return { nodeID: this.broker.nodeID, draining: true };
				}
			}
		}
	};
}
