/**
 * An in-process broker that joins a test's cluster to call actions and watch what happens: it
 * runs the platform's own broker options (same discoverer, same payload guard) and no services
 * but a recorder of node events and `health.status.changed`.
 */
import { ServiceBroker } from "moleculer";
import type { Context, ServiceSchema } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { loadEnv } from "../../runtime/env.ts";
import { waitFor } from "./wait-for.ts";

/** The payload of `health.status.changed` (services/health/health.contract.ts), as far as tests read it. */
export interface StatusChange {
	kind: string;
	id: string;
	from: string;
	to: string;
	at: string;
	reason?: string;
}

export type SeenEvent =
	| { name: "$node.connected"; at: number; nodeID: string; reconnected: boolean }
	| { name: "$node.disconnected"; at: number; nodeID: string; unexpected: boolean }
	| { name: "health.status.changed"; at: number; change: StatusChange };

interface NodePayload {
	node: { id: string };
	reconnected?: boolean;
	unexpected?: boolean;
}

export interface ClientOptions {
	namespace: string;
	transporter: string;
	nodeID: string;
	/** Variables beside the ones above, e.g. REQUEST_TIMEOUT. */
	env?: Record<string, string>;
	/** More events to record in `custom`, e.g. a fixture's "echo.slow.started". */
	watch?: readonly string[];
}

export interface CustomEvent {
	event: string;
	at: number;
	/** The node that sent it. */
	sender: string | null;
	payload: unknown;
}

export class ClusterClient {
	readonly broker: ServiceBroker;
	/** What this broker saw, oldest first; `at` is performance.now(). */
	readonly events: SeenEvent[] = [];
	/** Events named in `watch`, oldest first. */
	readonly custom: CustomEvent[] = [];

	constructor(options: ClientOptions) {
		const env = loadEnv({
			NODE_ENV: "test",
			LOG_LEVEL: "error",
			TRANSPORTER: options.transporter,
			NAMESPACE: options.namespace,
			NODE_ID: options.nodeID,
			...options.env
		});
		// A test worker must not exit on SIGTERM meant for a child, nor stop twice (measured on the project's machines).
		this.broker = new ServiceBroker({ ...createBrokerOptions(env), skipProcessEventRegistration: true });
		this.broker.createService(this.recorder(options.watch ?? []));
	}

	private recorder(watch: readonly string[]): ServiceSchema {
		const events = this.events;
		const custom = this.custom;
		const watched = Object.fromEntries(
			watch.map((event) => [
				event,
				(ctx: Context<unknown>): void => {
					custom.push({ event, at: performance.now(), sender: ctx.nodeID ?? null, payload: ctx.params });
				}
			])
		);
		return {
			name: "test-recorder",
			events: {
				...watched,
				"$node.connected"(ctx: Context<NodePayload>): void {
					events.push({ name: "$node.connected", at: performance.now(), nodeID: ctx.params.node.id, reconnected: ctx.params.reconnected === true });
				},
				"$node.disconnected"(ctx: Context<NodePayload>): void {
					events.push({ name: "$node.disconnected", at: performance.now(), nodeID: ctx.params.node.id, unexpected: ctx.params.unexpected === true });
				},
				"health.status.changed"(ctx: Context<StatusChange>): void {
					events.push({ name: "health.status.changed", at: performance.now(), change: ctx.params });
				}
			}
		};
	}

	start(): Promise<void> {
		return this.broker.start();
	}

	stop(): Promise<void> {
		return this.broker.stop();
	}

	call<T>(action: string, params: Record<string, unknown> = {}, opts: { timeout?: number; nodeID?: string } = {}): Promise<T> {
		return this.broker.call(action, params, opts) as Promise<T>;
	}

	/** Whether the registry lists the node as available. */
	isNodeAvailable(nodeID: string): boolean {
		return this.broker.registry.nodes.get(nodeID)?.available === true;
	}

	/** Whether the available node offers every one of `services`. */
	nodeOffers(nodeID: string, services: readonly string[]): boolean {
		return this.isNodeAvailable(nodeID) && services.every((s) => this.broker.registry.services.has(s, nodeID));
	}

	/** Ids of the available remote nodes the registry lists. */
	availableNodes(): string[] {
		return this.broker.registry.nodes
			.toArray()
			.filter((n) => !n.local && n.available)
			.map((n) => n.id);
	}

	/** Waits until the node is available and offers `services`; `context` adds e.g. the node's output to a failure. */
	async waitForNode(nodeID: string, services: readonly string[] = [], timeoutMs = 20_000, context: () => string = () => ""): Promise<void> {
		await waitFor(() => this.nodeOffers(nodeID, services), {
			timeoutMs,
			message: () => `node ${nodeID} to be seen offering [${services.join(", ")}]\n${context()}`
		});
	}

	seen<N extends SeenEvent["name"]>(name: N, since = 0): Extract<SeenEvent, { name: N }>[] {
		return this.events.filter((e): e is Extract<SeenEvent, { name: N }> => e.name === name && e.at >= since);
	}
}
