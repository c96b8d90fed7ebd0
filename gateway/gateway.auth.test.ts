/**
 * The gateway's defences over real HTTP: bearer-token attacks against an RS256 keyring from key
 * files, CORS from an allow-list, security headers, and rate limits answered with 429 and
 * Retry-After in the JSON error shape. A `probe` service declares the permissions.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jwt from "jsonwebtoken";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Env, loadEnv } from "../runtime/env.ts";
import { probeService } from "../test/kits/auth-test-kit.ts";
import { issueAccessToken } from "../test/helpers/auth.ts";
import { JWT_SETTINGS, keyringFromEnv } from "../access/keyring-from-env.ts";
import type { Role } from "../access/roles.ts";
import { type JsonResponse, errorOf, randomNamespace, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";
import { CONTENT_SECURITY_POLICY } from "./security-headers.ts";

const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "op-jwt-"));
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
fs.writeFileSync(path.join(keyDir, "private.pem"), rsa.privateKey);

const APP_ORIGIN = "https://app.openpolicy.test";

/**
 * The sign-in limit follows the action a request reaches (edge-policies.ts), so the node needs an
 * `auth.login`; this one only answers, as the limit is the gateway's and not auth's.
 */
const signInStandIn: ServiceSchema = {
	name: "auth",
	settings: { rest: "/auth" },
	actions: { login: { visibility: "published", permissions: ["public"], rest: "POST /login", handler: () => ({ signedIn: false }) } }
};
let env: Env;
let broker: ServiceBroker;
let baseUrl: string;
let plain: { broker: ServiceBroker; baseUrl: string };

beforeAll(async () => {
	env = loadEnv({
		NODE_ENV: "test",
		JWT_PRIVATE_KEY_FILE: path.join(keyDir, "private.pem"),
		JWT_KEY_ID: "rsa-2026",
		CORS_ORIGINS: APP_ORIGIN,
		TRUST_PROXY: "1",
		RATE_LIMIT_PER_IP: "40",
		RATE_LIMIT_PER_USER: "3",
		RATE_LIMIT_LOGIN: "2"
	});
	({ broker, baseUrl } = await startGatewayNode([probeService, signInStandIn], { namespace: randomNamespace() }, { env }));
	plain = await startGatewayNode([probeService], { namespace: randomNamespace() }, { env: loadEnv({ NODE_ENV: "test" }) });
});
afterAll(async () => {
	await broker?.stop();
	await plain?.broker.stop();
	fs.rmSync(keyDir, { recursive: true, force: true });
});

/** Every request comes from its own client address (TRUST_PROXY=1), so the per-IP limit stays out of the way. */
function get(pathname: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
	return request(`${baseUrl}${pathname}`, { headers: { "x-forwarded-for": `203.0.113.${Math.floor(Math.random() * 250)}, 10.0.0.${Math.floor(Math.random() * 250)}`, ...headers } });
}

function tokenFor(role: Role, now = Date.now): string {
	return issueAccessToken(keyringFromEnv(env), JWT_SETTINGS, { sub: randomUUID(), role }, now).token;
}

