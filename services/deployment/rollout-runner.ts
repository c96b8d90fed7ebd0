/**
 * A rolling replacement: one node at a time, ask it to drain (`$node-drain.drain`), wait until it
 * has left the cluster, then until its replacement (started by compose, Kubernetes, systemd or the
 * test harness) is live and passes its health checks, and only then go on to the next node.
 *
 * It stops, with a report naming the node and what did not happen, when a node does not leave or
 * its replacement is not healthy within the deadline, and it refuses to drain a node that is the
 * last live replica of any service it runs: a rollout never takes a service below one replica.
 * Each step is stored and broadcast as `deployment.rollout.step` (the SSE stream forwards it).
 */
import type { Logger, ServiceBroker } from "moleculer";
import { NODE_DRAIN_ACTION } from "../../runtime/node-drain.service.ts";
import type { Rollout, RolloutStep, StepPhase } from "./deployment.contract.ts";

/** The part of `health.services` read here. */
interface HealthServiceView {
	name: string;
	live: number;
	nodes: string[];
	checks: { nodeID: string; ok: boolean }[];
}

export interface RolloutTiming {
	/** How long a node has to leave after it was asked to drain (its in-flight requests included). */
	leaveWithinMs: number;
	/** How long its replacement has to be live and healthy. */
	healthyWithinMs: number;
	pollMs: number;
	callTimeoutMs: number;
}

export interface RolloutRunnerOptions {
	broker: ServiceBroker;
	logger: Logger;
	/** Stores and announces one step. */
	record(step: RolloutStep): Promise<void>;
	timing: RolloutTiming;
	signal: AbortSignal;
}

export interface RolloutOutcome {
	ok: boolean;
	report: string;
}

class StepFailure extends Error {
	readonly phase: StepPhase;
	readonly node: string | null;

	constructor(phase: StepPhase, node: string | null, message: string) {
		super(message);
		this.phase = phase;
		this.node = node;
	}
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
	new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal.addEventListener("abort", () => {
			clearTimeout(timer);
			resolve();
		}, { once: true });
	});

/** Live nodes offering `service`, from the registry (the broker's own view of who is alive). */
export function liveReplicas(broker: ServiceBroker, service: string): string[] {
	const list = broker.registry.getServiceList({ skipInternal: true, onlyAvailable: true }) as unknown as { name: string; nodeID?: string }[];
	return [...new Set(list.filter((s) => s.name === service && s.nodeID).map((s) => s.nodeID as string))].sort();
}

/** The services a live node offers (internal ones aside). */
export function servicesOfNode(broker: ServiceBroker, nodeID: string): string[] {
	const list = broker.registry.getServiceList({ skipInternal: true, onlyAvailable: true }) as unknown as { name: string; nodeID?: string }[];
	return [...new Set(list.filter((s) => s.nodeID === nodeID).map((s) => s.name))].sort();
}

function isAvailable(broker: ServiceBroker, nodeID: string): boolean {
	return broker.registry.nodes.get(nodeID)?.available === true;
}

export class RolloutRunner {
	private readonly options: RolloutRunnerOptions;

	constructor(options: RolloutRunnerOptions) {
		this.options = options;
	}

	async run(rollout: Rollout): Promise<RolloutOutcome> {
		await this.step(null, "planned", `Replacing ${rollout.nodes.length} node(s) of ${rollout.service} one at a time: ${rollout.nodes.join(", ")}`);
		try {
			for (const [index, node] of rollout.nodes.entries()) {
				this.assertNotStopped(node);
				const before = this.safetyCheck(node);
				await this.step(node, "draining", `${index + 1}/${rollout.nodes.length}: asked ${node} to drain (it runs ${[...before.keys()].join(", ")})`);
				await this.drain(node, rollout);
				await this.waitUntilLeft(node);
				await this.step(node, "left", `${node} finished its requests and left the cluster`);
				const healthy = await this.waitForReplacement(node, before);
				await this.step(node, "healthy", healthy);
			}
			const report = `Replaced ${rollout.nodes.length} node(s) of ${rollout.service}: ${rollout.nodes.join(", ")}`;
			await this.step(null, "done", report);
			return { ok: true, report };
		} catch (err) {
			const failure = err instanceof StepFailure ? err : new StepFailure("failed", null, err instanceof Error ? err.message : String(err));
			await this.step(failure.node, failure.phase, failure.message).catch((e: unknown) => this.options.logger.error("Could not record a rollout step", e));
			const where = failure.node ? ` at node ${failure.node}` : "";
			return { ok: false, report: `Stopped${where}: ${failure.message}` };
		}
	}

