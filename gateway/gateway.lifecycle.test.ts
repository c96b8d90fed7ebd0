/**
 * The gateway's port across a node's life: answering before the broker has started (in-process
 * and through the real entrypoint with NATS unreachable), serving, and draining on stop.
 */
import path from "node:path";
import type { Context, ServiceBroker, ServiceSchema } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { ManagedChild } from "../test/helpers/child.ts";
import { freePort, portAccepts } from "../test/helpers/free-port.ts";
import { waitFor } from "../test/helpers/wait-for.ts";
import { openEdgeServer } from "./edge-server.ts";
import { bearer, operatorToken } from "../test/helpers/auth.ts";
import { errorOf, makeBroker, NATS_URL, randomNamespace, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";
import { GatewayService } from "./gateway.service.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

const brokers: ServiceBroker[] = [];
const children: ManagedChild[] = [];

afterEach(async () => {
	await Promise.all(children.splice(0).map((c) => c.kill()));
	await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

/** A request the test releases when it wants, to have one in flight during a stop. */
function gate(): { service: ServiceSchema; entered: Promise<void>; release: () => void } {
	let release = (): void => undefined;
	let entered = (): void => undefined;
	const released = new Promise<void>((resolve) => (release = resolve));
	const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
	const service: ServiceSchema = {
		name: "slow",
		actions: {
			wait: {
				visibility: "published",
				permissions: ["public"],
				rest: "GET /wait",
				async handler(ctx: Context): Promise<{ done: boolean; requestID: string | null }> {
					entered();
					await released;
					return { done: true, requestID: ctx.requestID };
				}
			}
		}
	};
	return { service, entered: enteredPromise, release };
}

describe("edge server before the broker starts", () => {
	it("answers probes on the port at once and hands over to the gateway on the same port", async () => {
		const broker = makeBroker();
		broker.createService(GatewayService({ port: 0 }));
		brokers.push(broker);
		const edge = await openEdgeServer(broker, 0, "127.0.0.1");
		const base = `http://127.0.0.1:${edge.port}`;

		expect((await request(`${base}/healthz`)).status).toBe(200);
		const notReady = await request(`${base}/readyz`);
		expect(notReady.status).toBe(503);
		expect(notReady.body).toEqual({ status: "not-ready", reasons: ["starting: services are starting"] });
		const api = await request(`${base}/api/v1/anything`);
		expect(api.status).toBe(503);
		expect(errorOf(api).type).toBe("STARTING");
		expect(api.headers.get("x-request-id")).toBeTruthy();

		await broker.start();
		const ready = await request(`${base}/readyz`);
		expect(ready.status).toBe(200);
		expect(ready.body).toEqual({ status: "ready" });

		await broker.stop();
		// The entrypoint's server closes with the broker.
		await waitFor(async () => !(await portAccepts(edge.port)), { message: "the port to close after the broker stopped" });
	});

	it("says it is connecting to the transporter while NATS is unreachable (real entrypoint)", async () => {
		const port = await freePort();
		const child = new ManagedChild({
			name: "gateway-node",
			command: process.execPath,
			args: [path.join(ROOT, "bin/node.ts")],
			cwd: ROOT,
			env: {
				...process.env,
				NODE_ENV: "test",
				PORT: String(port),
				SERVICES: "gateway",
				NAMESPACE: randomNamespace(),
				// Nothing listens on port 1: the broker keeps trying to connect.
				TRANSPORTER: "nats://127.0.0.1:1"
			}
		});
		children.push(child);
		const base = `http://127.0.0.1:${port}`;
		const readyz = await waitFor(() => request(`${base}/readyz`, {}, 2_000), { timeoutMs: 20_000, message: () => `the port to answer\n${child.describe()}` });
		expect(readyz.status).toBe(503);
		expect(readyz.body).toEqual({ status: "not-ready", reasons: ["starting: connecting to the transporter"] });
		expect((await request(`${base}/healthz`)).status).toBe(200);
		const api = await request(`${base}/api/v1/web/bills`);
		expect(api.status).toBe(503);
		expect(errorOf(api).message).toContain("connecting to the transporter");

		// Moleculer's own SIGTERM handler stops the broker that is still connecting, and the process ends.
		child.signal("SIGTERM");
		const exit = await child.waitForExit(15_000);
		expect(exit.code).toBe(0);
	});

	it("becomes ready on the same port once NATS is reachable (real entrypoint)", async () => {
		const port = await freePort();
		const child = new ManagedChild({
			name: "gateway-node",
			command: process.execPath,
			args: [path.join(ROOT, "bin/node.ts")],
			cwd: ROOT,
			env: { ...process.env, NODE_ENV: "test", PORT: String(port), SERVICES: "gateway", NAMESPACE: randomNamespace(), TRANSPORTER: NATS_URL }
		});
		children.push(child);
		const ready = await waitFor(
			async () => {
				const res = await request(`http://127.0.0.1:${port}/readyz`, {}, 2_000);
				return res.status === 200 ? res : undefined;
			},
			{ timeoutMs: 30_000, message: () => `readiness\n${child.describe()}` }
		);
		expect(ready.body).toEqual({ status: "ready" });
		child.signal("SIGTERM");
		expect((await child.waitForExit(15_000)).code).toBe(0);
	});
});

describe("draining", () => {
	it("turns /readyz to 503 as the broker stops, finishes the request in flight, and ends event streams", async () => {
		const slow = gate();
		const { broker, baseUrl } = await startGatewayNode([slow.service]);
		brokers.push(broker);

		const stream = await fetch(`${baseUrl}/api/v1/events`, { headers: bearer(operatorToken()), signal: AbortSignal.timeout(20_000) });
		expect(stream.status).toBe(200);
		const inFlight = request(`${baseUrl}/api/v1/slow/wait`, { headers: { "X-Request-Id": "drain-1" } });
		await slow.entered;

		const stopping = broker.stop();
		const draining = await waitFor(
			async () => {
				const res = await request(`${baseUrl}/readyz`, {}, 2_000);
				return res.status === 503 ? res : undefined;
			},
			{ message: "readiness to turn 503 during the stop" }
		);
		expect(draining.body).toEqual({ status: "not-ready", reasons: ["stopping: the node is draining"] });
		// The stream is ended by the server, not left to hold the node open.
		await expect(stream.text()).resolves.toContain(": connected");

		slow.release();
		const done = await inFlight;
		expect(done.status).toBe(200);
		expect(done.body).toEqual({ done: true, requestID: "drain-1" });
		await stopping;
		brokers.splice(brokers.indexOf(broker), 1);
	});
});

describe("metrics", () => {
	it("serves the cluster's Prometheus text from the registry, with or without a reporter", async () => {
		const { broker, baseUrl } = await startGatewayNode([], {
			tweak: (options) => {
				options.metrics = { enabled: true, reporter: [{ type: "Prometheus", options: { port: 0 } }] };
			}
		});
		brokers.push(broker);
		const res = await request(`${baseUrl}/metrics`, { headers: bearer(operatorToken()) });
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
		expect(res.text).toMatch(new RegExp(`^moleculer_broker_started\\{.*node_id="${broker.nodeID}".*\\} 1$`, "m"));
	});
});
