/**
 * Issue 9, "limits that depend on how a path is spelt": the edge's policies follow the action a
 * request resolves to (edge-policies.ts). Against the real auth service (PGlite in memory): every
 * spelling moleculer-web routes to a sign-in action counts against one per-address sign-in limit,
 * and every answer of a token-bearing action says `Cache-Control: no-store`. Then the sliding
 * window itself, with a clock moved across a window's edge, counted locally and in Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_EMAIL, ADMIN_PASSWORD, type AuthNode, startAuthNode } from "../test/kits/auth-test-kit.ts";
import { errorOf, randomNamespace, request } from "../test/kits/gateway-test-kit.ts";
import { GatewayRateLimits, SUB_WINDOWS } from "./rate-limits.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const SIGN_IN_LIMIT = 3;
let node: AuthNode;
let lastOctet = 0;

beforeAll(async () => {
	node = await startAuthNode({ RATE_LIMIT_LOGIN: String(SIGN_IN_LIMIT), TRUST_PROXY: "1" });
});
afterAll(async () => {
	await node?.broker.stop();
});

/** Each test signs in from its own address (TRUST_PROXY=1 believes the last hop). */
function freshAddress(): string {
	lastOctet += 1;
	return `198.51.100.${lastOctet}`;
}

function postFrom(ip: string, path: string, body: unknown): ReturnType<typeof request> {
	return request(`${node.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": ip }, body: JSON.stringify(body) });
}

async function expectAlive(): Promise<void> {
	expect((await request(`${node.baseUrl}/healthz`)).status).toBe(200);
}

describe("the sign-in limit follows the action, whatever the path's spelling", () => {
	it("counts /auth/LOGIN, /API/V1/auth/login and /auth/mfa/VERIFY against one limit", async () => {
		const ip = freshAddress();
		const failedBefore = (await node.audit("login.failed")).length;
		const wrong = { email: "nobody@example.test", password: "not the password at all" };
		const spellings = ["/api/v1/auth/LOGIN", "/API/V1/auth/login", "/api/v1/Auth/Login/"];
		const answers = [];
		for (const path of spellings) answers.push(await postFrom(ip, path, wrong));
		// Each reached auth.login (a 401 from the password check, not a 404).
		expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
		for (const path of ["/api/v1/auth/login", "/api/v1/auth/mfa/VERIFY", "/API/V1/AUTH/REGISTER"]) {
			const refused = await postFrom(ip, path, wrong);
			expect(refused.status, `${path}: ${refused.text}`).toBe(429);
			expect(errorOf(refused)).toMatchObject({ type: "RATE_LIMITED", code: 429 });
			expect(errorOf(refused).message).toContain("sign-in");
		}
		// Only the admitted attempts reached a password check.
		expect((await node.audit("login.failed")).length - failedBefore).toBe(SIGN_IN_LIMIT);
		// A path that reaches no action is no way around it either: it reaches nothing.
		expect((await postFrom(ip, "/auth/mfa/VERIFY", {})).status).toBe(404);
		// Another address is not affected.
		expect((await postFrom(freshAddress(), "/api/v1/auth/LOGIN", wrong)).status).toBe(401);
		await expectAlive();
	});
});

describe("Cache-Control: no-store on every answer of an action that carries secrets", () => {
	it("marks sign-in, the caller's own account and errors of those actions, whatever the spelling", async () => {
		const signIn = await postFrom(freshAddress(), "/api/v1/AUTH/login", { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
		expect(signIn.status, signIn.text).toBe(200);
		expect(signIn.headers.get("cache-control")).toBe("no-store");
		const refused = await postFrom(freshAddress(), "/api/v1/auth/login", { email: ADMIN_EMAIL, password: "not the admin's password" });
		expect(refused.status).toBe(401);
		expect(refused.headers.get("cache-control")).toBe("no-store");
		const me = await request(`${node.baseUrl}/api/v1/auth/ME`, { headers: node.bearerFor("citizen", "00000000-0000-4000-8000-000000000001") });
		expect(me.headers.get("cache-control")).toBe("no-store");
		// An action that carries nothing of the kind is left to its own caching.
		const relay = await request(`${node.baseUrl}/api/v1/probe/relay`, { headers: { "x-forwarded-for": freshAddress() } });
		expect(relay.headers.get("cache-control")).toBeNull();
		await expectAlive();
	});
});

describe("a sliding window: a burst across a window's edge cannot double the limit", () => {
	const MINUTE = 60_000;
	const LIMIT = 5;

	async function burstAcrossTheEdge(redisUrl: string | undefined): Promise<void> {
		// Just before a minute ends, where a fixed window would start afresh 2 ms later.
		const clock = { ms: Math.ceil(Date.now() / MINUTE) * MINUTE + 10 * MINUTE - 1 };
		const limits = new GatewayRateLimits({ redisUrl, prefix: randomNamespace(), perIpPerMinute: LIMIT, perPrincipalPerMinute: LIMIT, signInPer10Minutes: LIMIT, now: () => clock.ms });
		try {
			await limits.settled();
			expect(limits.mode).toBe(redisUrl ? "redis" : "local");
			const ip = "203.0.113.50";
			for (let i = 0; i < LIMIT; i++) expect((await limits.ip(ip)).allowed).toBe(true);
			clock.ms += 2;
			const across = await limits.ip(ip);
			expect(across.allowed).toBe(false);
			if (!across.allowed) expect(across.retryAfterSeconds).toBeGreaterThanOrEqual(50);
			// The burst leaves the window with its slice: a tenth of a minute before a whole minute has passed.
			const sliceMs = MINUTE / SUB_WINDOWS;
			clock.ms += MINUTE - sliceMs - 2;
			expect((await limits.ip(ip)).allowed).toBe(false);
			clock.ms += 1;
			for (let i = 0; i < LIMIT; i++) expect((await limits.ip(ip)).allowed).toBe(true);
			expect((await limits.ip(ip)).allowed).toBe(false);
		} finally {
			await limits.close();
		}
	}

	it("counted on one node", async () => {
		await burstAcrossTheEdge(undefined);
	});

	it("counted in Redis, shared by every gateway", async () => {
		await burstAcrossTheEdge(REDIS_URL);
	});
});
