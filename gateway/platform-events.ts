/**
 * The platform events the gateway forwards to dashboards on `GET /api/v1/events` (SSE).
 * Each name here is subscribed by the gateway service and sent as an SSE event of that name with
 * the event's payload as JSON data. Later issues add their events to this list, nowhere else.
 * Emitters must `broadcast` them: an `emit` reaches only one gateway node of the cluster.
 * The names come from each emitter's contract (services/<name>/<name>.contract.ts).
 */
import { ROLLOUT_STEP_EVENT } from "../services/deployment/deployment.contract.ts";
import { RUN_PROGRESS_EVENT } from "../services/etl/etl.contract.ts";
import { STATUS_CHANGED_EVENT } from "../services/health/health.contract.ts";
import { ALERT_FIRED_EVENT, ALERT_RESOLVED_EVENT } from "../services/monitoring/monitoring.contract.ts";

export const FORWARDED_EVENTS = [STATUS_CHANGED_EVENT, RUN_PROGRESS_EVENT, ALERT_FIRED_EVENT, ALERT_RESOLVED_EVENT, ROLLOUT_STEP_EVENT] as const;

export type ForwardedEvent = (typeof FORWARDED_EVENTS)[number];
