/**
 * Webhook signatures, for the sender and for receivers (the README shows the check):
 * `X-OpenPolicy-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` and
 * `X-OpenPolicy-Timestamp: <unix seconds>`. The timestamp is inside the signature, so a receiver
 * that refuses old timestamps refuses replays; the Idempotency-Key header lets it drop a
 * delivery it already accepted (a retry after a lost answer).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-openpolicy-signature";
export const TIMESTAMP_HEADER = "x-openpolicy-timestamp";
export const IDEMPOTENCY_HEADER = "idempotency-key";
export const EVENT_HEADER = "x-openpolicy-event";

export function signWebhook(secret: string, timestamp: number, body: string): string {
	return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export type VerifyResult = { ok: true } | { ok: false; reason: "bad-signature" | "stale-timestamp" | "missing-header" };

/** What a receiver does: the signature must match and the timestamp be within `toleranceSeconds` of now. */
export function verifyWebhook(secret: string, headers: { signature?: string; timestamp?: string }, body: string, nowSeconds: number, toleranceSeconds = 300): VerifyResult {
	if (!headers.signature || !headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, reason: "missing-header" };
	const expected = Buffer.from(signWebhook(secret, Number(headers.timestamp), body));
	const given = Buffer.from(headers.signature);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "bad-signature" };
	if (Math.abs(nowSeconds - Number(headers.timestamp)) > toleranceSeconds) return { ok: false, reason: "stale-timestamp" };
	return { ok: true };
}
