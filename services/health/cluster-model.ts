/**
 * The cluster as the health service sees it, and the rules that turn facts into statuses.
 *
 * Pure state: the watcher feeds it facts (the registry's nodes, health-check outcomes, circuit
 * reports) and it answers with the transitions those facts caused. A status is stored only when it
 * changes, so feeding the same facts twice yields no transition: that is what keeps
 * `health.status.changed` free of duplicates however often the registry is re-read.
 */
import type { WantedReplicas } from "./replica-policy.ts";
import type { Transition, TransitionKind } from "./health.contract.ts";

export type NodeState = "up" | "down";
export type ServiceStatus = "up" | "degraded" | "down";
export type CircuitState = "closed" | "open" | "half-open";

export interface OfferedService {
	/** Full name, with its version prefix if it has one. */
	name: string;
	/** Whether it has the `healthCheck` action HealthMixin adds. */
	healthCheck: boolean;
}

export interface NodeFacts {
	id: string;
	hostname: string | null;
	ipList: string[];
	/** `platform`: the APP_VERSION the node announces in its metadata. */
	versions: { node: string | null; moleculer: string | null; platform: string | null };
	/** ISO start time from the node's metadata, when it announces one. */
	startedAt: string | null;
	local: boolean;
	available: boolean;
	/** ISO time of the last packet that proved it alive. */
	lastSeen: string;
	services: OfferedService[];
}

export interface NodeView {
	id: string;
	hostname: string | null;
	ipList: string[];
	versions: NodeFacts["versions"];
	local: boolean;
	state: NodeState;
	/** ISO time of the last change of state. */
	since: string;
	reason?: string;
	startedAt: string | null;
	uptimeSec: number | null;
	lastSeen: string;
	services: string[];
}

export interface CheckOutcome {
	ok: boolean;
	at: string;
	/** One line per failing check; empty when ok. */
	reasons: string[];
}

export interface ServiceView {
	name: string;
	status: ServiceStatus;
	since: string;
	/** Why it is not up; empty when up. */
	reasons: string[];
	wanted: number;
	live: number;
	/** Live nodes offering it. */
	nodes: string[];
	checks: ({ nodeID: string } & CheckOutcome)[];
	/** `action@node` of each open circuit. */
	openCircuits: string[];
}

export interface CircuitReport {
	/** The node whose circuit breaker changed (circuits are kept per caller). */
	reporter: string;
	/** The node the circuit protects calls to. */
	nodeID: string;
	service: string;
	action: string;
	state: CircuitState;
	detail?: string;
}

export type ClusterStatus = ServiceStatus;

export interface ClusterCounts {
	nodes: Record<NodeState, number>;
	services: Record<ServiceStatus, number>;
}

interface NodeRecord {
	facts: NodeFacts;
	state: NodeState;
	since: string;
	reason?: string;
}

interface ServiceRecord {
	status: ServiceStatus;
	since: string;
	reasons: string[];
}

/**
 * One endpoint's circuit. Moleculer keeps a breaker on every caller and on the callee itself
 * (its middleware wraps local and remote actions), so several nodes report the same endpoint:
 * it is open if any of them has it open, half-open if none has it open but one is testing.
 */
interface CircuitRecord {
	nodeID: string;
	service: string;
	action: string;
	byReporter: Map<string, CircuitState>;
	state: CircuitState;
}

function combinedState(states: Iterable<CircuitState>): CircuitState {
	let combined: CircuitState = "closed";
	for (const s of states) {
		if (s === "open") return "open";
		if (s === "half-open") combined = "half-open";
	}
	return combined;
}

const SEVERITY: Record<ServiceStatus, number> = { up: 0, degraded: 1, down: 2 };

export function worstStatus(statuses: Iterable<ServiceStatus>): ServiceStatus {
	let worst: ServiceStatus = "up";
	for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
	return worst;
}

export class ClusterModel {
	private readonly nodes = new Map<string, NodeRecord>();
	private readonly services = new Map<string, ServiceRecord>();
	/** service → node → last outcome of that replica's own health check. */
	private readonly checks = new Map<string, Map<string, CheckOutcome>>();
	/** Keyed by node and action; only circuits that are not closed are kept. */
	private readonly circuits = new Map<string, CircuitRecord>();
	private readonly observer: string;
	private readonly wanted: WantedReplicas;

	constructor(observer: string, wanted: WantedReplicas) {
		this.observer = observer;
		this.wanted = wanted;
	}

