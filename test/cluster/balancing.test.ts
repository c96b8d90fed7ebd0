/**
 * Issue 2, balancing: with two nodes offering `echo`, calls are spread over both, from a broker
 * and through the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, type NodeProcess, TestCluster, http, summarize } from "../helpers/cluster.ts";
import type { EchoAnswer } from "../fixtures/echo.service.ts";

const CALLS = 20;

function tally(nodeIDs: string[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const id of nodeIDs) counts[id] = (counts[id] ?? 0) + 1;
	return counts;
}

describe("balancing", () => {
	const cluster = new TestCluster({ namespacePrefix: "balancing" });
	let gateway: NodeProcess;
	let client: ClusterClient;

	beforeAll(async () => {
		gateway = await cluster.startNode({ nodeID: "gw", services: ["gateway"] });
		await cluster.startNode({ nodeID: "echo-1", fixtures: ["echo"] });
		await cluster.startNode({ nodeID: "echo-2", fixtures: ["echo"] });
		client = await cluster.client();
		await client.waitForNode("echo-1", ["echo"], 30_000, () => cluster.logs());
		await client.waitForNode("echo-2", ["echo"], 30_000, () => cluster.logs());
		await client.waitForNode("gw", ["gateway"], 30_000, () => cluster.logs());
	});

	afterAll(() => cluster.stop());

	it(`${CALLS} broker calls are answered by both nodes`, async () => {
		const answers: EchoAnswer[] = [];
		for (let i = 0; i < CALLS; i++) answers.push(await client.call<EchoAnswer>("echo.whoami"));
		const counts = tally(answers.map((a) => a.nodeID));
		expect(Object.keys(counts).sort()).toEqual(["echo-1", "echo-2"]);
		// Round robin over two nodes: neither may take nearly all of them.
		expect(Math.min(counts["echo-1"] ?? 0, counts["echo-2"] ?? 0)).toBeGreaterThanOrEqual(CALLS / 4);
	});

	it(`${CALLS} HTTP calls through the gateway are answered by both nodes`, async () => {
		// The gateway learns both echo nodes on its own schedule (its routes follow the registry).
		await cluster.waitForStatus(gateway, "/api/v1/echo/whoami", 200);
		await cluster.waitForReady(gateway);
		const nodeIDs: string[] = [];
		for (let i = 0; i < CALLS; i++) {
			const res = await http(gateway.url("/api/v1/echo/whoami"));
			expect(res.status, summarize(res)).toBe(200);
			nodeIDs.push((res.json as EchoAnswer).nodeID);
		}
		const counts = tally(nodeIDs);
		expect(Object.keys(counts).sort(), JSON.stringify(counts)).toEqual(["echo-1", "echo-2"]);
		expect(Math.min(counts["echo-1"] ?? 0, counts["echo-2"] ?? 0)).toBeGreaterThanOrEqual(CALLS / 4);
	});
});
