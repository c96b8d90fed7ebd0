/**
 * The notification service's variables (README, .env.example). Read once when the service is
 * created; a typo in a network list fails the start, not the first webhook.
 */
import { createHmac } from "node:crypto";
import { DEFAULT_JWT_SECRET } from "../../runtime/env.ts";
import { parsePrivateNetworkAllowlist } from "../../runtime/net/address-policy.ts";

export interface NotificationConfig {
	/** smtp://user:pass@host:587 or smtps://...; undefined: messages are written to the log. */
	smtpUrl: string | undefined;
	mailFrom: string;
	/** Where links in messages and feeds point (the public web app / gateway). */
	publicUrl: string;
	/** Signs unsubscribe links. */
	unsubscribeSecret: string;
	/** Networks webhooks may reach although they are not public (tests: 127.0.0.1). */
	webhookAllowPrivateNetworks: string[];
	webhookTimeoutMs: number;
	/** A webhook failing for this long without a success is disabled and its owner told. */
	webhookDisableAfterMs: number;
	/** Tries of one delivery, the first included, before it is failed for good. */
	maxAttempts: number;
	retryBaseMs: number;
	retryMaxMs: number;
	/** How long a claimed delivery is this node's; another node takes it after (a crash). */
	leaseMs: number;
	pollMs: number;
	batchSize: number;
	/** Deliveries one node sends at once. */
	concurrency: number;
	smtpTimeoutMs: number;
}

type Source = Record<string, string | undefined>;

function intOf(source: Source, name: string, fallback: number, min: number, max: number): number {
	const raw = source[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
	return value;
}

export function notificationConfig(source: Source = process.env): NotificationConfig {
	const production = source.NODE_ENV === "production";
	const jwtSecret = source.JWT_SECRET ?? DEFAULT_JWT_SECRET;
	const explicit = source.UNSUBSCRIBE_SECRET;
	if (production && explicit !== undefined && explicit.length < 32) throw new Error("UNSUBSCRIBE_SECRET must be at least 32 characters");
	const publicUrl = (source.PUBLIC_URL ?? `http://localhost:${source.PORT ?? "8000"}`).replace(/\/+$/, "");
	if (!/^https?:\/\//.test(publicUrl)) throw new Error(`PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
	return {
		smtpUrl: source.SMTP_URL || undefined,
		mailFrom: source.MAIL_FROM ?? "OpenPolicy <notifications@openpolicy.invalid>",
		publicUrl,
		// Derived from the JWT secret unless given, so one secret to keep; production refuses the default JWT secret anyway.
		unsubscribeSecret: explicit ?? createHmac("sha256", jwtSecret).update("openpolicy unsubscribe links").digest("base64url"),
		webhookAllowPrivateNetworks: parsePrivateNetworkAllowlist(source.WEBHOOK_ALLOW_PRIVATE_NETWORKS, "WEBHOOK_ALLOW_PRIVATE_NETWORKS"),
		webhookTimeoutMs: intOf(source, "WEBHOOK_TIMEOUT_MS", 10_000, 100, 60_000),
		webhookDisableAfterMs: intOf(source, "WEBHOOK_DISABLE_AFTER_MS", 24 * 3_600_000, 1_000, 30 * 24 * 3_600_000),
		maxAttempts: intOf(source, "NOTIFY_MAX_ATTEMPTS", 12, 1, 100),
		retryBaseMs: intOf(source, "NOTIFY_RETRY_BASE_MS", 2_000, 1, 3_600_000),
		retryMaxMs: intOf(source, "NOTIFY_RETRY_MAX_MS", 3_600_000, 1, 24 * 3_600_000),
		leaseMs: intOf(source, "NOTIFY_LEASE_MS", 30_000, 500, 600_000),
		pollMs: intOf(source, "NOTIFY_POLL_MS", 1_000, 10, 60_000),
		batchSize: intOf(source, "NOTIFY_BATCH", 50, 1, 1_000),
		concurrency: intOf(source, "NOTIFY_CONCURRENCY", 10, 1, 200),
		smtpTimeoutMs: intOf(source, "SMTP_TIMEOUT_MS", 15_000, 100, 120_000)
	};
}
