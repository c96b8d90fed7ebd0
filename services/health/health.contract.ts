/**
 * What the rest of the platform may know of the health service: the `health.status.changed`
 * event with its payload (a change of state somewhere in the cluster, as kept in the history; the
 * gateway forwards it on its SSE stream), and the actions the console and monitoring call.
 */
export type { ClusterSummary } from "./cluster-watcher.ts";

export const TRANSITION_KINDS = ["node", "service", "transporter", "circuit"] as const;

export type TransitionKind = (typeof TRANSITION_KINDS)[number];

export const STATUS_CHANGED_EVENT = "health.status.changed";

export interface Transition {
	kind: TransitionKind;
	/** Node id, service name, node id (transporter) or `action@node` (circuit). */
	id: string;
	/** "unknown" when the thing is seen for the first time. */
	from: string;
	to: string;
	/** ISO time the change was observed. */
	at: string;
	reason?: string;
	/** Node id of the health instance that observed it. */
	observer: string;
}

/** Why a node is down after a graceful stop: news, not a warning. */
export const LEFT_GRACEFULLY = "left the cluster gracefully";
export const LOST_HEARTBEAT = "no heartbeat within the timeout (unexpected)";

/** The actions other parts of the platform call. */
export const HEALTH_ACTIONS = {
	cluster: "health.cluster",
	transitions: "health.transitions"
} as const;
