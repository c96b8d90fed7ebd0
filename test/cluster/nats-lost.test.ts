/**
 * Issue 2, NATS lost mid-run: the NATS server goes away and comes back on the same port. No node
 * crashes, the gateway's readiness says NATS is gone while it is, and the cluster serves again
 * once it returns. A private nats-server plays NATS (the machine's shared one is never stopped).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, type NodeProcess, PrivateNatsServer, TestCluster, errorOf, http, summarize, waitFor } from "../helpers/cluster.ts";
import { operatorToken } from "../helpers/auth.ts";
import type { EchoAnswer } from "../fixtures/echo.service.ts";

interface Readiness {
	status: string;
	reasons?: string[];
}

interface Transition {
	kind: string;
	id: string;
	from: string;
	to: string;
}

describe("NATS lost mid-run", () => {
	let nats: PrivateNatsServer;
	let cluster: TestCluster;
	let gateway: NodeProcess;
	let worker: NodeProcess;
	let client: ClusterClient;

	beforeAll(async () => {
		nats = await PrivateNatsServer.create();
		await nats.start();
		cluster = new TestCluster({ transporter: nats.url, namespacePrefix: "nats-lost" });
		cluster.addLogSource(() => nats.describe());
		gateway = await cluster.startNode({ nodeID: "gw", services: ["gateway", "health"] });
		worker = await cluster.startNode({ nodeID: "worker", fixtures: ["echo"] });
		client = await cluster.client();
		await client.waitForNode("gw", ["gateway", "health"], 30_000, () => cluster.logs());
		await client.waitForNode("worker", ["echo"], 30_000, () => cluster.logs());
		await cluster.waitForReady(gateway);
		await cluster.waitForStatus(gateway, "/api/v1/echo/whoami", 200);
	});

	afterAll(async () => {
		await cluster?.stop();
		await nats?.kill();
	});

	it("reports the outage on /readyz while NATS is down, without crashing", async () => {
		await nats.stop();
		const ready = await waitFor(
			async () => {
				const res = await http(gateway.url("/readyz"), { timeoutMs: 2_000 });
				return res.status === 503 ? res : undefined;
			},
			{ timeoutMs: 5_000, intervalMs: 100, message: () => `/readyz to answer 503 once NATS is gone\n${cluster.logs()}` }
		);
		expect((ready.json as Readiness).reasons?.join("; ")).toMatch(/transporter|nats/i);
		expect((await http(gateway.url("/healthz"))).status).toBe(200);

		// A call that needs another node fails with the platform's error, well before any long timeout.
		const call = await http(gateway.url("/api/v1/echo/whoami"), { timeoutMs: 30_000 });
		expect(call.status, summarize(call)).toBe(503);
		expect(errorOf(call).code).toBe(503);
		expect(call.ms).toBeLessThan(10_000);

		expect(gateway.alive, gateway.describe()).toBe(true);
		expect(worker.alive, worker.describe()).toBe(true);
	});

	it("recovers once NATS is back on the same port", async () => {
		await nats.start();
		await waitFor(async () => (await http(gateway.url("/readyz"), { timeoutMs: 2_000 })).status === 200, {
			timeoutMs: 20_000,
			intervalMs: 250,
			message: () => `/readyz to answer 200 after NATS returned\n${cluster.logs()}`
		});
		let last = "";
		await waitFor(
			async () => {
				const res = await http(gateway.url("/api/v1/echo/whoami"), { timeoutMs: 5_000 });
				last = summarize(res);
				return res.status === 200 && (res.json as EchoAnswer).nodeID === "worker";
			},
			{ timeoutMs: 20_000, intervalMs: 250, message: () => `calls through the gateway to reach 'worker' again (last: ${last})\n${cluster.logs()}` }
		);
		await client.waitForNode("worker", ["echo"], 20_000, () => cluster.logs());
		expect((await client.call<EchoAnswer>("echo.whoami")).nodeID).toBe("worker");

		const res = await http(gateway.url("/api/v1/health/transitions?kind=transporter&id=gw"), { token: operatorToken() });
		expect(res.status, summarize(res)).toBe(200);
		const transitions = (res.json as { transitions: Transition[] }).transitions;
		expect(transitions.map((t) => t.to), JSON.stringify(transitions)).toEqual(["up", "down"]);
		expect(gateway.alive).toBe(true);
		expect(worker.alive).toBe(true);
	});
});
