/**
 * The auth service end to end through the gateway over real HTTP: accounts, sessions, lockout,
 * the second factor, admin actions, API keys and the audit log. One node, PGlite in memory, one
 * movable clock shared by the auth service and the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "../../test/kits/gateway-test-kit.ts";
import { ADMIN_EMAIL, ADMIN_PASSWORD, type AuthNode, startAuthNode } from "../../test/kits/auth-test-kit.ts";
import type { MfaChallenge, PublicUser, TokenPair } from "./auth.service.ts";
import { totpCode } from "./core/totp.ts";
import { BACKENDS } from "../../test/storage/test-databases.ts";

const PASSWORD = "a sturdy passphrase 2026";
let node: AuthNode;

beforeAll(async () => {
	node = await startAuthNode();
});
afterAll(async () => {
	await node?.broker.stop();
});

const register = (email: string, password = PASSWORD) => node.post("/api/v1/auth/register", { email, password, displayName: "Test person" });
const login = (email: string, password = PASSWORD) => node.post("/api/v1/auth/login", { email, password });
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function signedIn(email: string): Promise<TokenPair> {
	const res = await login(email);
	expect(res.status, res.text).toBe(200);
	return res.body as TokenPair;
}

async function userId(email: string): Promise<string> {
	const { users } = (await node.broker.call("auth.listUsers", { limit: 500 })) as { users: PublicUser[] };
	const user = users.find((u) => u.email.toLowerCase() === email.toLowerCase());
	if (!user) throw new Error(`no user ${email}`);
	return user.id;
}

describe("accounts and sessions", () => {
	it("registers a citizen, signs in, refreshes, and a reused refresh token ends the whole family", async () => {
		const created = await register("Ada@Example.test");
		expect(created.status, created.text).toBe(200);
		expect((created.body as { user: PublicUser }).user).toMatchObject({ email: "ada@example.test", role: "citizen", mfaEnabled: false });
		// Unique whatever the case.
		expect(errorOf(await register("ada@example.TEST")).type).toBe("EMAIL_TAKEN");
		const weak = await register("weak@example.test", "password1234");
		expect(weak.status).toBe(422);
		expect(errorOf(weak).type).toBe("WEAK_PASSWORD");

		const first = await signedIn("ada@example.test");
		expect(first.tokenType).toBe("Bearer");
		const me = await node.get("/api/v1/auth/me", bearer(first.accessToken));
		expect(me.status).toBe(200);
		expect(me.body).toMatchObject({ email: "ada@example.test", role: "citizen" });
		const anonymous = await node.get("/api/v1/auth/me");
		expect(anonymous.status).toBe(401);
		expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer realm="openpolicy"/);

		const rotated = await node.post("/api/v1/auth/refresh", { refreshToken: first.refreshToken });
		expect(rotated.status, rotated.text).toBe(200);
		const second = rotated.body as TokenPair;
		expect(second.refreshToken).not.toBe(first.refreshToken);

		const reuse = await node.post("/api/v1/auth/refresh", { refreshToken: first.refreshToken });
		expect(reuse.status).toBe(401);
		expect(errorOf(reuse).type).toBe("REFRESH_TOKEN_REUSED");
		// The thief's copy and the owner's newer token died together.
		expect(errorOf(await node.post("/api/v1/auth/refresh", { refreshToken: second.refreshToken })).type).toBe("INVALID_REFRESH_TOKEN");
		const events = await node.audit("refresh-token.reuse");
		expect(events.some((e) => e.target === first.user.id && e.data.revokedCount === 2)).toBe(true);
	});

	it("logout revokes the session", async () => {
		await register("logout@example.test");
		const session = await signedIn("logout@example.test");
		const out = await node.post("/api/v1/auth/logout", { refreshToken: session.refreshToken });
		expect(out.body).toEqual({ loggedOut: true });
		expect((await node.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })).status).toBe(401);
		expect((await node.audit("logout")).some((e) => e.target === session.user.id)).toBe(true);
	});

	it("answers an unknown email exactly like a wrong password", async () => {
		await register("known@example.test");
		const wrong = await login("known@example.test", "not the password at all");
		const unknown = await login("nobody-here@example.test", "not the password at all");
		expect(wrong.status).toBe(401);
		expect(unknown.status).toBe(401);
		expect(unknown.body).toEqual(wrong.body);
	});

	it("locks an account after 5 failures with growing delays, for unknown emails too, and a success resets it", async () => {
		await register("lock@example.test");
		for (let i = 0; i < 5; i++) expect((await login("lock@example.test", "wrong password here")).status).toBe(401);
		// Even the right password waits now.
		const locked = await login("lock@example.test");
		expect(locked.status).toBe(429);
		expect(errorOf(locked).type).toBe("ACCOUNT_LOCKED");
		expect(locked.headers.get("retry-after")).toBe("60");

		node.clock.advance(61_000);
		expect((await login("lock@example.test", "wrong password again")).status).toBe(401);
		// The sixth failure doubles the delay to two minutes.
		node.clock.advance(61_000);
		const longer = await login("lock@example.test");
		expect(longer.status).toBe(429);
		expect(Number(longer.headers.get("retry-after"))).toBe(59);
		node.clock.advance(60_000);
		expect((await login("lock@example.test")).status).toBe(200);
		// Success forgave the typos: the next mistake is a plain 401, not a lock.
		expect((await login("lock@example.test", "one more typo here")).status).toBe(401);
		expect((await node.audit("account.locked")).some((e) => e.data.email === "lock@example.test")).toBe(true);

		for (let i = 0; i < 5; i++) await login("ghost@example.test", "guessing passwords");
		const ghost = await login("ghost@example.test", "guessing passwords");
		expect(ghost.status).toBe(429);
		expect(errorOf(ghost)).toEqual(errorOf(locked));
	});

	it("changing the password ends every session", async () => {
		await register("change@example.test");
		const session = await signedIn("change@example.test");
		const wrong = await node.post("/api/v1/auth/password", { currentPassword: "not my password!", newPassword: "another sturdy passphrase" }, bearer(session.accessToken));
		expect(wrong.status).toBe(403);
		const changed = await node.post("/api/v1/auth/password", { currentPassword: PASSWORD, newPassword: "another sturdy passphrase" }, bearer(session.accessToken));
		expect(changed.status, changed.text).toBe(200);
		expect((await node.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })).status).toBe(401);
		expect((await login("change@example.test", "another sturdy passphrase")).status).toBe(200);
	});
});

// Its own node per backend: the race only shows where statements of parallel requests interleave,
// which on PostgreSQL means several pool connections.
describe.each(BACKENDS)("lockout under parallel guessing on $name", (backend) => {
	let own: AuthNode;
	let drop: () => Promise<void> = () => Promise.resolve();
	beforeAll(async () => {
		const created = await backend.create();
		drop = created.drop;
		own = await startAuthNode({}, [], created.config);
	});
	afterAll(async () => {
		await own?.broker.stop();
		await drop();
	});

	it("lets at most 5 of 10 parallel wrong passwords be checked, then answers ACCOUNT_LOCKED", async () => {
		const email = "parallel@example.test";
		expect((await own.post("/api/v1/auth/register", { email, password: PASSWORD, displayName: "Parallel" })).status).toBe(200);
		const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => own.post("/api/v1/auth/login", { email, password: `wrong guess number ${i}` })));
		const statuses = answers.map((a) => a.status);
		const judged = statuses.filter((s) => s === 401).length;
		expect(judged).toBeLessThanOrEqual(5);
		expect(judged + statuses.filter((s) => s === 429).length, statuses.join(",")).toBe(10);
		for (const locked of answers.filter((a) => a.status === 429)) expect(errorOf(locked).type).toBe("ACCOUNT_LOCKED");
		// Even the right password is refused now: the account is locked.
		const after = await own.post("/api/v1/auth/login", { email, password: PASSWORD });
		expect(after.status).toBe(429);
		expect(errorOf(after).type).toBe("ACCOUNT_LOCKED");
		expect((await own.audit("login.failed")).filter((e) => e.data.email === email).length).toBeLessThanOrEqual(5);
	});
});

describe("second factor", () => {
	let secret = "";
	let recoveryCodes: string[] = [];

	const verify = (challenge: string, code: string) => node.post("/api/v1/auth/mfa/verify", { challenge, code });
	const challengeOf = async (): Promise<MfaChallenge> => {
		const res = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
		expect(res.status, res.text).toBe(200);
		return res.body as MfaChallenge;
	};

	it("makes the first admin enrol TOTP before any token is issued", async () => {
		const first = await challengeOf();
		expect(first).toMatchObject({ mfaRequired: true, next: "enroll" });
		expect(first).not.toHaveProperty("accessToken");
		// An enrolment challenge is not a sign-in.
		expect(errorOf(await verify(first.challenge, "123456")).type).toBe("MFA_CHALLENGE_INVALID");

		const enrolled = await node.post("/api/v1/auth/mfa/enroll", { challenge: first.challenge });
		expect(enrolled.status, enrolled.text).toBe(200);
		const body = enrolled.body as { secret: string; otpauthUri: string };
		expect(body.otpauthUri).toMatch(/^otpauth:\/\/totp\/OpenPolicy:root%40openpolicy\.test\?/);
		secret = body.secret;
		expect((await node.post("/api/v1/auth/mfa/activate", { challenge: first.challenge, code: "000000" })).status).toBe(422);
		const activated = await node.post("/api/v1/auth/mfa/activate", { challenge: first.challenge, code: totpCode(secret, node.clock.ms) });
		expect(activated.status, activated.text).toBe(200);
		const result = activated.body as { recoveryCodes: string[]; tokens: TokenPair };
		recoveryCodes = result.recoveryCodes;
		expect(recoveryCodes).toHaveLength(10);
		expect(result.tokens.user).toMatchObject({ role: "admin", mfaEnabled: true });
		expect((await node.get("/api/v1/auth/users", bearer(result.tokens.accessToken))).status).toBe(200);
		// The challenge is spent.
		expect((await node.post("/api/v1/auth/mfa/activate", { challenge: first.challenge, code: totpCode(secret, node.clock.ms) })).status).toBe(401);
	});

	it("accepts a code one step away but not two, and never the same step twice", async () => {
		node.clock.advance(30_000);
		const challenge = (await challengeOf()).challenge;
		expect((await challengeOf()).next).toBe("verify");
		expect(errorOf(await verify(challenge, totpCode(secret, node.clock.ms - 60_000))).type).toBe("MFA_CODE_INVALID");
		// The step accepted at activation (the previous one) is spent.
		expect((await verify(challenge, totpCode(secret, node.clock.ms - 30_000))).status).toBe(401);
		const next = await verify(challenge, totpCode(secret, node.clock.ms + 30_000));
		expect(next.status, next.text).toBe(200);
		expect((next.body as TokenPair).accessToken).toBeTruthy();

		const again = (await challengeOf()).challenge;
		expect((await verify(again, totpCode(secret, node.clock.ms + 30_000))).status).toBe(401);
		node.clock.advance(60_000);
		expect((await verify(again, totpCode(secret, node.clock.ms))).status).toBe(200);
	});

	it("lets each recovery code in once", async () => {
		const code = recoveryCodes[0] ?? "";
		expect((await verify((await challengeOf()).challenge, code)).status).toBe(200);
		expect(errorOf(await verify((await challengeOf()).challenge, code)).type).toBe("MFA_CODE_INVALID");
		const used = await node.audit("mfa.recovery-code-used");
		expect(used[0]?.data.remaining).toBe(9);
	});
});

describe("administration", () => {
	it("changes a role and disables a user, ending their sessions; citizens cannot", async () => {
		await register("promote@example.test");
		const session = await signedIn("promote@example.test");
		expect((await node.get("/api/v1/auth/users", bearer(session.accessToken))).status).toBe(403);

		const target = await userId("promote@example.test");
		const adminId = await userId(ADMIN_EMAIL);
		const admin = node.bearerFor("admin", adminId);
		const promoted = await node.post("/api/v1/auth/users/" + target + "/role", { role: "editor" }, admin);
		expect(promoted.status).toBe(404); // the route is PUT
		const put = await fetchJson("PUT", `/api/v1/auth/users/${target}/role`, { role: "editor" }, admin);
		expect(put.status, put.text).toBe(200);
		expect(put.body).toMatchObject({ role: "editor" });
		expect((await node.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })).status).toBe(401);
		const roleEvents = await node.audit("user.role-changed");
		expect(roleEvents.some((e) => e.target === target && e.data.from === "citizen" && e.data.to === "editor" && e.actor === `user:${adminId}`)).toBe(true);
		expect((await fetchJson("PUT", `/api/v1/auth/users/${adminId}/role`, { role: "citizen" }, admin)).status).toBe(409);

		const disabled = await node.post(`/api/v1/auth/users/${target}/disable`, {}, admin);
		expect(disabled.status, disabled.text).toBe(200);
		expect(errorOf(await login("promote@example.test")).type).toBe("INVALID_CREDENTIALS");
		expect((await node.audit("user.disabled")).some((e) => e.target === target)).toBe(true);
	});
});

async function fetchJson(method: string, path: string, body: unknown, headers: Record<string, string>) {
	const res = await fetch(`${node.baseUrl}${path}`, { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
	const text = await res.text();
	return { status: res.status, text, body: JSON.parse(text) as unknown };
}

describe("API keys", () => {
	it("shows a key once, enforces its scopes, records its use, and refuses it once revoked", async () => {
		const admin = node.bearerFor("admin", await userId(ADMIN_EMAIL));
		expect(errorOf(await node.post("/api/v1/auth/api-keys", { name: "too much", scopes: ["users:manage"] }, admin)).type).toBe("INVALID_SCOPES");
		const created = await node.post("/api/v1/auth/api-keys", { name: "etl reader", scopes: ["etl:read"] }, admin);
		expect(created.status, created.text).toBe(200);
		const { id, key } = created.body as { id: string; key: string };

		expect((await node.get("/api/v1/probe/read", { "x-api-key": key })).body).toEqual({ read: true });
		expect((await node.get("/api/v1/probe/read", { authorization: `ApiKey ${key}` })).status).toBe(200);
		expect((await node.post("/api/v1/probe/run", {}, { "x-api-key": key })).status).toBe(403);
		// Accounts are for people: a key cannot act as one.
		expect((await node.get("/api/v1/auth/me", { "x-api-key": key })).status).toBe(403);
		expect((await node.get("/api/v1/probe/read", { "x-api-key": `${key.slice(0, -1)}x` })).status).toBe(401);

		const listed = await node.get("/api/v1/auth/api-keys", admin);
		const entry = (listed.body as Record<string, unknown>[]).find((k) => k.id === id);
		expect(entry?.lastUsedAt).toBeTruthy();
		expect(JSON.stringify(listed.body)).not.toContain(key);

		const revoked = await fetchJson("DELETE", `/api/v1/auth/api-keys/${id}`, {}, admin);
		expect(revoked.status, revoked.text).toBe(200);
		// The broadcast empties the gateway's cache at once, not after its TTL.
		expect((await node.get("/api/v1/probe/read", { "x-api-key": key })).status).toBe(401);
		expect((await node.audit("api-key.created")).some((e) => e.target === id)).toBe(true);
		expect((await node.audit("api-key.revoked")).some((e) => e.target === id)).toBe(true);
	});
});

describe("nested calls", () => {
	it("checks a call made on a user's behalf against that user", async () => {
		expect((await node.get("/api/v1/probe/relay")).status).toBe(401);
		expect((await node.get("/api/v1/probe/relay", node.bearerFor("citizen", "00000000-0000-4000-8000-000000000001"))).status).toBe(403);
		expect((await node.get("/api/v1/probe/relay", node.bearerFor("admin", "00000000-0000-4000-8000-000000000002"))).body).toEqual({ secret: true });
		// The platform's own calls carry no principal.
		await expect(node.broker.call("probe.secret")).resolves.toEqual({ secret: true });
	});
});
