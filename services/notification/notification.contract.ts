/**
 * CONTRACT of the notification service: what it consumes, what it emits, and the seams for parts
 * that live in other services (follows in `web`, devices in `mobile`).
 *
 * Consumed (each handled once per service group, and idempotent by a derived event id, so a
 * redelivered or broadcast copy adds nothing):
 * - the ETL's domain events `bill.created`, `bill.updated`, `vote.recorded`
 *   (services/etl/pipeline/loader.ts `DomainEvent`), emitted after each commit;
 * - `web.follow.created` (services/web/citizen/citizen-events.ts, `FollowEvent`): the first follow
 *   of a user gets a notice saying where notices go;
 * - `auth.security` (services/auth/auth.contract.ts, `SecurityEvent`): a sign-in, a second factor or
 *   a password changed;
 * - `alert.fired`, `alert.resolved` (services/monitoring/monitoring.contract.ts), broadcast: every
 *   notification node receives them, the event id (alert id + transition + time) deduplicates.
 *
 * Followers are read from `web.follows (user_id, kind, target)` (web migration 101): the table is
 * the source of truth, so a lost follow event cannot lose a follower.
 *
 * Emitted:
 * - `notification.inbox.created` (broadcast, `InboxEvent`): a new inbox item, which every gateway
 *   forwards to that user's own streams on `/api/v1/notifications/stream`.
 */
export { ALERT_FIRED_EVENT, ALERT_RESOLVED_EVENT } from "../monitoring/monitoring.contract.ts";
export { SECURITY_EVENT } from "../auth/auth.contract.ts";

/** Mirrors services/web/citizen/citizen-events.ts (another branch while this was written): the name is the contract. */
export const FOLLOW_CREATED_EVENT = "web.follow.created";

export const ETL_EVENTS = ["bill.created", "bill.updated", "vote.recorded"] as const;

export const INBOX_CREATED_EVENT = "notification.inbox.created";

export const CHANNELS = ["email", "inbox", "webhook", "push"] as const;
export type Channel = (typeof CHANNELS)[number];

/** What a citizen can be told about, and what a webhook subscribes to. */
export const NOTICE_KINDS = [
	"bill.status",
	"bill.vote",
	"politician.ballot",
	"search.match",
	"alert.fired",
	"alert.resolved",
	"account.security",
	"follow.welcome",
	"webhook.disabled",
	"digest"
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Kinds a webhook may subscribe to (the digest and welcome are for people). */
export const WEBHOOK_KINDS = ["bill.status", "bill.vote", "politician.ballot", "search.match", "alert.fired", "alert.resolved", "account.security"] as const;

export const LANGUAGES = ["en", "fr"] as const;
export type Language = (typeof LANGUAGES)[number];

export interface FollowEvent {
	id: string;
	userId: string;
	kind: "bill" | "politician" | "search";
	target: string;
	at: string;
}

export interface InboxItem {
	id: string;
	kind: string;
	title: string;
	body: string;
	link: string | null;
	createdAt: string;
	readAt: string | null;
}

export interface InboxEvent {
	userId: string;
	item: InboxItem;
}

/**
 * Push: the `mobile` service registers devices (services/mobile/mobile.contract.ts); a provider
 * sends to a device's token. Without one, push deliveries are recorded as `skipped`.
 */
export interface Device {
	id: string;
	platform: string;
	token: string;
}

export interface PushProvider {
	readonly name: string;
	/** "unregistered" when the provider says the token is gone (APNs 410, FCM UNREGISTERED): it is forgotten. */
	send(device: Device, message: { title: string; body: string; link: string | null }): Promise<"sent" | "unregistered">;
}

/** Where users' devices come from (by default `mobile.devicesOf` over the broker). Rejects when it cannot answer. */
export interface DeviceDirectory {
	devicesOf(userIds: readonly string[]): Promise<Map<string, Device[]>>;
	/** Drops a token the provider refused for good. */
	forget(device: Device): Promise<void>;
}

export const NO_PUSH_PROVIDER = "no push provider configured";
