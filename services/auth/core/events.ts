/**
 * Events the auth service broadcasts and other services (the gateway) listen for. One definition,
 * so a renamed event cannot silently leave a listener waiting for the old name.
 */

/** Broadcast with `{ keyId }` when an API key is revoked, so open streams and caches drop it at once. */
export const API_KEY_REVOKED_EVENT = "auth.apiKeyRevoked";
