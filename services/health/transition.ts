/**
 * A change of state somewhere in the cluster, as kept in the history and sent to dashboards as
 * the `health.status.changed` event (the gateway forwards it on its SSE stream).
 */
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
