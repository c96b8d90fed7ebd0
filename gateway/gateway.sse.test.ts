/**
 * The event stream does not outlive what authorised it: a stream opened with an access token ends
 * when the token would be refused, one opened with an API key ends when the key is revoked, and one
 * principal holds at most a few streams. Real HTTP, the real auth service (PGlite in memory), and the
 * auth node's movable clock for token expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_EMAIL, type AuthNode, PGLITE_MEMORY, probeService, startAuthNode } from "../test/kits/auth-test-kit.ts";
import type { PublicUser } from "../services/auth/auth.service.ts";
import { JWT_SETTINGS } from "../access/keyring-from-env.ts";
import { errorOf, request } from "../test/kits/gateway-test-kit.ts";
import { DEFAULT_SSE_OPTIONS } from "./sse.ts";

const EVENTS = "/api/v1/events";
let node: AuthNode;

beforeAll(async () => {
	// A short keep-alive: its tick is where a moved clock is noticed.
	node = await startAuthNode({}, [probeService], PGLITE_MEMORY, { sse: { keepAliveMs: 100 } });
});
afterAll(async () => {
	await node?.broker.stop();
});

interface OpenStream {
	status: number;
	/** Reads until `until` matches what arrived so far, or throws when the stream ends first. */
	readUntil(until: RegExp): Promise<string>;
	/** Resolves with everything read once the server ends the stream. */
	readToEnd(): Promise<string>;
	close(): void;
}

async function openStream(headers: Record<string, string>): Promise<OpenStream> {
	const abort = new AbortController();
	const res = await fetch(`${node.baseUrl}${EVENTS}`, { headers, signal: abort.signal });
	const reader = (res.body as ReadableStream<Uint8Array>).getReader();
	const decoder = new TextDecoder();
	let text = "";
	return {
		status: res.status,
		async readUntil(until) {
			while (!until.test(text)) {
				const { value, done } = await reader.read();
				if (done) throw new Error(`The stream ended before ${String(until)}; got: ${text}`);
				text += decoder.decode(value, { stream: true });
			}
			return text;
		},
		async readToEnd() {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) return text;
				text += decoder.decode(value, { stream: true });
			}
		},
		close: () => abort.abort()
	};
}

async function adminHeaders(): Promise<Record<string, string>> {
	const { users } = (await node.broker.call("auth.listUsers", { limit: 500 })) as { users: PublicUser[] };
	const admin = users.find((u) => u.email.toLowerCase() === ADMIN_EMAIL);
	if (!admin) throw new Error("no admin");
	return node.bearerFor("admin", admin.id);
}

describe("event stream credentials", () => {
	it("ends a stream when its access token expires, and the same token cannot reopen it", async () => {
		const operator = node.bearerFor("operator", "op-expiring");
		const stream = await openStream(operator);
		expect(stream.status).toBe(200);
		await stream.readUntil(/: connected\n\n/);
		// Past exp and the tolerance the authenticator allows: the token would now be refused.
		node.clock.advance((JWT_SETTINGS.accessTokenTtlSeconds + JWT_SETTINGS.clockToleranceSeconds + 1) * 1000);
		const text = await stream.readToEnd();
		expect(text).toMatch(/event: reauthenticate\ndata: \{"reason":"token-expired"\}\n\n$/);
		expect((await request(`${node.baseUrl}${EVENTS}`, { headers: operator })).status).toBe(401);
		// A fresh token opens a new stream.
		const fresh = await openStream(node.bearerFor("operator", "op-expiring"));
		expect(fresh.status).toBe(200);
		fresh.close();
	});

	it("ends an API key's streams when the key is revoked", async () => {
		const admin = await adminHeaders();
		const created = await node.post("/api/v1/auth/api-keys", { name: "dashboard", scopes: ["health:read"] }, admin);
		expect(created.status, created.text).toBe(200);
		const { id, key } = created.body as { id: string; key: string };
		const stream = await openStream({ "x-api-key": key });
		expect(stream.status).toBe(200);
		await stream.readUntil(/: connected\n\n/);
		const revoked = await fetch(`${node.baseUrl}/api/v1/auth/api-keys/${id}`, { method: "DELETE", headers: { "Content-Type": "application/json", ...admin }, body: "{}" });
		expect(revoked.status).toBe(200);
		expect(await stream.readToEnd()).toMatch(/event: reauthenticate\ndata: \{"reason":"api-key-revoked"\}\n\n$/);
	});

	it(`caps streams per principal at ${DEFAULT_SSE_OPTIONS.maxPerPrincipal} with 429, leaving others their share`, async () => {
		const operator = node.bearerFor("operator", "op-greedy");
		const streams: OpenStream[] = [];
		try {
			for (let i = 0; i < DEFAULT_SSE_OPTIONS.maxPerPrincipal; i++) {
				const stream = await openStream(operator);
				expect(stream.status).toBe(200);
				streams.push(stream);
			}
			const refused = await request(`${node.baseUrl}${EVENTS}`, { headers: operator });
			expect(refused.status).toBe(429);
			expect(errorOf(refused)).toMatchObject({ type: "TOO_MANY_STREAMS", code: 429 });
			const other = await openStream(node.bearerFor("operator", "op-modest"));
			expect(other.status).toBe(200);
			streams.push(other);
		} finally {
			for (const stream of streams) stream.close();
		}
	});
});
