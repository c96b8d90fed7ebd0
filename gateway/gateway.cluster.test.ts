/**
 * The gateway in front of another node over the real NATS: a response too big for NATS, and the
 * only node offering an action vanishing without a goodbye.
 */
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../test/helpers/wait-for.ts";
import { type JsonResponse, NATS_URL, errorOf, makeBroker, randomNamespace, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";

/** Long enough that a 503 seen before it cannot have come from waiting for the timeout. */
const REQUEST_TIMEOUT = 30_000;

const remoteService: ServiceSchema = {
	name: "remote",
	actions: {
		hello: { visibility: "published", permissions: ["public"], rest: "GET /hello", handler: (): { hello: string } => ({ hello: "from the worker" }) },
		huge: {
			visibility: "published",
			permissions: ["public"],
			rest: "GET /huge",
			handler: (): { blob: string } => ({ blob: "x".repeat(5 * 1024 * 1024) })
		}
	}
};

const brokers: ServiceBroker[] = [];

afterEach(async () => {
	await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function startPair(): Promise<{ gateway: ServiceBroker; worker: ServiceBroker; baseUrl: string }> {
	const namespace = randomNamespace();
	const setup = { namespace, transporter: NATS_URL, requestTimeout: REQUEST_TIMEOUT };
	const worker = makeBroker({ ...setup, nodeID: `worker-${namespace}` });
	worker.createService(remoteService);
	brokers.push(worker);
	await worker.start();
	const { broker: gateway, baseUrl } = await startGatewayNode([], { ...setup, nodeID: `gateway-${namespace}` });
	brokers.push(gateway);
	// The worker's routes appear once the gateway has discovered it and rebuilt its aliases.
	await waitFor(
		async () => {
			const res = await request(`${baseUrl}/api/v1/remote/hello`, {}, 5_000);
			return res.status === 200 ? res : undefined;
		},
		{ message: "the worker's route on the gateway" }
	);
	return { gateway, worker, baseUrl };
}

describe("gateway in a cluster", () => {
	it("turns a 5 MB response from another node into a JSON 502, with both nodes still serving", async () => {
		const { gateway, worker, baseUrl } = await startPair();
		const res = await request(`${baseUrl}/api/v1/remote/huge`);
		expect(res.status).toBe(502);
		expect(errorOf(res)).toMatchObject({ type: "PAYLOAD_TOO_LARGE", code: 502 });
		expect(res.text.length).toBeLessThan(1_000);

		expect((await request(`${baseUrl}/api/v1/remote/hello`)).body).toEqual({ hello: "from the worker" });
		expect(gateway.started && worker.started).toBe(true);
		expect(gateway.registry.nodes.get(worker.nodeID)?.available).toBe(true);
	});

	it("answers 503, never 404 or a hang, when the only node offering the action vanishes", async () => {
		const { gateway, worker, baseUrl } = await startPair();

		// Cut the worker off NATS without the goodbye a graceful stop sends, as a crash would.
		await worker.transit?.tx.disconnect();

		// Whether the gateway still lists the worker (the request is rejected once the worker is
		// declared gone) or not (no endpoint), the client gets 503 long before the request timeout.
		const first = await request(`${baseUrl}/api/v1/remote/hello`, {}, REQUEST_TIMEOUT - 5_000);
		expect(first.status).toBe(503);
		expect(errorOf(first).type).not.toBe("REQUEST_TIMEOUT");
		expect(first.headers.get("retry-after")).toBe("1");

		await waitFor(() => gateway.registry.nodes.get(worker.nodeID)?.available === false, { message: "the gateway to declare the worker gone" });
		// moleculer-web rebuilds its routes after the registry change; the vanished route must stay 503.
		const regenerated = new Promise<void>((resolve) => gateway.localBus.once("$api.aliases.regenerated", () => resolve()));
		await waitFor(() => Promise.race([regenerated.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 100))]), {
			message: "the gateway to rebuild its routes"
		});
		const later: JsonResponse = await request(`${baseUrl}/api/v1/remote/hello`);
		expect(later.status).toBe(503);
		expect(errorOf(later)).toMatchObject({ code: 503 });
		// A route that never existed is still a 404.
		expect((await request(`${baseUrl}/api/v1/remote/never-existed`)).status).toBe(404);
	});
});
