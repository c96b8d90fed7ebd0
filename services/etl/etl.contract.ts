/**
 * What the rest of the platform may know of the ETL service: the events it emits with their
 * payloads, and the actions others call. Listeners (web's cache, the gateway's SSE, the CLI and the
 * console) and the service itself take the names from here, so a rename reaches all of them.
 */
import type { DomainEvent } from "./pipeline/loader.ts";
import type { Run } from "./pipeline/runs.ts";

export type { Run, RunCounts, RunStatus, SourceRunStatus } from "./pipeline/runs.ts";
export type { SourceName } from "./records/raw-document.ts";
export type { DomainEvent } from "./pipeline/loader.ts";
export { ListRunsParams, RunListResponse } from "./etl.params.ts";
export { SOURCE_NAMES, isSourceName } from "./source-names.ts";

/** Broadcast with the `Run` after every committed batch and at the end of a run. */
export const RUN_PROGRESS_EVENT = "etl.run.progress";
export type RunProgressPayload = Run;

/** Broadcast with `{ id }` so the node that holds the run stops it (etl.params.ts CancelRequestedPayload). */
export const RUN_CANCEL_REQUESTED_EVENT = "etl.run.cancel-requested";

/**
 * The domain events, emitted (once per service group) after each commit, only for real changes;
 * their payloads are `DomainEvent`'s.
 */
export const DOMAIN_EVENTS = ["bill.created", "bill.updated", "vote.recorded", "politician.created", "politician.updated"] as const satisfies readonly DomainEvent["name"][];

/** The actions other parts of the platform call. */
export const ETL_ACTIONS = {
	runs: "etl.runs",
	get: "etl.get",
	/** GET /api/v1/etl/issues: `{ objects, pagination }` of data-quality issues (open ones unless `run` is given). */
	issues: "etl.issues",
	sourceStatus: "etl.sourceStatus"
} as const;
