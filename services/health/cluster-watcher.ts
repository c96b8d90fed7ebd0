/**
 * Keeps the cluster model current and tells the world when something changes.
 *
 * Fed by the health service's event handlers (node and service changes, circuit breakers), by
 * the transporter monitor, and by its own round of health checks every `checkIntervalMs`. Every
 * transition goes to the history and out as `health.status.changed`.
 */
import type { Logger, ServiceBroker } from "moleculer";
import { type TransporterStatus, watchTransporter } from "../../mixins/transporter-monitor.ts";
import { type CircuitReport, ClusterModel, type ClusterCounts, type ClusterStatus, type NodeView, type ServiceView, worstStatus } from "./cluster-model.ts";
import { runHealthChecks } from "./health-checker.ts";
import { readNodeFacts } from "./node-facts.ts";
import type { WantedReplicas } from "./replica-policy.ts";
import type { TransitionLog } from "./transition-log.ts";
import { LEFT_GRACEFULLY, STATUS_CHANGED_EVENT, type Transition } from "./health.contract.ts";

export interface WatcherOptions {
	/** The health service's own full name: instances elect an announcer among its live replicas. */
	serviceName: string;
	checkIntervalMs: number;
	checkTimeoutMs: number;
	/** How long a node that went down stays listed. */
	downRetentionMs: number;
	log: TransitionLog;
	wanted: WantedReplicas;
	logger: Logger;
}

/** How long `start` waits for this service to appear in the registry before taking its baseline anyway. */
const REGISTRATION_WAIT_MS = 5_000;

export interface ClusterSummary {
	status: ClusterStatus;
	/** The health instance that answered. */
	observer: string;
	at: string;
	transporter: TransporterStatus;
	counts: ClusterCounts;
	nodes: NodeView[];
	services: ServiceView[];
}

function transporterLevel(status: TransporterStatus): "up" | "down" | undefined {
	if (status.state === "none") return undefined;
	return status.state === "connected" ? "up" : "down";
}

export class ClusterWatcher {
	readonly model: ClusterModel;
	private readonly broker: ServiceBroker;
	private readonly options: WatcherOptions;
	private timer: NodeJS.Timeout | undefined;
	private round: Promise<void> | undefined;
	private roundWanted = false;
	private running = false;
	private stopped = false;
	private starting: Promise<void> | undefined;
	private unwatchTransporter: (() => void) | undefined;

	constructor(broker: ServiceBroker, options: WatcherOptions) {
		this.broker = broker;
		this.options = options;
		this.model = new ClusterModel(broker.nodeID, options.wanted);
	}

	/**
	 * What exists when the service starts is the baseline, not news: it yields no transitions.
	 * Moleculer registers a service only after its `started` hook, so the baseline waits (without
	 * blocking `started`) until this service is in the registry, or it would announce itself.
	 */
	start(): void {
		if (this.starting) return;
		this.starting = this.broker
			.waitForServices(this.options.serviceName, REGISTRATION_WAIT_MS, 50)
			.catch(() => undefined)
			.then(() => {
				if (this.stopped) return;
				this.model.observeNodes(readNodeFacts(this.broker), new Date());
				this.running = true;
				this.unwatchTransporter = watchTransporter(this.broker).onChange((now, before) => this.transporterChanged(now, before));
				this.requestRound();
			});
	}

	async stop(): Promise<void> {
		this.stopped = true;
		await this.starting;
		this.running = false;
		clearTimeout(this.timer);
		this.timer = undefined;
		this.unwatchTransporter?.();
		// A round in flight ends by itself: every call in it has a timeout.
		await this.round;
	}

	/** Re-reads the registry; `reasons` says why nodes that just went down went. */
	nodesChanged(reasons: ReadonlyMap<string, string> = new Map()): void {
		if (!this.running) return;
		this.publish(this.model.observeNodes(readNodeFacts(this.broker), new Date(), reasons));
		// New replicas get their first check now, not at the next tick.
		this.requestRound();
	}

