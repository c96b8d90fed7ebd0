/**
 * Issue 2, SIGSTOP: a node frozen for 2 s (longer than the 1.5 s heartbeat timeout), then
 * resumed, may be seen down once and back up once, never flapping.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, type NodeProcess, TestCluster, holdsFor, http, pause, summarize, waitFor } from "../helpers/cluster.ts";
import { operatorToken } from "../helpers/auth.ts";
import type { EchoAnswer } from "../fixtures/echo.service.ts";

const FROZEN_MS = 2_000;

interface NodeList {
	nodes: { id: string; state: string }[];
}

interface Transition {
	kind: string;
	id: string;
	from: string;
	to: string;
}

describe("SIGSTOP then SIGCONT", () => {
	const cluster = new TestCluster({ namespacePrefix: "sigstop" });
	let gateway: NodeProcess;
	let frozen: NodeProcess;
	let client: ClusterClient;

	async function stateOfFrozen(): Promise<string | undefined> {
		const res = await http(gateway.url("/api/v1/health/nodes"), { timeoutMs: 2_000, token: operatorToken() });
		if (res.status !== 200) throw new Error(summarize(res));
		return (res.json as NodeList).nodes.find((n) => n.id === "frozen")?.state;
	}

	async function transitionsOfFrozen(): Promise<Transition[]> {
		const res = await http(gateway.url("/api/v1/health/transitions?kind=node&id=frozen"), { token: operatorToken() });
		if (res.status !== 200) throw new Error(summarize(res));
		return (res.json as { transitions: Transition[] }).transitions;
	}

	beforeAll(async () => {
		gateway = await cluster.startNode({ nodeID: "gw", services: ["gateway", "health"] });
		frozen = await cluster.startNode({ nodeID: "frozen", fixtures: ["echo"] });
		client = await cluster.client();
		await client.waitForNode("gw", ["gateway", "health"], 30_000, () => cluster.logs());
		await client.waitForNode("frozen", ["echo"], 30_000, () => cluster.logs());
		await waitFor(async () => (await stateOfFrozen()) === "up", { message: () => `health to list 'frozen' as up\n${cluster.logs()}` });
	});

	afterAll(() => cluster.stop());

	it("shows at most one down/up pair and ends up serving", async () => {
		const since = performance.now();
		frozen.signal("SIGSTOP");
		// The scenario itself: the process stays frozen this long.
		await pause(FROZEN_MS);
		frozen.signal("SIGCONT");

		await waitFor(async () => (await stateOfFrozen()) === "up" && client.nodeOffers("frozen", ["echo"]), {
			timeoutMs: 10_000,
			message: () => `'frozen' to be up again after SIGCONT\n${cluster.logs()}`
		});
		expect((await client.call<EchoAnswer>("echo.whoami", {}, { nodeID: "frozen" })).nodeID).toBe("frozen");

		// Several heartbeat timeouts with no further change: it does not flap after coming back.
		const countNow = (await transitionsOfFrozen()).length;
		await holdsFor(async () => (await transitionsOfFrozen()).length === countNow && (await stateOfFrozen()) === "up", {
			forMs: 3_000,
			intervalMs: 250,
			message: () => `'frozen' to stay up with no new transition\n${cluster.logs()}`
		});

		const transitions = await transitionsOfFrozen();
		const downs = transitions.filter((t) => t.to === "down");
		const ups = transitions.filter((t) => t.from === "down" && t.to === "up");
		expect(downs.length, JSON.stringify(transitions)).toBeLessThanOrEqual(1);
		expect(ups.length, JSON.stringify(transitions)).toBe(downs.length);

		const disconnects = client.seen("$node.disconnected", since).filter((e) => e.nodeID === "frozen");
		expect(disconnects.length).toBeLessThanOrEqual(1);
		expect(frozen.alive).toBe(true);
		expect(gateway.alive).toBe(true);
	});
});
