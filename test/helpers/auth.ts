/**
 * Credentials for tests that call protected routes: an access token signed with the keyring the
 * nodes build from the same environment (child nodes inherit this process's variables, so
 * JWT_SECRET, or its development default, matches). No auth service or database is needed: the
 * gateway verifies tokens on its own.
 */
import { randomUUID } from "node:crypto";
import { loadEnv } from "../../runtime/env.ts";
import { issueAccessToken } from "../../services/auth/core/issue-access-token.ts";
import { JWT_SETTINGS, keyringFromEnv } from "../../access/keyring-from-env.ts";
import type { Role } from "../../access/roles.ts";

/** Tests outside the auth service mint tokens through this kit (a service is only its contract from outside it). */
export { issueAccessToken };

/** A fresh access token for a user of `role` (a random user id unless given). */
export function accessToken(role: Role, userId: string = randomUUID(), source: NodeJS.ProcessEnv = process.env): string {
	return issueAccessToken(keyringFromEnv(loadEnv(source)), JWT_SETTINGS, { sub: userId, role }).token;
}

/** The operator token the health, ETL and event-stream routes need. */
export function operatorToken(): string {
	return accessToken("operator");
}

export function bearer(token: string): Record<string, string> {
	return { authorization: `Bearer ${token}` };
}
