/**
 * Events the web service emits when a citizen's follows or stances change (the notification
 * service acts on follows). Emitted, not broadcast, after the change is committed: each consuming
 * service handles one copy. One definition, so a renamed event cannot leave a listener waiting.
 */
import type { FollowKind } from "./citizen-store.ts";

/** `FollowEvent`: a citizen started following something. */
export const FOLLOW_CREATED_EVENT = "web.follow.created";
/** `FollowEvent`: a citizen stopped following it. */
export const FOLLOW_DELETED_EVENT = "web.follow.deleted";
/** `StanceEvent`: a citizen supported, opposed or withdrew their stance on a bill. */
export const STANCE_CHANGED_EVENT = "web.stance.changed";

export interface FollowEvent {
	id: string;
	userId: string;
	kind: FollowKind;
	/** `44-1/C-10`, a politician's slug, or the normalised search words. */
	target: string;
	at: string;
}

export interface StanceEvent {
	userId: string;
	bill: string;
	/** null when the stance was withdrawn. */
	stance: "support" | "oppose" | null;
	at: string;
}
