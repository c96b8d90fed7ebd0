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
