/**
 * Whether this node can talk to NATS right now.
 *
 * Moleculer cannot say: its NATS transporter sets `transit.connected` once and clears it only on a
 * graceful stop or when the client closes for good, which with `maxReconnectAttempts: -1` never
 * happens. During an outage `transit.connected` stays true while every call times out, and no
 * event fires (measured on the project's machines). The nats client does know: its `status()` iterator yields `disconnect`
 * as soon as the socket drops and `reconnect` when it is back. This monitor follows that iterator
 * and is the source of truth for the health mixin's readiness and the health service's history.
 * Shared by the mixin (every node) and the health service, hence its place beside the mixin.
 */
import type { ServiceBroker } from "moleculer";
import type { NatsConnection } from "nats";

/** `none`: the node runs without a transporter (single-node mode). */
export type TransporterState = "connected" | "disconnected" | "none";

export interface TransporterStatus {
	state: TransporterState;
	/** ISO time of the last change of state. */
	since: string;
	/** Why it is disconnected, or which server it is connected to. */
	detail?: string;
}

export type TransporterListener = (status: TransporterStatus, previous: TransporterStatus) => void;

export interface TransporterMonitor {
	status(): TransporterStatus;
	/** Returns a function that removes the listener. */
	onChange(listener: TransporterListener): () => void;
}

/** The nats client's internal protocol handler knows the socket state; read only at attach time. */
interface NatsInternals {
	protocol?: { connected?: boolean };
}

type ClientHolder = { client?: NatsConnection | null } | undefined;

function currentClient(broker: ServiceBroker): NatsConnection | undefined {
	const tx = broker.transit?.tx as unknown as ClientHolder;
	return tx?.client ?? undefined;
}

class NatsConnectionMonitor implements TransporterMonitor {
	private current: TransporterStatus;
	private readonly listeners = new Set<TransporterListener>();
	private watched: NatsConnection | undefined;
	private readonly broker: ServiceBroker;

	constructor(broker: ServiceBroker) {
		this.broker = broker;
		this.current = { state: broker.transit ? "disconnected" : "none", since: new Date().toISOString(), detail: "not started" };
		if (!broker.transit) return;
		// A broker that is stopped and started again gets a new nats client: follow it.
		broker.localBus.on("$transporter.connected", () => this.attach());
		broker.localBus.on("$transporter.disconnected", () => this.set("disconnected", "transporter stopped"));
		this.attach();
	}

	status(): TransporterStatus {
		return { ...this.current };
	}

	onChange(listener: TransporterListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private attach(): void {
		const client = currentClient(this.broker);
		if (!client || client === this.watched) return;
		this.watched = client;
		const internals = client as unknown as NatsInternals;
		const connected = !client.isClosed() && internals.protocol?.connected !== false;
		this.set(connected ? "connected" : "disconnected", connected ? client.getServer() : "no connection to NATS");
		void this.follow(client);
	}

	private async follow(client: NatsConnection): Promise<void> {
		try {
			for await (const s of client.status()) {
				if (client !== this.watched) return;
				if (s.type === "disconnect") this.set("disconnected", `lost the connection to NATS at ${String(s.data)}`);
				else if (s.type === "reconnect") this.set("connected", String(s.data));
			}
		} catch (err) {
			this.broker.logger.warn("The NATS status stream ended with an error", err);
		}
		// The iterator ends when the client closes for good.
		if (client === this.watched) this.set("disconnected", "the NATS connection is closed");
	}

	private set(state: TransporterState, detail: string | undefined): void {
		if (state === this.current.state) {
			if (detail) this.current.detail = detail;
			return;
		}
		const previous = this.current;
		this.current = { state, since: new Date().toISOString(), ...(detail ? { detail } : {}) };
		for (const listener of this.listeners) {
			try {
				listener(this.status(), previous);
			} catch (err) {
				this.broker.logger.error("A transporter listener failed", err);
			}
		}
	}
}

const monitors = new WeakMap<ServiceBroker, NatsConnectionMonitor>();

/** The monitor of this broker's connection, created on first use (idempotent). */
export function watchTransporter(broker: ServiceBroker): TransporterMonitor {
	let monitor = monitors.get(broker);
	if (!monitor) {
		monitor = new NatsConnectionMonitor(broker);
		monitors.set(broker, monitor);
	}
	return monitor;
}