function b64url(value: unknown): string {
	return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function validClaims(): Record<string, unknown> {
	const iat = Math.floor(Date.now() / 1000);
	return { iss: JWT_SETTINGS.issuer, aud: JWT_SETTINGS.audience, sub: randomUUID(), role: "admin", jti: randomUUID(), iat, nbf: iat, exp: iat + 600 };
}

async function expectRefused(token: string, what: string): Promise<void> {
	const res = await get("/api/v1/probe/read", { authorization: `Bearer ${token}` });
	expect(res.status, what).toBe(401);
	expect(errorOf(res).type, what).toBe("UNAUTHORIZED");
	expect(res.headers.get("www-authenticate"), what).toMatch(/^Bearer realm="openpolicy", error="invalid_token"/);
}

describe("bearer tokens", () => {
	it("accepts a genuine RS256 token from the key files, within the role's permissions", async () => {
		expect((await get("/api/v1/probe/read", { authorization: `Bearer ${tokenFor("operator")}` })).status).toBe(200);
		expect((await get("/api/v1/probe/read", { authorization: `Bearer ${tokenFor("citizen")}` })).status).toBe(403);
		expect((await get("/api/v1/probe/read")).status).toBe(401);
	});

	it("refuses alg none, HS/RS confusion, a tampered payload, an unknown kid, wrong iss or aud, expired and not-yet-valid tokens", async () => {
		const claims = validClaims();
		await expectRefused(`${b64url({ alg: "none", typ: "JWT", kid: "rsa-2026" })}.${b64url(claims)}.`, "alg none");
		// HS256 keyed with the public key that anyone may hold.
		const confused = jwt.sign(claims, rsa.publicKey, { algorithm: "HS256", keyid: "rsa-2026", noTimestamp: true });
		await expectRefused(confused, "HS/RS confusion");

		const genuine = tokenFor("citizen");
		const [header, , signature] = genuine.split(".");
		const payload = JSON.parse(Buffer.from(genuine.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>;
		await expectRefused(`${header}.${b64url({ ...payload, role: "admin" })}.${signature}`, "tampered payload");

		const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
		await expectRefused(jwt.sign(claims, other.privateKey, { algorithm: "RS256", keyid: "someone-else", noTimestamp: true }), "unknown kid");
		await expectRefused(jwt.sign({ ...claims, iss: "evil" }, rsa.privateKey, { algorithm: "RS256", keyid: "rsa-2026", noTimestamp: true }), "wrong iss");
		await expectRefused(jwt.sign({ ...claims, aud: "another-api" }, rsa.privateKey, { algorithm: "RS256", keyid: "rsa-2026", noTimestamp: true }), "wrong aud");
		await expectRefused(tokenFor("admin", () => Date.now() - 20 * 60_000), "expired");
		await expectRefused(tokenFor("admin", () => Date.now() + 10 * 60_000), "not yet valid");
		await expectRefused("not-a-jwt", "garbage");
	});

	it("refuses an unknown scheme rather than treating the request as anonymous", async () => {
		const res = await get("/api/v1/probe/relay", { authorization: "Basic dXNlcjpwYXNz" });
		expect(res.status).toBe(401);
	});
});

describe("CORS and security headers", () => {
	it("echoes a listed origin with credentials, and gives nothing to another", async () => {
		const listed = await get("/api/v1/probe/relay", { origin: APP_ORIGIN });
		expect(listed.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
		expect(listed.headers.get("access-control-allow-credentials")).toBe("true");
		expect(listed.headers.get("vary")).toContain("Origin");
		const other = await get("/api/v1/probe/relay", { origin: "https://evil.example" });
		expect(other.headers.get("access-control-allow-origin")).toBeNull();
	});

	it("answers preflights for listed origins only", async () => {
		const ok = await request(`${baseUrl}/api/v1/probe/run`, {
			method: "OPTIONS",
			headers: { origin: APP_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "authorization" }
		});
		expect(ok.status).toBe(204);
		expect(ok.headers.get("access-control-allow-headers")).toContain("Authorization");
		const refused = await request(`${baseUrl}/api/v1/probe/run`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
		expect(refused.status).toBe(403);
		expect(errorOf(refused).type).toBe("CORS_ORIGIN_REFUSED");
	});

	it("sends the CSP, framing and referrer rules everywhere, and HSTS only over TLS", async () => {
		const res = await get("/healthz");
		expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
		expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
		expect(res.headers.get("x-content-type-options")).toBe("nosniff");
		expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
		expect(res.headers.get("strict-transport-security")).toBeNull();
		expect((await get("/healthz", { "x-forwarded-proto": "https" })).headers.get("strict-transport-security")).toMatch(/^max-age=31536000/);
		// Without TRUST_PROXY a client cannot claim TLS.
		const untrusted = await request(`${plain.baseUrl}/healthz`, { headers: { "x-forwarded-proto": "https" } });
		expect(untrusted.headers.get("strict-transport-security")).toBeNull();
	});
});

/**
 * Runs `attempt` until one run fits inside one fixed rate-limit window (counters reset at window
 * boundaries). `attempt` makes its requests, then asks `sameWindow()` before asserting; it returns
 * false when the run straddled a boundary and must be repeated with fresh identities.
 */
async function inOneWindow(windowMs: number, attempt: (sameWindow: () => boolean) => Promise<boolean>): Promise<void> {
	for (let tries = 0; tries < 3; tries++) {
		const start = Math.floor(Date.now() / windowMs);
		if (await attempt(() => Math.floor(Date.now() / windowMs) === start)) return;
	}
	throw new Error("every attempt straddled a window boundary");
}

describe("rate limits", () => {
	it("limits each user, answering 429 with Retry-After in the error shape", async () => {
		await inOneWindow(60_000, async (sameWindow) => {
			const token = tokenFor("operator");
			const statuses = [];
			for (let i = 0; i < 3; i++) statuses.push((await get("/api/v1/probe/read", { authorization: `Bearer ${token}` })).status);
			const refused = await get("/api/v1/probe/read", { authorization: `Bearer ${token}` });
			if (!sameWindow()) return false;
			expect(statuses).toEqual([200, 200, 200]);
			expect(errorOf(refused)).toMatchObject({ type: "RATE_LIMITED", code: 429 });
			const retryAfter = Number(refused.headers.get("retry-after"));
			expect(retryAfter).toBeGreaterThanOrEqual(1);
			expect(retryAfter).toBeLessThanOrEqual(60);
			// Another user is not affected.
			expect((await get("/api/v1/probe/read", { authorization: `Bearer ${tokenFor("operator")}` })).status).toBe(200);
			return true;
		});
	});

	it("limits sign-in attempts per client address more tightly", async () => {
		await inOneWindow(600_000, async (sameWindow) => {
			const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
			const attempt = () => request(`${baseUrl}/api/v1/auth/login`, { method: "POST", headers: { "x-forwarded-for": ip, "content-type": "application/json" }, body: "{}" });
			const answers = [await attempt(), await attempt(), await attempt()];
			if (!sameWindow()) return false;
			expect(answers.map((a) => a.status === 429)).toEqual([false, false, true]);
			expect(errorOf(answers[2] as JsonResponse).message).toContain("sign-in");
			return true;
		});
	});

	it("limits each client address, and believes X-Forwarded-For only from trusted proxies", async () => {
		await inOneWindow(60_000, async (sameWindow) => {
			const proxySaw = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
			const statuses: number[] = [];
			for (let i = 0; i < 41; i++) statuses.push((await request(`${baseUrl}/api/v1/probe/relay`, { headers: { "x-forwarded-for": `192.0.2.${i}, ${proxySaw}` } })).status);
			// The hop the trusted proxy appended decides; what the client wrote in front of it does not.
			const other = await request(`${baseUrl}/api/v1/probe/relay`, { headers: { "x-forwarded-for": `192.0.2.1, 10.250.${Math.floor(Math.random() * 250)}.1` } });
			if (!sameWindow()) return false;
			expect(statuses.slice(0, 40).every((s) => s === 401)).toBe(true);
			expect(statuses[40]).toBe(429);
			expect(other.status).toBe(401);
			return true;
		});
	});
});
