/**
 * Events the auth service broadcasts and other services (the gateway) listen for. One definition,
 * so a renamed event cannot silently leave a listener waiting for the old name.
 */
import { z } from "zod";
import { text } from "../../../runtime/validation/fields.ts";
import { zodParams } from "../../../runtime/validation/zod-params.ts";

/** Broadcast with `{ keyId }` when an API key is revoked, so open streams and caches drop it at once. */
export const API_KEY_REVOKED_EVENT = "auth.apiKeyRevoked";

/** Its payload; a listener ignores fields it does not know (a newer auth may send more). */
export const ApiKeyRevokedPayload = zodParams(z.object({ keyId: text(100, 1) }));