	private async step(node: string | null, phase: StepPhase, detail: string): Promise<void> {
		const level = phase === "timeout" || phase === "refused" || phase === "failed" ? "warn" : "info";
		this.options.logger[level](`Rollout ${phase}${node ? ` ${node}` : ""}: ${detail}`);
		await this.options.record({ at: new Date().toISOString(), node, phase, detail });
	}

	private assertNotStopped(node: string | null): void {
		if (this.options.signal.aborted) throw new StepFailure("failed", node, "the deployment service running this rollout is stopping");
	}

	/** Live replicas of each of the node's services now; refuses when one would be left with none. */
	private safetyCheck(node: string): Map<string, number> {
		const { broker } = this.options;
		if (!isAvailable(broker, node)) throw new StepFailure("refused", node, `${node} is not live in the cluster`);
		if (node === broker.nodeID) throw new StepFailure("refused", node, `${node} runs this rollout: start it from another deployment node`);
		const before = new Map<string, number>();
		for (const service of servicesOfNode(broker, node)) {
			const replicas = liveReplicas(broker, service);
			if (replicas.length < 2) {
				throw new StepFailure("refused", node, `draining ${node} would leave ${service} with no live replica (live: ${replicas.join(", ") || "none"})`);
			}
			before.set(service, replicas.length);
		}
		return before;
	}

	private async drain(node: string, rollout: Rollout): Promise<void> {
		const { broker, timing } = this.options;
		try {
			await broker.call(NODE_DRAIN_ACTION, { reason: `rollout ${rollout.id}: ${rollout.reason}`.slice(0, 300) }, { nodeID: node, timeout: timing.callTimeoutMs, retries: 0 });
		} catch (err) {
			// A node that is already leaving may not answer; it is judged by whether it leaves.
			if (isAvailable(broker, node)) throw new StepFailure("failed", node, `${node} did not accept the drain: ${err instanceof Error ? err.message : String(err)}`);
		}
	}

	private async waitUntilLeft(node: string): Promise<void> {
		const { broker, timing, signal } = this.options;
		const deadline = Date.now() + timing.leaveWithinMs;
		while (isAvailable(broker, node)) {
			this.assertNotStopped(node);
			if (Date.now() > deadline) throw new StepFailure("timeout", node, `${node} was asked to drain but had not left the cluster after ${timing.leaveWithinMs} ms`);
			await sleep(timing.pollMs, signal);
		}
	}

	/** Every service the node ran is back to its earlier live count, each of those replicas healthy. */
	private async waitForReplacement(node: string, before: ReadonlyMap<string, number>): Promise<string> {
		const { broker, timing, signal } = this.options;
		const deadline = Date.now() + timing.healthyWithinMs;
		let last = "no answer from the health service yet";
		for (;;) {
			this.assertNotStopped(node);
			const views = await broker
				.call<{ services: HealthServiceView[] }, Record<string, never>>("health.services", {}, { timeout: timing.callTimeoutMs, retries: 0 })
				.catch((err: unknown) => {
					last = `health did not answer: ${err instanceof Error ? err.message : String(err)}`;
					return undefined;
				});
			if (views) {
				const waiting: string[] = [];
				for (const [service, count] of before) {
					const view = views.services.find((s) => s.name === service);
					// Both views must agree: health may not have seen the old node leave yet, and its check would still count.
					const live = liveReplicas(broker, service);
					const healthy = view ? view.nodes.filter((n) => live.includes(n) && view.checks.some((c) => c.nodeID === n && c.ok)) : [];
					if (healthy.length < count) waiting.push(`${service} ${healthy.length}/${count} healthy`);
				}
				if (waiting.length === 0) {
					const replicas = [...before.keys()].map((s) => `${s} on ${liveReplicas(broker, s).join(", ")}`).join("; ");
					return `the replacement of ${node} is live and healthy: ${replicas}`;
				}
				last = waiting.join(", ");
			}
			if (Date.now() > deadline) {
				throw new StepFailure("timeout", node, `no healthy replacement for ${node} within ${timing.healthyWithinMs} ms (${last}); the remaining nodes were not touched`);
			}
			await sleep(timing.pollMs, signal);
		}
	}
}
