/**
 * Issue 12 across processes: three platform nodes (bin/node.ts) on the real NATS in a namespace of
 * their own, each with a real gateway, one of them also running the config service on PostgreSQL 15.
 * A lower per-IP rate limit set through one gateway is enforced by every gateway at once; an
 * invalid value is refused with the reason; a CORS origin added by an admin is allowed everywhere;
 * a node started after the change has it from its first request; a rollback restores the previous
 * value on every node. Redis is left out on purpose, so each gateway counts on its own and each
 * 429 shows that node's own limit. The nodes believe X-Forwarded-For (TRUST_PROXY=1), so every probe
 * counts from zero under an address of its own and the API calls are never limited by the probes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessToken } from "../../test/helpers/auth.ts";
import { type HttpOptions, type HttpResult, type NodeProcess, TestCluster, errorOf, http, pause, summarize, waitFor } from "../../test/helpers/cluster.ts";
import { createPostgresDatabase, type TestDatabase } from "../../test/storage/test-databases.ts";
import type { ConfigEntry, HistoryItem, Page, SetAnswer } from "./config.contract.ts";

const KEY = "gateway.rateLimit.perIpPerMinute";
const LOW_LIMIT = 4;

let addresses = 0;
/** A client address no request has used yet (TEST-NET-3 and 10/8 never appear here otherwise). */
function freshAddress(): string {
	addresses++;
	return `10.${(addresses >> 16) & 255}.${(addresses >> 8) & 255}.${addresses & 255}`;
}

function api(node: NodeProcess | undefined, path: string, options: HttpOptions = {}): Promise<HttpResult> {
	if (!node) throw new Error("no such node");
	return http(node.url(path), { ...options, headers: { "x-forwarded-for": freshAddress(), ...options.headers } });
}

/**
 * LOW_LIMIT + 1 requests from a new address to a limited route (404 behind the limits): the number
 * of the one refused and its message, or undefined when none was (the limit is not LOW_LIMIT yet).
 */
async function probe(node: NodeProcess): Promise<{ count: number; message: string } | undefined> {
	const address = freshAddress();
	for (let count = 1; count <= LOW_LIMIT + 1; count++) {
		const res = await http(node.url("/api/v1/no-such-route"), { timeoutMs: 5_000, headers: { "x-forwarded-for": address } });
		if (res.status === 429) return { count, message: errorOf(res).message };
	}
	return undefined;
}

