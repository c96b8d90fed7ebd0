/**
 * Issue 9 over real HTTP, on PostgreSQL 15 and PGlite 18: bad input sent to the auth routes (NUL
 * and invisible characters in emails, passwords and API key names, an offset of 1e300) answers 4xx
 * in the JSON error shape, never a 500, so a flood of it cannot open the circuit breaker of
 * `auth.login` or any other action, and a legitimate sign-in afterwards gets its tokens, not 503.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JsonResponse, errorOf } from "../../test/kits/gateway-test-kit.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { ADMIN_EMAIL, type AuthNode, startAuthNode } from "../../test/kits/auth-test-kit.ts";
import type { PublicUser, TokenPair } from "./auth.service.ts";

/** Past the breaker's minimum of 20 requests in its window (moleculer.config.ts), all of them bad. */
const FLOOD = 30;
const PASSWORD = "a sturdy passphrase 2026";

function expectClientError(res: JsonResponse, status: number): void {
	expect(res.status, res.text).toBe(status);
	const error = errorOf(res);
	expect(error.code).toBe(status);
	// Neither SQL nor a table name nor the driver's wording reaches the client.
	expect(res.text).not.toMatch(/auth\.|SELECT|INSERT|api_keys|login_failures|invalid byte sequence|bigint/i);
}

describe.each(BACKENDS)("bad input through the gateway on $name", (backend) => {
	let created: TestDatabase;
	let node: AuthNode;

	beforeAll(async () => {
		created = await backend.create();
		node = await startAuthNode({}, [], created.config);
	});
	afterAll(async () => {
		await node?.broker.stop();
		await created?.drop();
	});

	it("a flood of bad requests leaves sign-in working", async () => {
		const registered = await node.post("/api/v1/auth/register", { email: "Legit.Citizen@Example.test", password: PASSWORD, displayName: "Legit" });
		expect(registered.status, registered.text).toBe(200);
		const { users } = (await node.broker.call("auth.listUsers", { limit: 500 })) as { users: PublicUser[] };
		const adminId = users.find((u) => u.email === ADMIN_EMAIL)?.id ?? "";
		const admin = node.bearerFor("admin", adminId);

		for (let i = 0; i < FLOOD; i++) {
			expectClientError(await node.post("/api/v1/auth/login", { email: `nul\u0000${i}@example.test`, password: PASSWORD }), 422);
			expectClientError(await node.post("/api/v1/auth/login", { email: `legit.citizen@example.test\u200B`, password: PASSWORD }), 422);
			expectClientError(await node.post("/api/v1/auth/register", { email: `new${i}\u0000@example.test`, password: PASSWORD, displayName: "x" }), 422);
			// These reach PostgreSQL: the database's refusal is the client's error too.
			expectClientError(await node.post("/api/v1/auth/api-keys", { name: `key\u0000${i}`, scopes: ["etl:read"] }, admin), 422);
			expectClientError(await node.get("/api/v1/auth/users?offset=1e300", admin), 422);
		}
		// A control character in any string param is refused at validation (runtime/validation/input-guard.ts), passwords included.
		expectClientError(await node.post("/api/v1/auth/login", { email: `someone@example.test`, password: `${PASSWORD}\u0000` }), 422);

		const signedIn = await node.post("/api/v1/auth/login", { email: " LEGIT.citizen@example.test", password: PASSWORD });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect((signedIn.body as TokenPair).user.email).toBe("legit.citizen@example.test");
		const key = await node.post("/api/v1/auth/api-keys", { name: "after the flood", scopes: ["etl:read"] }, admin);
		expect(key.status, key.text).toBe(200);
		expect((await node.get("/api/v1/auth/users?offset=0", admin)).status).toBe(200);
		expect((await node.get("/healthz")).status).toBe(200);
	});

	it("refuses weak and invisible passwords, and look-alike addresses are one account", async () => {
		for (const password of [" ".repeat(12), "\u200B".repeat(12), "Password1234 ", "pass\u200Bword1234"]) {
			const res = await node.post("/api/v1/auth/register", { email: "weak@example.test", password, displayName: "Weak" });
			expectClientError(res, 422);
			expect(errorOf(res).type, JSON.stringify(password)).toBe("WEAK_PASSWORD");
		}
		// Control characters never reach the password policy: the validator refuses them for every string.
		const nuls = await node.post("/api/v1/auth/register", { email: "weak@example.test", password: "\u0000".repeat(12), displayName: "Weak" });
		expectClientError(nuls, 422);
		expect(errorOf(nuls).data).toEqual([expect.objectContaining({ field: "password", type: "controlCharacter" })]);
		const first = await node.post("/api/v1/auth/register", { email: "marie@example.test", password: PASSWORD, displayName: "Marie" });
		expect(first.status, first.text).toBe(200);
		for (const alike of ["ＭＡＲＩＥ@example.test", "Marie@Example.Test"]) {
			const again = await node.post("/api/v1/auth/register", { email: alike, password: PASSWORD, displayName: "Marie again" });
			expect(again.status, again.text).toBe(409);
			expect(errorOf(again).type).toBe("EMAIL_TAKEN");
		}
		// And the full-width spelling signs in to the one account.
		const signedIn = await node.post("/api/v1/auth/login", { email: "ｍａｒｉｅ@example.test", password: PASSWORD });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect((signedIn.body as TokenPair).user.id).toBe((first.body as { user: PublicUser }).user.id);
	});
});
