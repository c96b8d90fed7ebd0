/**
 * What the health tests share: real brokers on the real NATS in a namespace of their own, a
 * bounded wait for a condition, and a TCP relay in front of NATS that a test can cut to take one
 * node's connection away without a goodbye (the NATS server itself is shared and stays up).
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { ServiceBroker } from "moleculer";
import type { Context, ServiceSchema } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { loadEnv } from "../../runtime/env.ts";
import { STATUS_CHANGED_EVENT, type Transition } from "../../services/health/health.contract.ts";
import { waitFor as poll } from "../helpers/wait-for.ts";

export const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export function randomNamespace(prefix = "health-test"): string {
	return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function makeBroker(namespace: string, nodeID: string, transporter: string = NATS_URL): ServiceBroker {
	const env = loadEnv({ NODE_ENV: "test", TRANSPORTER: transporter, NAMESPACE: namespace, NODE_ID: nodeID, LOG_LEVEL: "error" });
	return new ServiceBroker(createBrokerOptions(env));
}

/** The health tests' argument order over the shared poller in test/helpers/wait-for.ts. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, everyMs = 50): Promise<T> {
	return poll(probe, { message: what, timeoutMs, intervalMs: everyMs });
}

/** A service that keeps every `health.status.changed` event its node receives. */
export function transitionRecorder(name = "recorder"): { schema: ServiceSchema; seen: Transition[] } {
	const seen: Transition[] = [];
	return {
		seen,
		schema: {
			name,
			events: {
				[STATUS_CHANGED_EVENT](ctx: Context<Transition>): void {
					seen.push(ctx.params);
				}
			}
		}
	};
}

/** A TCP relay to NATS. `cut()` drops every connection and refuses new ones until `restore()`. */
export class NatsRelay {
	private readonly server = net.createServer((socket) => this.accept(socket));
	private readonly sockets = new Set<net.Socket>();
	private blocked = false;
	private readonly target: URL;

	constructor(target: string = NATS_URL) {
		this.target = new URL(target);
	}

	async start(): Promise<string> {
		await new Promise<void>((resolve, reject) => {
			this.server.once("error", reject);
			this.server.listen(0, "127.0.0.1", () => resolve());
		});
		return `nats://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	cut(): void {
		this.blocked = true;
		for (const s of this.sockets) s.destroy();
		this.sockets.clear();
	}

	restore(): void {
		this.blocked = false;
	}

	async close(): Promise<void> {
		this.cut();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private accept(client: net.Socket): void {
		if (this.blocked) {
			client.destroy();
			return;
		}
		const upstream = net.connect(Number(this.target.port || 4222), this.target.hostname);
		for (const s of [client, upstream]) {
			this.sockets.add(s);
			s.on("error", () => s.destroy());
			s.on("close", () => {
				this.sockets.delete(s);
				client.destroy();
				upstream.destroy();
			});
		}
		client.pipe(upstream);
		upstream.pipe(client);
	}
}
