/**
 * The platform events the gateway forwards to dashboards on `GET /api/v1/events` (SSE).
 * Each name here is subscribed by the gateway service and sent as an SSE event of that name with
 * the event's payload as JSON data. Later issues add their events to this list, nowhere else.
 * Emitters must `broadcast` them: an `emit` reaches only one gateway node of the cluster.
 */
export const FORWARDED_EVENTS = ["health.status.changed", "etl.run.progress", "alert.fired", "alert.resolved", "deployment.rollout.step"] as const;

export type ForwardedEvent = (typeof FORWARDED_EVENTS)[number];
