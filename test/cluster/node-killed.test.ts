/**
 * Issue 2, SIGKILL: a node that dies without a goodbye is seen down by the health service (on
 * another node) within 3 s; through the gateway, an action only it offered answers 503 quickly,
 * not after the request timeout, and an action with a live replica keeps working.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, type NodeProcess, TestCluster, errorOf, http, summarize, waitFor } from "../helpers/cluster.ts";
import { operatorToken } from "../helpers/auth.ts";
import type { EchoAnswer } from "../fixtures/echo.service.ts";

const REQUEST_TIMEOUT_MS = 10_000;
const DETECTION_LIMIT_MS = 3_000;

interface NodeList {
	nodes: { id: string; state: string; reason?: string }[];
}

interface TransitionList {
	transitions: { kind: string; id: string; from: string; to: string }[];
}

describe("SIGKILL", () => {
	const cluster = new TestCluster({ namespacePrefix: "sigkill" });
	let gateway: NodeProcess;
	let victim: NodeProcess;
	let client: ClusterClient;

	async function healthNodes(): Promise<NodeList["nodes"]> {
		const res = await http(gateway.url("/api/v1/health/nodes"), { timeoutMs: 2_000, token: operatorToken() });
		if (res.status !== 200) throw new Error(summarize(res));
		return (res.json as NodeList).nodes;
	}

	beforeAll(async () => {
		const env = { REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_MS) };
		gateway = await cluster.startNode({ nodeID: "gw", services: ["gateway", "health"], env });
		victim = await cluster.startNode({ nodeID: "victim", fixtures: ["echo", "solo"], env });
		await cluster.startNode({ nodeID: "survivor", fixtures: ["echo"], env });
		client = await cluster.client();
		await client.waitForNode("gw", ["gateway", "health"], 30_000, () => cluster.logs());
		await client.waitForNode("victim", ["echo", "solo"], 30_000, () => cluster.logs());
		await client.waitForNode("survivor", ["echo"], 30_000, () => cluster.logs());
		await cluster.waitForReady(gateway);
		await cluster.waitForStatus(gateway, "/api/v1/solo/whoami", 200);
		await cluster.waitForStatus(gateway, "/api/v1/echo/whoami", 200);
		await waitFor(async () => (await healthNodes()).some((n) => n.id === "victim" && n.state === "up"), {
			message: () => `the health service to list 'victim' as up\n${cluster.logs()}`
		});
	});

	afterAll(() => cluster.stop());

	it("is seen down within 3 s, and its callers get 503 quickly", async () => {
		victim.signal("SIGKILL");
		const killedAt = performance.now();
		// A request already on its way to the dead node must not wait for the request timeout.
		const duringDetection = http(gateway.url("/api/v1/solo/whoami"), { timeoutMs: REQUEST_TIMEOUT_MS * 3 });
		await victim.waitForExit(5_000);

		await waitFor(async () => (await healthNodes()).some((n) => n.id === "victim" && n.state === "down"), {
			timeoutMs: DETECTION_LIMIT_MS - (performance.now() - killedAt),
			intervalMs: 100,
			message: () => `GET /api/v1/health/nodes to show 'victim' down within ${DETECTION_LIMIT_MS} ms of SIGKILL\n${cluster.logs()}`
		});

		const early = await duringDetection;
		expect(early.status, summarize(early)).toBe(503);
		expect(errorOf(early).code).toBe(503);
		expect(early.ms).toBeLessThan(REQUEST_TIMEOUT_MS / 2);

		const after = await http(gateway.url("/api/v1/solo/whoami"));
		expect(after.status, summarize(after)).toBe(503);
		expect(errorOf(after)).toMatchObject({ code: 503 });
		expect(after.ms).toBeLessThan(2_000);
	});

	it("an action with a live replica keeps answering, from the survivor", async () => {
		for (let i = 0; i < 6; i++) {
			const res = await http(gateway.url("/api/v1/echo/whoami"));
			expect(res.status, summarize(res)).toBe(200);
			expect((res.json as EchoAnswer).nodeID).toBe("survivor");
		}
	});

	it("the health history records the node going down", async () => {
		const res = await http(gateway.url("/api/v1/health/transitions?kind=node&id=victim"), { token: operatorToken() });
		expect(res.status, summarize(res)).toBe(200);
		const { transitions } = res.json as TransitionList;
		expect(transitions.filter((t) => t.to === "down")).toHaveLength(1);
		expect(gateway.alive).toBe(true);
	});
});