describe("configuration across a three-node cluster", () => {
	const cluster = new TestCluster({ namespacePrefix: "config" });
	let database: TestDatabase & { url: string };
	let nodes: NodeProcess[] = [];
	const operator = accessToken("operator");
	const admin = accessToken("admin");
	let env: Record<string, string>;

	beforeAll(async () => {
		database = await createPostgresDatabase();
		// REDIS_URL empty: this process's variables are inherited by the nodes.
		env = { DATABASE_URL: database.url, REDIS_URL: "", RATE_LIMIT_PER_IP: "600", TRUST_PROXY: "1" };
		nodes = [
			await cluster.startNode({ nodeID: "cfg-1", services: ["gateway", "config"], env }),
			await cluster.startNode({ nodeID: "cfg-2", services: ["gateway"], env }),
			await cluster.startNode({ nodeID: "cfg-3", services: ["gateway"], env })
		];
		for (const node of nodes) {
			await cluster.waitForReady(node, 40_000);
			// The route exists on a gateway once it has discovered the config node (401: it needs a token).
			await cluster.waitForStatus(node, "/api/v1/config", 401, 20_000);
		}
	}, 120_000);

	afterAll(async () => {
		await cluster.stop();
		await database?.drop();
	});

	it("lists the gateway's keys with their defaults through any gateway", async () => {
		const res = await api(nodes[2], "/api/v1/config?owner=gateway", { token: operator });
		expect(res.status, summarize(res)).toBe(200);
		const page = res.json as Page<ConfigEntry>;
		expect(page.objects.map((e) => e.key)).toContain(KEY);
		expect(page.objects.find((e) => e.key === KEY)).toMatchObject({ value: 600, isDefault: true, changeableBy: "operator", restartRequired: false });
	});

	it("enforces a lower rate limit on every gateway at once, without a restart", async () => {
		const res = await api(nodes[1], `/api/v1/config/${KEY}`, { method: "PUT", token: operator, body: { value: LOW_LIMIT, reason: "cluster test: throttle" } });
		expect(res.status, summarize(res)).toBe(200);
		expect(res.json as SetAnswer).toMatchObject({ value: LOW_LIMIT, restartRequired: false, changedBy: expect.stringMatching(/^user:/) });
		for (const node of nodes) {
			// At once: the broadcast is on its way as the PUT answers; a few ms at most on this machine.
			const refused = await waitFor(() => probe(node), {
				timeoutMs: 3_000,
				intervalMs: 20,
				message: () => `${node.nodeID} to refuse the request past ${LOW_LIMIT}\n${cluster.logs()}`
			});
			expect(refused).toEqual({ count: LOW_LIMIT + 1, message: expect.stringContaining(`ip limit of ${LOW_LIMIT}`) });
		}
	});

	it("refuses an invalid value with the reason (422) and keeps the current one", async () => {
		const res = await api(nodes[0], `/api/v1/config/${KEY}`, { method: "PUT", token: admin, body: { value: 0, reason: "cluster test: zero" } });
		expect(res.status, summarize(res)).toBe(422);
		const error = errorOf(res);
		expect(error.message).toMatch(new RegExp(`${KEY.replace(/\./g, "\\.")}: .*1`));
		expect(error.data).toEqual([expect.objectContaining({ field: "value", type: "too_small" })]);
		const bad = await api(nodes[0], "/api/v1/config/gateway.cors.allowedOrigins", { method: "PUT", token: admin, body: { value: ["*"], reason: "cluster test: wildcard" } });
		expect(bad.status, summarize(bad)).toBe(422);
		const current = await api(nodes[0], `/api/v1/config/${KEY}`, { token: operator });
		expect((current.json as ConfigEntry).value).toBe(LOW_LIMIT);
	});

	it("lets an admin, not an operator, change the CORS allow-list, and every gateway allows the origin", async () => {
		const body = { value: ["https://dashboard.example"], reason: "cluster test: new dashboard" };
		const path = "/api/v1/config/gateway.cors.allowedOrigins";
		expect((await api(nodes[0], path, { method: "PUT", token: operator, body })).status).toBe(403);
		const res = await api(nodes[0], path, { method: "PUT", token: admin, body });
		expect(res.status, summarize(res)).toBe(200);
		for (const node of nodes) {
			// Preflights are answered before the rate limits, so they still reach the CORS check here.
			await waitFor(
				async () => {
					const pre = await api(node, "/api/v1/config", { method: "OPTIONS", headers: { origin: "https://dashboard.example", "access-control-request-method": "GET" } });
					return pre.status === 204 && pre.headers.get("access-control-allow-origin") === "https://dashboard.example";
				},
				{ timeoutMs: 3_000, intervalMs: 20, message: () => `${node.nodeID} to allow the new origin\n${cluster.logs()}` }
			);
		}
	});

	it("gives a node started after the change the current value from its first request", async () => {
		const late = await cluster.startNode({ nodeID: "cfg-4", services: ["gateway"], env });
		nodes.push(late);
		await cluster.waitForReady(late, 40_000);
		// Probe inside one counting window (they are aligned to the minute), so a reset cannot hide the limit.
		const intoMinute = Date.now() % 60_000;
		if (intoMinute > 57_000) await pause(60_000 - intoMinute + 50);
		// Its very first probe: exactly LOW_LIMIT requests pass, the next is refused.
		const refused = await probe(late);
		expect(refused, late.output()).toEqual({ count: LOW_LIMIT + 1, message: expect.stringContaining(`ip limit of ${LOW_LIMIT}`) });
	}, 60_000);

	it("rolls back everywhere, as a new version", async () => {
		const res = await api(nodes[2], `/api/v1/config/${KEY}/rollback`, { method: "POST", token: operator, body: { reason: "cluster test: done" } });
		expect(res.status, summarize(res)).toBe(200);
		expect(res.json as SetAnswer).toMatchObject({ value: 600, isDefault: true });
		for (const node of nodes) {
			await waitFor(async () => (await probe(node)) === undefined, {
				timeoutMs: 3_000,
				intervalMs: 20,
				message: () => `${node.nodeID} to let requests through again\n${cluster.logs()}`
			});
		}
		const history = await api(nodes[0], `/api/v1/config/${KEY}/history`, { token: operator });
		const items = (history.json as Page<HistoryItem>).objects;
		expect(items.map((h) => [h.kind, h.value])).toEqual([
			["rollback", null],
			["set", LOW_LIMIT]
		]);
		expect(items[0]?.reason).toBe("cluster test: done");
	});
});