	circuitChanged(report: CircuitReport): void {
		if (!this.running) return;
		this.publish(this.model.recordCircuit(report, new Date()));
	}

	/** Runs a round of health checks now, or right after the one in flight. */
	requestRound(): void {
		if (!this.running) return;
		if (this.round) {
			this.roundWanted = true;
			return;
		}
		clearTimeout(this.timer);
		this.round = this.runRound().finally(() => {
			this.round = undefined;
			if (!this.running) return;
			if (this.roundWanted) {
				this.roundWanted = false;
				this.requestRound();
				return;
			}
			this.timer = setTimeout(() => this.requestRound(), this.options.checkIntervalMs);
			this.timer.unref();
		});
	}

	/** Resolves once the round in flight (if any) and a fresh one have completed. */
	async checkNow(): Promise<void> {
		await this.round;
		this.requestRound();
		await this.round;
	}

	summary(): ClusterSummary {
		const at = new Date();
		const transporter = watchTransporter(this.broker).status();
		const serviceStatus = this.model.status();
		// Without NATS this node's picture is stale: never report the cluster as fully up then.
		const status = transporterLevel(transporter) === "down" ? worstStatus([serviceStatus, "degraded"]) : serviceStatus;
		return {
			status,
			observer: this.broker.nodeID,
			at: at.toISOString(),
			transporter,
			counts: this.model.counts(),
			nodes: this.model.nodeViews(at),
			services: this.model.serviceViews()
		};
	}

	private async runRound(): Promise<void> {
		try {
			const now = new Date();
			this.publish(this.model.observeNodes(readNodeFacts(this.broker, now), now));
			this.model.prune(now, this.options.downRetentionMs);
			const outcomes = await runHealthChecks(this.broker, this.model.checkTargets(), this.options.checkTimeoutMs);
			if (!this.running) return;
			this.publish(this.model.recordChecks(outcomes, new Date()));
		} catch (err) {
			this.options.logger.error("A round of health checks failed", err);
		}
	}

	private transporterChanged(now: TransporterStatus, before: TransporterStatus): void {
		const to = transporterLevel(now);
		const from = transporterLevel(before) ?? "unknown";
		if (!this.running || !to || to === from) return;
		this.publish([{ kind: "transporter", id: this.broker.nodeID, from, to, at: now.since, ...(now.detail ? { reason: now.detail } : {}), observer: this.broker.nodeID }]);
	}

	/**
	 * Every instance keeps its own history, but with several health replicas only one announces
	 * what all of them see, so dashboards get each change once: the live replica with the lowest
	 * node id. Only this node can see its own transporter, so it always announces that.
	 */
	private announces(t: Transition): boolean {
		if (t.kind === "transporter") return true;
		const replicas = new Set(this.model.liveNodesOf(this.options.serviceName));
		replicas.add(this.broker.nodeID);
		return [...replicas].sort()[0] === this.broker.nodeID;
	}

	private publish(transitions: readonly Transition[]): void {
		for (const t of transitions) {
			const bad = (t.to === "down" || t.to === "degraded" || t.to === "open") && t.reason !== LEFT_GRACEFULLY;
			this.options.logger[bad ? "warn" : "info"](`${t.kind} ${t.id}: ${t.from} → ${t.to}${t.reason ? ` (${t.reason})` : ""}`);
			const announces = this.announces(t);
			Promise.resolve()
				.then(() => this.options.log.append(t, announces))
				.catch((err: unknown) => this.options.logger.error("Could not record a transition", err));
			if (announces) this.announce(t);
		}
	}

	/** Broadcast, not emit: every gateway instance forwards it to its own SSE clients. */
	private announce(t: Transition): void {
		const failed = (err: unknown): void => {
			this.options.logger.warn(`Could not announce a ${t.kind} transition: ${err instanceof Error ? err.message : String(err)}`);
		};
		try {
			// Without NATS the transporter throws synchronously rather than rejecting.
			this.broker.broadcast(STATUS_CHANGED_EVENT, t).catch(failed);
		} catch (err) {
			failed(err);
		}
	}
}