	/**
	 * Reconciles with the full list of nodes the registry knows. A node missing from the list is
	 * down; `reasons` explains nodes that just went down (graceful leave or lost heartbeat).
	 */
	observeNodes(facts: readonly NodeFacts[], at: Date, reasons: ReadonlyMap<string, string> = new Map()): Transition[] {
		const when = at.toISOString();
		const out: Transition[] = [];
		const listed = new Set<string>();
		for (const f of facts) {
			listed.add(f.id);
			const state: NodeState = f.available ? "up" : "down";
			const reason = state === "down" ? (reasons.get(f.id) ?? "not available") : undefined;
			const record = this.nodes.get(f.id);
			if (!record) {
				this.nodes.set(f.id, { facts: f, state, since: when, ...(reason ? { reason } : {}) });
				out.push(this.transition("node", f.id, "unknown", state, when, reason));
				continue;
			}
			// A node that went down keeps the services it last offered, for the operator's view.
			record.facts = state === "down" && f.services.length === 0 ? { ...f, services: record.facts.services } : f;
			if (record.state !== state) out.push(this.setNodeState(record, state, when, reason));
		}
		for (const record of this.nodes.values()) {
			if (!listed.has(record.facts.id) && record.state === "up") {
				out.push(this.setNodeState(record, "down", when, reasons.get(record.facts.id) ?? "removed from the registry"));
			}
		}
		out.push(...this.forgetWhatDownNodesReported(when));
		out.push(...this.evaluateServices(at));
		return out;
	}

	/** Folds the outcomes of one round of health checks in; outcomes for nodes now down are ignored. */
	recordChecks(outcomes: readonly { service: string; nodeID: string; outcome: CheckOutcome }[], at: Date): Transition[] {
		for (const { service, nodeID, outcome } of outcomes) {
			if (this.nodes.get(nodeID)?.state !== "up") continue;
			let byNode = this.checks.get(service);
			if (!byNode) {
				byNode = new Map();
				this.checks.set(service, byNode);
			}
			byNode.set(nodeID, outcome);
		}
		return this.evaluateServices(at);
	}

	recordCircuit(report: CircuitReport, at: Date): Transition[] {
		const key = `${report.nodeID}|${report.action}`;
		const record = this.circuits.get(key) ?? { nodeID: report.nodeID, service: report.service, action: report.action, byReporter: new Map<string, CircuitState>(), state: "closed" };
		if (report.state === "closed") record.byReporter.delete(report.reporter);
		else record.byReporter.set(report.reporter, report.state);
		const seenFrom = report.reporter === report.nodeID ? "its own node" : report.reporter;
		const reason = [report.detail, `as seen from ${seenFrom}`].filter((x) => x !== undefined).join(", ");
		const changed = this.settleCircuit(key, record, at.toISOString(), reason);
		return changed ? [changed, ...this.evaluateServices(at)] : [];
	}

	/** Stores the circuit's combined state; returns the transition when that state changed. */
	private settleCircuit(key: string, record: CircuitRecord, when: string, reason: string): Transition | undefined {
		const state = combinedState(record.byReporter.values());
		if (state === "closed") this.circuits.delete(key);
		else this.circuits.set(key, record);
		if (state === record.state) return undefined;
		const from = record.state;
		record.state = state;
		return this.transition("circuit", `${record.action}@${record.nodeID}`, from, state, when, reason);
	}

	/** Forgets nodes down for longer than `retentionMs`, and services nobody has offered since. */
	prune(at: Date, retentionMs: number): void {
		const cutoff = at.getTime() - retentionMs;
		for (const [id, record] of this.nodes) {
			if (record.state === "down" && Date.parse(record.since) < cutoff) this.nodes.delete(id);
		}
		for (const [name, record] of this.services) {
			if (record.status === "down" && Date.parse(record.since) < cutoff) {
				this.services.delete(name);
				this.checks.delete(name);
			}
		}
	}

	/** Services worth checking now: each live replica that has a `healthCheck` action. */
	checkTargets(): { service: string; nodeID: string }[] {
		const targets: { service: string; nodeID: string }[] = [];
		for (const record of this.nodes.values()) {
			if (record.state !== "up") continue;
			for (const s of record.facts.services) if (s.healthCheck) targets.push({ service: s.name, nodeID: record.facts.id });
		}
		return targets;
	}

	/** Live nodes offering `service`, sorted. */
	liveNodesOf(service: string): string[] {
		const ids: string[] = [];
		for (const record of this.nodes.values()) {
			if (record.state === "up" && record.facts.services.some((s) => s.name === service)) ids.push(record.facts.id);
		}
		return ids.sort();
	}

	nodeViews(at: Date): NodeView[] {
		return [...this.nodes.values()]
			.map((r): NodeView => {
				const started = r.facts.startedAt ? Date.parse(r.facts.startedAt) : Number.NaN;
				return {
					id: r.facts.id,
					hostname: r.facts.hostname,
					ipList: r.facts.ipList,
					versions: r.facts.versions,
					local: r.facts.local,
					state: r.state,
					since: r.since,
					...(r.reason ? { reason: r.reason } : {}),
					startedAt: r.facts.startedAt,
					uptimeSec: r.state === "up" && Number.isFinite(started) ? Math.max(0, Math.round((at.getTime() - started) / 1000)) : null,
					lastSeen: r.facts.lastSeen,
					services: r.facts.services.map((s) => s.name).sort()
				};
			})
			.sort((a, b) => a.id.localeCompare(b.id));
	}

