/**
 * Issue 2, discovery: nodes started as separate processes find each other over NATS, and the
 * health service on one of them lists every node as up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, type NodeProcess, TestCluster, http, summarize, waitFor } from "../helpers/cluster.ts";
import { operatorToken } from "../helpers/auth.ts";

interface NodeList {
	nodes: { id: string; state: string }[];
}

interface NodeInfo {
	id: string;
	available: boolean;
}

describe("discovery", () => {
	const cluster = new TestCluster({ namespacePrefix: "discovery" });
	let gateway: NodeProcess;
	let client: ClusterClient;

	beforeAll(async () => {
		gateway = await cluster.startNode({ nodeID: "gw", services: ["gateway", "health"] });
		await cluster.startNode({ nodeID: "worker-a", fixtures: ["echo"] });
		await cluster.startNode({ nodeID: "worker-b", fixtures: ["echo"] });
		client = await cluster.client();
		for (const [id, services] of [["gw", ["gateway", "health"]], ["worker-a", ["echo"]], ["worker-b", ["echo"]]] as const) {
			await client.waitForNode(id, services, 30_000, () => cluster.logs());
		}
	});

	afterAll(() => cluster.stop());

	it("each node sees the other two in its own registry", async () => {
		const ids = ["gw", "worker-a", "worker-b"];
		for (const id of ids) {
			const others = ids.filter((o) => o !== id);
			await waitFor(
				async () => {
					const list = await client.call<NodeInfo[]>("$node.list", { onlyAvailable: true }, { nodeID: id });
					const seen = new Set(list.filter((n) => n.available).map((n) => n.id));
					return others.every((o) => seen.has(o));
				},
				{ timeoutMs: 10_000, message: () => `${id} to list ${others.join(" and ")} as available\n${cluster.logs()}` }
			);
		}
	});

	it("the health service lists all three nodes as up", async () => {
		await waitFor(
			async () => {
				const res = await http(gateway.url("/api/v1/health/nodes"), { token: operatorToken() });
				if (res.status !== 200) throw new Error(summarize(res));
				const { nodes } = res.json as NodeList;
				return ["gw", "worker-a", "worker-b"].every((id) => nodes.some((n) => n.id === id && n.state === "up"));
			},
			{ timeoutMs: 15_000, message: () => `GET /api/v1/health/nodes to list gw, worker-a and worker-b as up\n${cluster.logs()}` }
		);
		const direct = await client.call<NodeList>("health.nodes");
		expect(direct.nodes.filter((n) => n.state === "up").map((n) => n.id)).toEqual(expect.arrayContaining(["gw", "worker-a", "worker-b"]));
	});

	it("every node is still running", () => {
		for (const node of cluster.nodes) expect(node.alive, node.describe()).toBe(true);
	});
});
