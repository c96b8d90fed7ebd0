/**
 * What the rest of the platform may know of the auth service: the events it broadcasts (the
 * gateway listens) and the actions others call. One definition, so a renamed event cannot silently
 * leave a listener waiting for the old name. What every node shares to check a caller (roles,
 * token verification, the API-key format) is in access/, not here.
 */
import { z } from "zod";
import { text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";

/** Broadcast with `{ keyId }` when an API key is revoked, so open streams and caches drop it at once. */
export const API_KEY_REVOKED_EVENT = "auth.apiKeyRevoked";

/** Its payload; a listener ignores fields it does not know (a newer auth may send more). */
export const ApiKeyRevokedPayload = zodParams(z.object({ keyId: text(100, 1) }));

/**
 * Broadcast with a `SecurityEvent` after an account's security changed (a sign-in, a second factor
 * enabled or used, a password changed), so the notification service tells its owner.
 */
export const SECURITY_EVENT = "auth.security";

export const SECURITY_ACTIONS = ["login.succeeded", "mfa.enabled", "mfa.recovery-code-used", "password.changed"] as const;
export type SecurityAction = (typeof SECURITY_ACTIONS)[number];

export interface SecurityEvent {
	/** Unique per occurrence: consumers deduplicate on it. */
	id: string;
	userId: string;
	action: SecurityAction;
	at: string;
	ip?: string;
}

export function isSecurityAction(action: string): action is SecurityAction {
	return (SECURITY_ACTIONS as readonly string[]).includes(action);
}

/** The actions other parts of the platform call. */
export const AUTH_ACTIONS = {
	/** `{ key }` → `ResolvedApiKey`, or null for an unknown or revoked key. */
	resolveApiKey: "auth.resolveApiKey"
} as const;

/** The answer of `auth.resolveApiKey` for a live key. */
export interface ResolvedApiKey {
	keyId: string;
	scopes: string[];
}
