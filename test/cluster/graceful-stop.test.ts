/**
 * Issue 2, SIGTERM: a node that is told to stop finishes the call it is serving, takes no new
 * ones, and leaves the cluster with a goodbye, so the others see it gone at once and as expected.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, type NodeProcess, TestCluster, waitFor } from "../helpers/cluster.ts";
import { type EchoAnswer, SLOW_STARTED_EVENT } from "../fixtures/echo.service.ts";

const SLOW_MS = 1_500;

describe("SIGTERM", () => {
	const cluster = new TestCluster({ namespacePrefix: "sigterm" });
	let leaving: NodeProcess;
	let client: ClusterClient;

	beforeAll(async () => {
		leaving = await cluster.startNode({ nodeID: "leaving", fixtures: ["echo"] });
		await cluster.startNode({ nodeID: "staying", fixtures: ["echo"] });
		client = await cluster.client({ watch: [SLOW_STARTED_EVENT] });
		await client.waitForNode("leaving", ["echo"], 30_000, () => cluster.logs());
		await client.waitForNode("staying", ["echo"], 30_000, () => cluster.logs());
	});

	afterAll(() => cluster.stop());

	it("lets the in-flight call finish, then leaves cleanly and is seen gone quickly", async () => {
		const inFlight = client.call<EchoAnswer>("echo.slow", { delayMs: SLOW_MS }, { nodeID: "leaving" });
		// Settled-state capture: an early rejection must fail the test with its reason, not go unhandled.
		const outcome = inFlight.then(
			(value) => ({ value, at: performance.now() }),
			(error: unknown) => ({ error, at: performance.now() })
		);
		await waitFor(() => client.custom.some((e) => e.event === SLOW_STARTED_EVENT && e.sender === "leaving"), {
			timeoutMs: 5_000,
			message: () => `the slow call to start on 'leaving'\n${cluster.logs()}`
		});

		const signalledAt = performance.now();
		leaving.signal("SIGTERM");

		// While it drains, it stops taking calls: the others route new ones elsewhere.
		await waitFor(() => !client.nodeOffers("leaving", ["echo"]), {
			timeoutMs: 2_000,
			message: () => `'leaving' to withdraw its services after SIGTERM\n${cluster.logs()}`
		});
		for (let i = 0; i < 4; i++) expect((await client.call<EchoAnswer>("echo.whoami")).nodeID).toBe("staying");

		const settled = await outcome;
		if ("error" in settled) throw new Error(`The in-flight call failed: ${String(settled.error)}\n${cluster.logs()}`);
		expect(settled.value).toEqual({ nodeID: "leaving", delayMs: SLOW_MS });
		// It was not cut short by the signal.
		expect(settled.at - signalledAt).toBeGreaterThan(SLOW_MS / 2);

		const exit = await leaving.waitForExit(10_000);
		expect(exit, leaving.describe()).toEqual({ code: 0, signal: null });

		const gone = await waitFor(() => client.seen("$node.disconnected").find((e) => e.nodeID === "leaving"), {
			timeoutMs: 2_000,
			message: () => `the client to see 'leaving' disconnect\n${cluster.logs()}`
		});
		expect(gone.unexpected).toBe(false);
		// Seen by its goodbye, not by a missed heartbeat (which takes 1.5 s or more).
		expect(gone.at - settled.at).toBeLessThan(1_000);
		expect(client.isNodeAvailable("leaving")).toBe(false);
	});

	it("the other node keeps serving", async () => {
		expect(cluster.node("staying").alive).toBe(true);
		expect((await client.call<EchoAnswer>("echo.whoami")).nodeID).toBe("staying");
	});
});
