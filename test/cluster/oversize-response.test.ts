/**
 * Issue 2, an answer over NATS's 1 MB message limit: the caller gets a clear error at once (a
 * PayloadTooLargeError from broker.call, a 502 in the platform's JSON shape over HTTP), never a
 * wait for the request timeout, and every node stays up and keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, type NodeProcess, TestCluster, errorOf, http, summarize } from "../helpers/cluster.ts";
import type { EchoAnswer } from "../fixtures/echo.service.ts";

const FIVE_MB = 5 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
/** "Quickly": well under the request timeout, with room for a busy machine. */
const QUICK_MS = 3_000;

describe("a 5 MB response over NATS", () => {
	const cluster = new TestCluster({ namespacePrefix: "oversize" });
	let gateway: NodeProcess;
	let client: ClusterClient;

	beforeAll(async () => {
		const env = { REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_MS) };
		gateway = await cluster.startNode({ nodeID: "gw", services: ["gateway"], env });
		await cluster.startNode({ nodeID: "producer", fixtures: ["big", "echo"], env });
		client = await cluster.client({ env });
		await client.waitForNode("gw", ["gateway"], 30_000, () => cluster.logs());
		await client.waitForNode("producer", ["big", "echo"], 30_000, () => cluster.logs());
		await cluster.waitForReady(gateway);
		await cluster.waitForStatus(gateway, "/api/v1/big/bytes?size=10", 200);
	});

	afterAll(() => cluster.stop());

	it("broker.call fails at once with PayloadTooLargeError", async () => {
		const started = performance.now();
		const error = await client.call("big.bytes", { size: FIVE_MB }).then(
			() => undefined,
			(err: unknown) => err
		);
		const ms = performance.now() - started;
		expect(error, "the call succeeded").toBeInstanceOf(Error);
		expect(error).toMatchObject({ name: "PayloadTooLargeError", code: 502, type: "PAYLOAD_TOO_LARGE" });
		expect((error as Error).message).toMatch(/MB/);
		expect(ms).toBeLessThan(QUICK_MS);
	});

	it("over HTTP the gateway answers 502 with the platform's error shape", async () => {
		const res = await http(gateway.url(`/api/v1/big/bytes?size=${FIVE_MB}`), { timeoutMs: REQUEST_TIMEOUT_MS * 2 });
		expect(res.status, summarize(res)).toBe(502);
		expect(errorOf(res)).toMatchObject({ type: "PAYLOAD_TOO_LARGE", code: 502 });
		expect(res.ms).toBeLessThan(QUICK_MS);
	});

	it("every node stays up and still answers", async () => {
		for (const node of cluster.nodes) expect(node.alive, node.describe()).toBe(true);
		expect((await client.call<EchoAnswer>("echo.whoami")).nodeID).toBe("producer");
		const small = await client.call<{ data: string }>("big.bytes", { size: 100 * 1024 });
		expect(small.data).toHaveLength(100 * 1024);
		const res = await http(gateway.url("/api/v1/echo/whoami"));
		expect(res.status, summarize(res)).toBe(200);
		expect(client.isNodeAvailable("producer")).toBe(true);
		expect(client.isNodeAvailable("gw")).toBe(true);
	});
});
