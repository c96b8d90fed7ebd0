/**
 * CONTRACT of the deployment service (other services depend on these names and shapes).
 *
 * Events, broadcast (every node that cares hears each one; the gateway forwards the rollout's on
 * its SSE stream, gateway/platform-events.ts):
 * - `deployment.topology.changed`  a new wanted topology was stored (payload: the `Topology`);
 *   the health service takes its replica counts from it (services/health/wanted-topology.ts);
 * - `deployment.rollout.step`      a rolling replacement did one step (payload: `RolloutStepEvent`).
 *
 * Actions: `deployment.topology` (GET /api/v1/deployment/topology), `deployment.setTopology`
 * (PUT), `deployment.history`, `deployment.drift` (GET /api/v1/deployment/drift, also read by the
 * monitoring service's `deployment_drift` rule), `deployment.rollout` (POST /rollouts),
 * `deployment.rollouts`, `deployment.rolloutStatus`; and `$node-drain.drain` on every node
 * (runtime/node-drain.service.ts).
 */

export const TOPOLOGY_CHANGED_EVENT = "deployment.topology.changed";
export const ROLLOUT_STEP_EVENT = "deployment.rollout.step";

export interface ServiceTarget {
	/** Live replicas wanted; 0: it should not run at all. */
	replicas: number;
	/** The APP_VERSION its nodes should run; null: any. */
	version: string | null;
}

/** One version of the wanted topology. Version 0 is the built-in default: nothing was stored yet. */
export interface Topology {
	version: number;
	services: Record<string, ServiceTarget>;
	changedBy: string;
	reason: string;
	changedAt: string | null;
}

export const DRIFT_KINDS = ["missing_replicas", "extra_replicas", "version_mismatch"] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftItem {
	kind: DriftKind;
	service: string;
	/** What an alert is about: `<service>/<kind>`. */
	subject: string;
	wanted: number;
	live: number;
	/** The nodes concerned: live replicas for a count, the ones on another version for a mismatch. */
	nodes: string[];
	summary: string;
	/** A rollout in progress is replacing this service's nodes: the drift is its own doing. */
	expected: boolean;
}

export interface DriftReport {
	at: string;
	topologyVersion: number;
	inSync: boolean;
	items: DriftItem[];
}

export const ROLLOUT_STATES = ["running", "succeeded", "failed"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const STEP_PHASES = ["planned", "draining", "left", "replaced", "healthy", "refused", "timeout", "failed", "done"] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

export interface RolloutStep {
	at: string;
	node: string | null;
	phase: StepPhase;
	detail: string;
}

export interface Rollout {
	id: string;
	service: string;
	nodes: string[];
	state: RolloutState;
	startedBy: string;
	reason: string;
	startedAt: string;
	finishedAt: string | null;
	/** One line: what happened, and where it stopped when it failed. */
	report: string | null;
	steps: RolloutStep[];
}

export interface RolloutStepEvent {
	rollout: string;
	service: string;
	step: RolloutStep;
}
