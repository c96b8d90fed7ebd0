import { createHmac, generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { AccessTokenError, DEFAULT_JWT_SETTINGS, JwtKeyError, createKeyring, hmacKey, keyFromPem, keyringFromSecrets, verifyAccessToken } from "../../../access/jwt.ts";
import { issueAccessToken } from "./issue-access-token.ts";
import type { AccessTokenFailure, JwtKeyring } from "../../../access/jwt.ts";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";
const T0 = Date.UTC(2025, 10, 3, 14, 0, 0);
const at = (ms: number) => () => ms;
const settings = DEFAULT_JWT_SETTINGS;

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsaPrivatePem = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const rsaPublicPem = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const ecPrivatePem = ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString();

function b64url(value: object): string {
	return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function failure(keyring: JwtKeyring, token: string, now = T0): AccessTokenFailure | "accepted" {
	try {
		verifyAccessToken(keyring, settings, token, at(now));
		return "accepted";
	} catch (error) {
		if (error instanceof AccessTokenError) return error.reason;
		throw error;
	}
}

function claimsAt(now: number) {
	const iat = Math.floor(now / 1000);
	return { iss: settings.issuer, aud: settings.audience, sub: "user-1", role: "citizen", jti: "j-1", iat, nbf: iat, exp: iat + 600 };
}

describe("access tokens", () => {
	const keyring = keyringFromSecrets(SECRET);
	const kid = keyring.signingKid;

	it("carries iss, aud, sub, role, jti and kid, lives 15 minutes, and verifies", () => {
		const issued = issueAccessToken(keyring, settings, { sub: "user-1", role: "editor" }, at(T0));
		const { header } = jwt.decode(issued.token, { complete: true }) ?? {};
		expect(header).toMatchObject({ alg: "HS256", kid, typ: "JWT" });
		expect(issued.expiresAt).toBe(T0 + 15 * 60_000);
		expect(verifyAccessToken(keyring, settings, issued.token, at(T0 + 60_000))).toEqual({
			sub: "user-1",
			role: "editor",
			jti: issued.jti,
			iss: "openpolicy",
			aud: "openpolicy-api",
			iat: T0 / 1000,
			exp: T0 / 1000 + 900
		});
	});

	it("gives each token its own jti", () => {
		const a = issueAccessToken(keyring, settings, { sub: "u", role: "citizen" }, at(T0));
		const b = issueAccessToken(keyring, settings, { sub: "u", role: "citizen" }, at(T0));
		expect(a.jti).not.toBe(b.jti);
	});

	it("rejects alg none, signed or not", () => {
		const unsigned = `${b64url({ alg: "none", typ: "JWT", kid })}.${b64url(claimsAt(T0))}.`;
		expect(failure(keyring, unsigned)).toBe("invalid");
		const noneWithoutKid = `${b64url({ alg: "none" })}.${b64url(claimsAt(T0))}.`;
		expect(failure(keyring, noneWithoutKid)).toBe("invalid");
	});

	it("rejects HS256 signed with the RSA public key (algorithm confusion)", () => {
		const rsaRing = createKeyring([keyFromPem("rs-1", { privateKey: rsaPrivatePem })], "rs-1");
		const input = `${b64url({ alg: "HS256", typ: "JWT", kid: "rs-1" })}.${b64url(claimsAt(T0))}`;
		const forged = `${input}.${createHmac("sha256", rsaPublicPem).update(input).digest("base64url")}`;
		expect(failure(rsaRing, forged)).toBe("invalid");
		// The genuine RS256 token from the same ring is fine, so the rejection is about the algorithm.
		expect(failure(rsaRing, issueAccessToken(rsaRing, settings, { sub: "u", role: "admin" }, at(T0)).token)).toBe("accepted");
	});

	it("rejects RS256 presented under an HS256 kid", () => {
		const token = jwt.sign(claimsAt(T0), rsaPrivatePem, { algorithm: "RS256", keyid: kid });
		expect(() => verifyAccessToken(keyring, settings, token, at(T0))).toThrow(
			expect.objectContaining({ reason: "invalid", detail: expect.stringMatching(/alg RS256 does not match/) })
		);
	});

	it("says expired after exp plus the clock tolerance, not before", () => {
		const { token } = issueAccessToken(keyring, settings, { sub: "u", role: "citizen" }, at(T0));
		expect(failure(keyring, token, T0 + 15 * 60_000 + 29_000)).toBe("accepted");
		expect(failure(keyring, token, T0 + 15 * 60_000 + 31_000)).toBe("expired");
	});

	it("says not yet valid for a token from the future beyond the tolerance", () => {
		const { token } = issueAccessToken(keyring, settings, { sub: "u", role: "citizen" }, at(T0 + 5 * 60_000));
		expect(failure(keyring, token, T0)).toBe("not-yet-valid");
		expect(failure(keyring, token, T0 + 5 * 60_000 - 10_000)).toBe("accepted");
	});

	it("rejects a wrong issuer or audience", () => {
		const { token } = issueAccessToken(keyring, settings, { sub: "u", role: "citizen" }, at(T0));
		expect(() => verifyAccessToken(keyring, { ...settings, issuer: "someone-else" }, token, at(T0))).toThrow(AccessTokenError);
		expect(() => verifyAccessToken(keyring, { ...settings, audience: "other-api" }, token, at(T0))).toThrow(AccessTokenError);
		const foreign = issueAccessToken(keyring, { ...settings, audience: "other-api" }, { sub: "u", role: "citizen" }, at(T0));
		expect(failure(keyring, foreign.token)).toBe("invalid");
	});

	it("rejects a tampered payload", () => {
		const { token } = issueAccessToken(keyring, settings, { sub: "user-1", role: "citizen" }, at(T0));
		const [header, payload, signature] = token.split(".");
		const claims: unknown = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
		const promoted = b64url({ ...(claims as object), role: "admin" });
		expect(failure(keyring, `${header}.${promoted}.${signature}`)).toBe("invalid");
	});

	it("rejects an unknown or missing kid, and a right kid with a wrong secret", () => {
		const other = keyringFromSecrets("another-secret-that-is-long-enough-for-hs256");
		const foreign = issueAccessToken(other, settings, { sub: "u", role: "citizen" }, at(T0)).token;
		expect(() => verifyAccessToken(keyring, settings, foreign, at(T0))).toThrow(
			expect.objectContaining({ reason: "invalid", detail: expect.stringMatching(/unknown kid/) })
		);
		const noKid = jwt.sign(claimsAt(T0), SECRET, { algorithm: "HS256" });
		expect(failure(keyring, noKid)).toBe("invalid");
		const sameKidWrongSecret = jwt.sign(claimsAt(T0), "z".repeat(48), { algorithm: "HS256", keyid: kid });
		expect(failure(keyring, sameKidWrongSecret)).toBe("invalid");
	});

	it("rejects tokens minted to outlive 15 minutes or lacking required claims", () => {
		const iat = T0 / 1000;
		const longLived = jwt.sign({ ...claimsAt(T0), exp: iat + 3600 }, SECRET, { algorithm: "HS256", keyid: kid });
		expect(failure(keyring, longLived)).toBe("invalid");
		const noRole: Partial<ReturnType<typeof claimsAt>> = claimsAt(T0);
		delete noRole.role;
		expect(failure(keyring, jwt.sign(noRole, SECRET, { algorithm: "HS256", keyid: kid }))).toBe("invalid");
		const badRole = jwt.sign({ ...claimsAt(T0), role: "root" }, SECRET, { algorithm: "HS256", keyid: kid });
		expect(failure(keyring, badRole)).toBe("invalid");
		expect(() => issueAccessToken(keyring, { ...settings, accessTokenTtlSeconds: 3600 }, { sub: "u", role: "citizen" })).toThrow(JwtKeyError);
	});

	it("rejects garbage", () => {
		expect(failure(keyring, "not.a.jwt")).toBe("invalid");
		expect(failure(keyring, "")).toBe("invalid");
	});
});

describe("key rotation", () => {
	it("keeps verifying the previous secret's tokens while signing with the new one", () => {
		const before = keyringFromSecrets(SECRET);
		const after = keyringFromSecrets("the-next-secret-that-is-long-enough-too!!", [SECRET]);
		const old = issueAccessToken(before, settings, { sub: "u", role: "citizen" }, at(T0)).token;
		const fresh = issueAccessToken(after, settings, { sub: "u", role: "citizen" }, at(T0)).token;
		expect(failure(after, old)).toBe("accepted");
		expect(failure(after, fresh)).toBe("accepted");
		expect(failure(before, fresh)).toBe("invalid");
		expect(after.signingKid).not.toBe(before.signingKid);
	});

	it("mixes algorithms by kid: a retired RSA public key verifies, ES256 signs", () => {
		const rsaRing = createKeyring([keyFromPem("rs-1", { privateKey: rsaPrivatePem })], "rs-1");
		const old = issueAccessToken(rsaRing, settings, { sub: "u", role: "operator" }, at(T0)).token;
		const rotated = createKeyring([keyFromPem("ec-2", { privateKey: ecPrivatePem }), keyFromPem("rs-1", { publicKey: rsaPublicPem })], "ec-2");
		const fresh = issueAccessToken(rotated, settings, { sub: "u", role: "operator" }, at(T0)).token;
		expect(jwt.decode(fresh, { complete: true })?.header).toMatchObject({ alg: "ES256", kid: "ec-2" });
		expect(failure(rotated, old)).toBe("accepted");
		expect(failure(rotated, fresh)).toBe("accepted");
		expect(() => createKeyring([keyFromPem("rs-1", { publicKey: rsaPublicPem })], "rs-1")).toThrow(/no private key/);
	});

	it("refuses weak or unusable keys with a clear message", () => {
		expect(() => hmacKey("k", "short")).toThrow(/at least 32 bytes/);
		const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString();
		expect(() => keyFromPem("small", { publicKey: small })).toThrow(/2048/);
		const ed = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
		expect(() => keyFromPem("ed", { publicKey: ed })).toThrow(/RS256.*ES256/);
		const ecPublicPem = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
		expect(() => keyFromPem("mixed", { privateKey: rsaPrivatePem, publicKey: ecPublicPem })).toThrow(/does not belong/);
		expect(() => createKeyring([hmacKey("a", SECRET), hmacKey("a", SECRET)], "a")).toThrow(/duplicate kid/);
	});
});
