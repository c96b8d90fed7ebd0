/**
 * Issuing access tokens is the auth service's alone; every node verifies them with access/jwt.ts.
 */
import { randomUUID } from "node:crypto";
import type { Env } from "../../../runtime/env.ts";
import type { Role } from "../../../access/roles.ts";
import jwt from "jsonwebtoken";
import { type JwtKeyring, type JwtSettings, JwtKeyError, MAX_ACCESS_TOKEN_TTL_SECONDS } from "../../../access/jwt.ts";
import { keyringFromEnv } from "../../../access/keyring-from-env.ts";

export function checkJwtSettings(settings: JwtSettings): void {
	const ttl = settings.accessTokenTtlSeconds;
	if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_ACCESS_TOKEN_TTL_SECONDS) {
		throw new JwtKeyError(`access token lifetime must be 1 to ${MAX_ACCESS_TOKEN_TTL_SECONDS} seconds`);
	}
}

export interface IssuedAccessToken {
	token: string;
	jti: string;
	/** Milliseconds since the epoch. */
	expiresAt: number;
}

export function issueAccessToken(
	keyring: JwtKeyring,
	settings: JwtSettings,
	subject: { sub: string; role: Role },
	now: () => number = Date.now
): IssuedAccessToken {
	checkJwtSettings(settings);
	const key = keyring.keys.get(keyring.signingKid);
	if (!key?.signKey) throw new JwtKeyError(`signing kid "${keyring.signingKid}" has no private key`);
	const iat = Math.floor(now() / 1000);
	const exp = iat + settings.accessTokenTtlSeconds;
	const jti = randomUUID();
	const payload = { iss: settings.issuer, aud: settings.audience, sub: subject.sub, role: subject.role, jti, iat, nbf: iat, exp };
	const token = jwt.sign(payload, key.signKey, { algorithm: key.algorithm, keyid: key.kid, header: { alg: key.algorithm, typ: "JWT" } });
	return { token, jti, expiresAt: exp * 1000 };
}


/** A keyring that can sign, for the auth service; a verify-only keyring is a configuration error there. */
export function signingKeyringFromEnv(env: Env): JwtKeyring {
	const keyring = keyringFromEnv(env);
	if (!keyring.keys.get(keyring.signingKid)?.signKey) throw new JwtKeyError("the auth service needs JWT_PRIVATE_KEY_FILE (or JWT_SECRET) to sign tokens");
	return keyring;
}
