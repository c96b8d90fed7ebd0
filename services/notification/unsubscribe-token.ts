/**
 * Signed one-click unsubscribe links (RFC 8058): the token names the user and the channel and is
 * signed with HMAC-SHA256, so it works without signing in and cannot be forged for someone else.
 * It does not expire: an old email's link must still work.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface UnsubscribeClaim {
	userId: string;
	channel: "email";
}

function mac(secret: string, payload: string): string {
	return createHmac("sha256", secret).update(`unsubscribe:${payload}`).digest("base64url");
}

export function unsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
	const payload = Buffer.from(`${claim.channel}:${claim.userId}`).toString("base64url");
	return `${payload}.${mac(secret, payload)}`;
}

export function readUnsubscribeToken(secret: string, token: string): UnsubscribeClaim | undefined {
	const [payload, signature, extra] = token.split(".");
	if (!payload || !signature || extra !== undefined) return undefined;
	const expected = Buffer.from(mac(secret, payload));
	const given = Buffer.from(signature);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
	const [channel, ...rest] = Buffer.from(payload, "base64url").toString("utf8").split(":");
	const userId = rest.join(":");
	if (channel !== "email" || userId === "") return undefined;
	return { userId, channel };
}
