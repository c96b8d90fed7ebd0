/**
 * Who is calling: the gateway turns a request's credentials into a Principal (roles.ts) and
 * nothing else; what the principal may do is decided by the permissions middleware on the node that
 * runs the action.
 *
 * - `Authorization: Bearer <jwt>`: verified here with the shared keyring (no call to `auth`); the
 *   token lives at most 15 minutes, which bounds how long a disabled user keeps access.
 * - `Authorization: ApiKey <key>` or `X-Api-Key: <key>`: resolved by `auth.resolveApiKey` and cached
 *   for a few seconds, so a busy key does not cost a database read per request. A revoked key is
 *   dropped from every gateway's cache by the `auth.apiKeyRevoked` broadcast.
 * - nothing: anonymous. Credentials that are present but wrong are a 401, never anonymous access.
 * - two at once (an Authorization header and an X-Api-Key): a 400, see presentsTwoCredentials.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type JwtKeyring, type JwtSettings, AccessTokenError, verifyAccessToken } from "../access/jwt.ts";
import type { Principal } from "../access/roles.ts";
import type { ResolvedApiKey } from "../services/auth/auth.contract.ts";
import { apiKeyFromHeaders } from "../access/api-key-format.ts";

export type Authentication =
	| { ok: true; principal: Principal }
	/** `challenge` is the WWW-Authenticate value (RFC 6750 error codes). */
	| { ok: false; message: string; challenge: string };

export interface AuthenticatorOptions {
	keyring: JwtKeyring;
	settings: JwtSettings;
	/** Looks a presented key up (auth.resolveApiKey); undefined for unknown or revoked keys. */
	resolveApiKey: (key: string) => Promise<ResolvedApiKey | undefined>;
	cacheTtlMs?: number;
	cacheMaxEntries?: number;
	now?: () => number;
}

export const REALM = 'realm="openpolicy"';

/**
 * An Authorization header (Bearer or ApiKey) and an X-Api-Key together. Which one wins would be
 * the gateway's guess, and a proxy or cache that looks at the other would disagree about who is
 * calling, so the request is refused rather than read either way.
 */
export function presentsTwoCredentials(req: IncomingMessage): boolean {
	const xApiKey = req.headers["x-api-key"];
	return (req.headers.authorization?.trim() ?? "") !== "" && typeof xApiKey === "string" && xApiKey.trim() !== "";
}

function invalid(scheme: "Bearer" | "ApiKey", message: string): Authentication {
	return { ok: false, message, challenge: `${scheme} ${REALM}, error="invalid_token", error_description="${message}"` };
}

export class Authenticator {
	readonly #options: AuthenticatorOptions;
	readonly #cache = new Map<string, { key: ResolvedApiKey; expiresAt: number }>();

	constructor(options: AuthenticatorOptions) {
		this.#options = options;
	}

	async authenticate(req: IncomingMessage): Promise<Authentication> {
		const authorization = req.headers.authorization?.trim();
		const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
		if (bearer?.[1]) return this.#bearer(bearer[1]);
		const xApiKey = req.headers["x-api-key"];
		const apiKey = apiKeyFromHeaders({
			...(authorization !== undefined ? { authorization } : {}),
			...(typeof xApiKey === "string" ? { "x-api-key": xApiKey } : {})
		});
		if (apiKey !== undefined) return this.#apiKey(apiKey);
		if (authorization) return invalid("Bearer", "unsupported authorization scheme");
		return { ok: true, principal: { kind: "anonymous" } };
	}

	/** Drops a revoked key from this node's cache. */
	forgetKey(keyId: string): void {
		for (const [hash, entry] of this.#cache) if (entry.key.keyId === keyId) this.#cache.delete(hash);
	}

	#bearer(token: string): Authentication {
		try {
			const claims = verifyAccessToken(this.#options.keyring, this.#options.settings, token, this.#options.now);
			return { ok: true, principal: { kind: "user", userId: claims.sub, role: claims.role } };
		} catch (err) {
			if (err instanceof AccessTokenError) return invalid("Bearer", err.message);
			throw err;
		}
	}

	async #apiKey(key: string): Promise<Authentication> {
		const now = (this.#options.now ?? Date.now)();
		const hash = createHash("sha256").update(key).digest("hex");
		const cached = this.#cache.get(hash);
		let resolved = cached && cached.expiresAt > now ? cached.key : undefined;
		if (!resolved) {
			this.#cache.delete(hash);
			resolved = await this.#options.resolveApiKey(key);
			if (!resolved) return invalid("ApiKey", "API key is invalid or revoked");
			this.#cache.set(hash, { key: resolved, expiresAt: now + (this.#options.cacheTtlMs ?? 30_000) });
			const max = this.#options.cacheMaxEntries ?? 10_000;
			while (this.#cache.size > max) {
				const oldest = this.#cache.keys().next();
				if (oldest.done) break;
				this.#cache.delete(oldest.value);
			}
		}
		return { ok: true, principal: { kind: "api-key", keyId: resolved.keyId, scopes: resolved.scopes } };
	}
}
