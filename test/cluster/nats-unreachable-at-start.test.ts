/**
 * Issue 2, NATS unreachable at start: a gateway node started before NATS does not crash; it
 * answers /healthz, says why it is not ready on /readyz, and becomes ready once NATS is there
 * (Moleculer retries the first connection every 5 s). A private nats-server plays NATS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeProcess, PrivateNatsServer, TestCluster, errorOf, holdsFor, http, summarize, waitFor } from "../helpers/cluster.ts";
import { operatorToken } from "../helpers/auth.ts";

interface Readiness {
	status: string;
	reasons?: string[];
}

describe("NATS unreachable at start", () => {
	let nats: PrivateNatsServer;
	let cluster: TestCluster;
	let gateway: NodeProcess;

	beforeAll(async () => {
		nats = await PrivateNatsServer.create();
		cluster = new TestCluster({ transporter: nats.url, namespacePrefix: "nats-late" });
		cluster.addLogSource(() => nats.describe());
		gateway = await cluster.startNode({ nodeID: "gw", services: ["gateway", "health"] });
	});

	afterAll(async () => {
		await cluster.stop();
		await nats.kill();
	});

	it("stays up and reports not ready while NATS is missing", async () => {
		await waitFor(async () => (await http(gateway.url("/healthz"), { timeoutMs: 2_000 })).status === 200, {
			timeoutMs: 20_000,
			message: () => `/healthz to answer 200 without NATS\n${cluster.logs()}`
		});
		// Across more than one of Moleculer's 5 s connection retries: no crash, never ready.
		await holdsFor(
			async () => {
				if (!gateway.alive) return false;
				const ready = await http(gateway.url("/readyz"), { timeoutMs: 2_000 });
				return ready.status === 503;
			},
			{ forMs: 6_000, intervalMs: 500, message: () => `the gateway to stay alive and not ready\n${cluster.logs()}` }
		);
		const ready = await http(gateway.url("/readyz"));
		expect(ready.status, summarize(ready)).toBe(503);
		const body = ready.json as Readiness;
		expect(body.status).toBe("not-ready");
		expect(body.reasons?.join("; ")).toMatch(/transporter|nats/i);

		const api = await http(gateway.url("/api/v1/health/nodes"), { token: operatorToken() });
		expect(api.status, summarize(api)).toBe(503);
		expect(errorOf(api).code).toBe(503);
	});

	it("becomes ready once NATS starts", async () => {
		await nats.start();
		await waitFor(async () => (await http(gateway.url("/readyz"), { timeoutMs: 2_000 })).status === 200, {
			timeoutMs: 20_000,
			intervalMs: 250,
			message: () => `/readyz to answer 200 after NATS started\n${cluster.logs()}`
		});
		const client = await cluster.client();
		await client.waitForNode("gw", ["gateway", "health"], 10_000, () => cluster.logs());
		const nodes = await http(gateway.url("/api/v1/health/nodes"), { token: operatorToken() });
		expect(nodes.status, summarize(nodes)).toBe(200);
		expect(gateway.alive).toBe(true);
	});
});