	serviceViews(): ServiceView[] {
		return [...this.services.entries()]
			.map(([name, record]): ServiceView => {
				const nodes = this.liveNodesOf(name);
				return {
					name,
					status: record.status,
					since: record.since,
					reasons: record.reasons,
					wanted: this.wanted(name),
					live: nodes.length,
					nodes,
					checks: [...(this.checks.get(name) ?? new Map<string, CheckOutcome>())].map(([nodeID, o]) => ({ nodeID, ...o })),
					openCircuits: this.openCircuitsOf(name)
				};
			})
			.sort((a, b) => a.name.localeCompare(b.name));
	}

	counts(): ClusterCounts {
		const counts: ClusterCounts = { nodes: { up: 0, down: 0 }, services: { up: 0, degraded: 0, down: 0 } };
		for (const r of this.nodes.values()) counts.nodes[r.state]++;
		for (const r of this.services.values()) counts.services[r.status]++;
		return counts;
	}

	/** The worst service status: a node down matters only through the services it took with it. */
	status(): ClusterStatus {
		return worstStatus([...this.services.values()].map((r) => r.status));
	}

	private evaluateServices(at: Date): Transition[] {
		const when = at.toISOString();
		const names = new Set(this.services.keys());
		for (const record of this.nodes.values()) {
			if (record.state === "up") for (const s of record.facts.services) names.add(s.name);
		}
		const out: Transition[] = [];
		for (const name of names) {
			const { status, reasons } = this.judgeService(name);
			const record = this.services.get(name);
			if (!record) {
				this.services.set(name, { status, since: when, reasons });
				out.push(this.transition("service", name, "unknown", status, when, reasons.join("; ") || undefined));
			} else if (record.status !== status) {
				const from = record.status;
				record.status = status;
				record.since = when;
				record.reasons = reasons;
				out.push(this.transition("service", name, from, status, when, reasons.join("; ") || undefined));
			} else {
				// Same status, maybe another reason (a second check failing): shown, not a transition.
				record.reasons = reasons;
			}
		}
		return out;
	}

	private judgeService(name: string): { status: ServiceStatus; reasons: string[] } {
		const live = this.liveNodesOf(name);
		if (live.length === 0) return { status: "down", reasons: ["no live replica"] };
		const reasons: string[] = [];
		const wanted = this.wanted(name);
		if (live.length < wanted) reasons.push(`${live.length} of ${wanted} wanted replicas live`);
		const byNode = this.checks.get(name);
		for (const nodeID of live) {
			const outcome = byNode?.get(nodeID);
			if (outcome && !outcome.ok) reasons.push(`health check failed on ${nodeID}: ${outcome.reasons.join(", ") || "failed"}`);
		}
		for (const circuit of this.openCircuitsOf(name)) reasons.push(`circuit open: ${circuit}`);
		return { status: reasons.length > 0 ? "degraded" : "up", reasons };
	}

	/** Only fully open circuits count: a half-open one is already letting calls through to test recovery. */
	private openCircuitsOf(service: string): string[] {
		const open = new Set<string>();
		for (const c of this.circuits.values()) {
			if (c.service === service && c.state === "open") open.add(`${c.action}@${c.nodeID}`);
		}
		return [...open].sort();
	}

	private setNodeState(record: NodeRecord, state: NodeState, when: string, reason: string | undefined): Transition {
		const from = record.state;
		record.state = state;
		record.since = when;
		if (reason) record.reason = reason;
		else delete record.reason;
		return this.transition("node", record.facts.id, from, state, when, reason);
	}

	/** A node that is down has no check results to trust, and circuits it kept or that pointed at it are gone. */
	private forgetWhatDownNodesReported(when: string): Transition[] {
		const isUp = (id: string): boolean => this.nodes.get(id)?.state === "up";
		for (const byNode of this.checks.values()) {
			for (const nodeID of byNode.keys()) if (!isUp(nodeID)) byNode.delete(nodeID);
		}
		const out: Transition[] = [];
		for (const [key, c] of this.circuits) {
			const gone = isUp(c.nodeID) ? [...c.byReporter.keys()].filter((r) => !isUp(r)) : [c.nodeID];
			if (gone.length === 0) continue;
			if (isUp(c.nodeID)) for (const r of gone) c.byReporter.delete(r);
			else c.byReporter.clear();
			const changed = this.settleCircuit(key, c, when, `node ${gone.join(", ")} is down`);
			if (changed) out.push(changed);
		}
		return out;
	}

	private transition(kind: TransitionKind, id: string, from: string, to: string, at: string, reason: string | undefined): Transition {
		return { kind, id, from, to, at, ...(reason ? { reason } : {}), observer: this.observer };
	}
}
