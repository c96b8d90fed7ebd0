/**
 * Access tokens: short-lived JWTs signed by a keyring whose keys rotate by `kid`. This module holds
 * the keys and the verification every node shares; issuing is the auth service's
 * (services/auth/core/issue-access-token.ts).
 *
 * Every key carries its one algorithm and verification accepts only that algorithm for that kid, so a
 * token cannot choose how it is checked: `alg: none`, and HS256 signed with an RSA public key
 * ("algorithm confusion"), are rejected before any signature math. EdDSA is not offered because
 * jsonwebtoken 9 (through jwa) signs only HS*, RS*, PS* and ES*; ES256 is the compact asymmetric choice.
 */
import { createHmac, createPrivateKey, createPublicKey, createSecretKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { isRole } from "./roles.ts";
import type { Role } from "./roles.ts";

export type JwtAlgorithm = "HS256" | "RS256" | "ES256";

export interface JwtKey {
	kid: string;
	algorithm: JwtAlgorithm;
	verifyKey: KeyObject;
	/** Absent for a retired key kept only so tokens it signed stay valid until they expire. */
	signKey: KeyObject | undefined;
}

export interface JwtKeyring {
	signingKid: string;
	keys: ReadonlyMap<string, JwtKey>;
}

export interface JwtSettings {
	issuer: string;
	audience: string;
	accessTokenTtlSeconds: number;
	/** Allowed skew between nodes' clocks when checking exp and nbf. */
	clockToleranceSeconds: number;
}

export const MAX_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const MIN_HMAC_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;

export const DEFAULT_JWT_SETTINGS: Readonly<JwtSettings> = Object.freeze({
	issuer: "openpolicy",
	audience: "openpolicy-api",
	accessTokenTtlSeconds: MAX_ACCESS_TOKEN_TTL_SECONDS,
	clockToleranceSeconds: 30
});

export interface AccessTokenClaims {
	sub: string;
	role: Role;
	jti: string;
	iss: string;
	aud: string;
	/** Seconds since the epoch, as in the token. */
	iat: number;
	exp: number;
}

export type AccessTokenFailure = "expired" | "not-yet-valid" | "invalid";

/** What the gateway turns into a 401; `reason` may be shown, `detail` belongs in logs only. */
export class AccessTokenError extends Error {
	override name = "AccessTokenError";
	readonly reason: AccessTokenFailure;
	readonly detail: string;
	constructor(reason: AccessTokenFailure, detail: string) {
		super(reason === "invalid" ? "access token is invalid" : `access token is ${reason}`);
		this.reason = reason;
		this.detail = detail;
	}
}

export class JwtKeyError extends Error {
	override name = "JwtKeyError";
}

export function hmacKey(kid: string, secret: string | Buffer): JwtKey {
	const bytes = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
	if (bytes.length < MIN_HMAC_SECRET_BYTES) {
		throw new JwtKeyError(`HS256 secret for kid "${kid}" must be at least ${MIN_HMAC_SECRET_BYTES} bytes`);
	}
	const key = createSecretKey(bytes);
	return { kid, algorithm: "HS256", verifyKey: key, signKey: key };
}

/**
 * A kid derived from the secret, so changing JWT_SECRET changes the kid by itself and tokens from the
 * old secret fail as "unknown kid" rather than as a bad signature. HMAC keeps the secret unrecoverable.
 */
export function kidForSecret(secret: string | Buffer): string {
	return `hs-${createHmac("sha256", secret).update("openpolicy jwt kid").digest("base64url").slice(0, 12)}`;
}

function algorithmFor(kid: string, publicKey: KeyObject): JwtAlgorithm {
	const details = publicKey.asymmetricKeyDetails;
	switch (publicKey.asymmetricKeyType) {
		case "rsa":
			if ((details?.modulusLength ?? 0) < MIN_RSA_BITS) throw new JwtKeyError(`RSA key "${kid}" must have at least ${MIN_RSA_BITS} bits`);
			return "RS256";
		case "ec":
			if (details?.namedCurve !== "prime256v1") throw new JwtKeyError(`EC key "${kid}" must be on P-256 for ES256`);
			return "ES256";
		default:
			throw new JwtKeyError(
				`key "${kid}" is ${publicKey.asymmetricKeyType ?? "unknown"}; jsonwebtoken supports RSA (RS256) and P-256 (ES256) key files`
			);
	}
}

/** An asymmetric key from PEM text: the private key signs (its public half is derived); a public key alone only verifies. */
export function keyFromPem(kid: string, pem: { privateKey?: string; publicKey?: string }): JwtKey {
	const signKey = pem.privateKey === undefined ? undefined : createPrivateKey(pem.privateKey);
	const verifyKey = signKey ? createPublicKey(signKey) : pem.publicKey === undefined ? undefined : createPublicKey(pem.publicKey);
	if (!verifyKey) throw new JwtKeyError(`key "${kid}" needs a private or a public key`);
	if (signKey && pem.publicKey !== undefined && !createPublicKey(pem.publicKey).equals(verifyKey)) {
		throw new JwtKeyError(`key "${kid}": the public key file does not belong to the private key`);
	}
	return { kid, algorithm: algorithmFor(kid, verifyKey), verifyKey, signKey };
}

export function createKeyring(keys: readonly JwtKey[], signingKid: string): JwtKeyring {
	const byKid = new Map<string, JwtKey>();
	for (const key of keys) {
		if (key.kid === "") throw new JwtKeyError("a key needs a non-empty kid");
		if (byKid.has(key.kid)) throw new JwtKeyError(`duplicate kid "${key.kid}"`);
		byKid.set(key.kid, key);
	}
	if (!byKid.get(signingKid)?.signKey) throw new JwtKeyError(`signing kid "${signingKid}" is missing or has no private key`);
	return { signingKid, keys: byKid };
}

/** HS256 keyring from JWT_SECRET; `previous` secrets still verify during a rotation but never sign. */
export function keyringFromSecrets(current: string, previous: readonly string[] = []): JwtKeyring {
	const keys = [current, ...previous].map((secret) => hmacKey(kidForSecret(secret), secret));
	return createKeyring(keys, kidForSecret(current));
}

export function verifyAccessToken(
	keyring: JwtKeyring,
	settings: JwtSettings,
	token: string,
	now: () => number = Date.now
): AccessTokenClaims {
	const decoded = jwt.decode(token, { complete: true });
	if (!decoded || typeof decoded.payload === "string") throw new AccessTokenError("invalid", "not a JWS with a JSON payload");
	const { kid, alg } = decoded.header;
	if (typeof kid !== "string") throw new AccessTokenError("invalid", "no kid in header");
	const key = keyring.keys.get(kid);
	if (!key) throw new AccessTokenError("invalid", `unknown kid "${kid}"`);
	if (alg !== key.algorithm) throw new AccessTokenError("invalid", `alg ${alg} does not match kid "${kid}" (${key.algorithm})`);

	let payload: jwt.JwtPayload | string;
	try {
		payload = jwt.verify(token, key.verifyKey, {
			algorithms: [key.algorithm],
			issuer: settings.issuer,
			audience: settings.audience,
			clockTolerance: settings.clockToleranceSeconds,
			clockTimestamp: Math.floor(now() / 1000)
		});
	} catch (error) {
		if (error instanceof jwt.TokenExpiredError) throw new AccessTokenError("expired", error.message);
		if (error instanceof jwt.NotBeforeError) throw new AccessTokenError("not-yet-valid", error.message);
		throw new AccessTokenError("invalid", error instanceof Error ? error.message : String(error));
	}
	if (typeof payload === "string") throw new AccessTokenError("invalid", "payload is not an object");

	const { sub, role, jti, iss, aud, iat, exp } = payload;
	if (typeof sub !== "string" || sub === "") throw new AccessTokenError("invalid", "missing sub");
	if (!isRole(role)) throw new AccessTokenError("invalid", "missing or unknown role");
	if (typeof jti !== "string" || jti === "") throw new AccessTokenError("invalid", "missing jti");
	if (typeof iat !== "number" || typeof exp !== "number") throw new AccessTokenError("invalid", "missing iat or exp");
	// A token minted to outlive the policy is refused even if its signature is good.
	if (exp - iat > MAX_ACCESS_TOKEN_TTL_SECONDS) throw new AccessTokenError("invalid", "lifetime exceeds 15 minutes");
	if (typeof iss !== "string" || typeof aud !== "string") throw new AccessTokenError("invalid", "iss and aud must be single strings");
	return { sub, role, jti, iss, aud, iat, exp };
}
