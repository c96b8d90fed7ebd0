/**
 * The multi-process test harness: real nodes as child processes on real NATS, in a namespace of
 * the test file's own (the shared NATS server also carries other programs' clusters).
 *
 *   const cluster = new TestCluster();
 *   afterAll(() => cluster.stop());
 *   const gw = await cluster.startNode({ nodeID: "gw", services: ["gateway", "health"] });
 *   const worker = await cluster.startNode({ nodeID: "w1", fixtures: ["echo"] });
 *   const client = await cluster.client();
 *   await client.waitForNode("w1", ["echo"], 20_000, () => cluster.logs());
 *   await cluster.waitForReady(gw);
 *
 * `stop()` kills every node and stops every client, whatever state they are in.
 */
import { randomUUID } from "node:crypto";
import { ClusterClient } from "./client-broker.ts";
import { http } from "./http.ts";
import { type NodeProcess, type NodeSpec, spawnNode } from "./node-process.ts";
import { waitFor } from "./wait-for.ts";

export * from "./child.ts";
export * from "./client-broker.ts";
export * from "./free-port.ts";
export * from "./http.ts";
export * from "./nats-server.ts";
export * from "./node-process.ts";
export * from "./wait-for.ts";

/** The machine's shared NATS (README.md); TEST_NATS_URL points the tests elsewhere. */
export const SHARED_NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export function randomNamespace(prefix = "cluster-test"): string {
	return `${prefix}-${randomUUID().slice(0, 8)}`;
}

const CLIENT_STOP_MS = 5_000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<void>((resolve) => {
		timer = setTimeout(resolve, ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export type ClusterNodeSpec = Omit<NodeSpec, "namespace" | "transporter"> & { transporter?: string };

export interface TestClusterOptions {
	/** NATS URL for every node and client; the shared server by default. */
	transporter?: string;
	namespacePrefix?: string;
}

export class TestCluster {
	readonly namespace: string;
	readonly transporter: string;
	readonly nodes: NodeProcess[] = [];
	private readonly clients: ClusterClient[] = [];
	/** Output of other processes (e.g. a private NATS server) to show with the nodes' on failure. */
	private readonly extraLogs: (() => string)[] = [];

	constructor(options: TestClusterOptions = {}) {
		this.namespace = randomNamespace(options.namespacePrefix);
		this.transporter = options.transporter ?? SHARED_NATS_URL;
	}

	/** Spawns a node; it is not waited for (see `client().waitForNode` and `waitForReady`). */
	async startNode(spec: ClusterNodeSpec): Promise<NodeProcess> {
		const node = await spawnNode({ ...spec, namespace: this.namespace, transporter: spec.transporter ?? this.transporter });
		this.nodes.push(node);
		return node;
	}

	/** A started in-process client broker in this cluster's namespace. */
	async client(options: { nodeID?: string; env?: Record<string, string>; watch?: readonly string[] } = {}): Promise<ClusterClient> {
		const client = new ClusterClient({
			namespace: this.namespace,
			transporter: this.transporter,
			nodeID: options.nodeID ?? `client-${randomUUID().slice(0, 6)}`,
			...(options.env ? { env: options.env } : {}),
			...(options.watch ? { watch: options.watch } : {})
		});
		this.clients.push(client);
		await client.start();
		return client;
	}

	node(nodeID: string): NodeProcess {
		const node = this.nodes.find((n) => n.nodeID === nodeID);
		if (!node) throw new Error(`No node ${nodeID} in this cluster`);
		return node;
	}

	addLogSource(describe: () => string): void {
		this.extraLogs.push(describe);
	}

	/** Every process's output, for failure messages. */
	logs(): string {
		return [...this.nodes.map((n) => n.describe()), ...this.extraLogs.map((d) => d())].join("\n");
	}

	/** Waits until the node's gateway answers /readyz with 200. */
	async waitForReady(node: NodeProcess, timeoutMs = 20_000): Promise<void> {
		await waitFor(async () => node.alive && (await http(node.url("/readyz"), { timeoutMs: 2_000 })).status === 200, {
			timeoutMs,
			message: () => `${node.nodeID} to answer /readyz with 200\n${this.logs()}`
		});
	}

	/** Waits until GET `path` on the node's gateway answers `status` (e.g. a route that appears after discovery). */
	async waitForStatus(node: NodeProcess, path: string, status = 200, timeoutMs = 20_000): Promise<void> {
		let last = "no answer yet";
		await waitFor(
			async () => {
				const res = await http(node.url(path), { timeoutMs: 5_000 });
				last = `${res.status} ${res.text.slice(0, 200)}`;
				return res.status === status;
			},
			{ timeoutMs, message: () => `GET ${path} on ${node.nodeID} to answer ${status} (last: ${last})\n${this.logs()}` }
		);
	}

	/** Stops clients (bounded: without NATS a goodbye may never leave) and kills every node. */
	async stop(): Promise<void> {
		const clients = this.clients.splice(0);
		await Promise.allSettled(clients.map((c) => withTimeout(c.stop(), CLIENT_STOP_MS)));
		await Promise.all(this.nodes.map((n) => n.kill()));
	}
}
