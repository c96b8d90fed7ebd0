/**
 * A node whose NATS connection dies without a goodbye. The node reaches NATS through a TCP relay
 * the test cuts: the cluster must see it down within 3 s (FastDiscoverer), and the node itself must
 * know it lost NATS (no Moleculer event says so: the transporter monitor does) and recover.
 */
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { HealthMixin, runNodeHealthChecks } from "../../mixins/health.mixin.ts";
import { watchTransporter } from "../../mixins/transporter-monitor.ts";
import type { ClusterSummary } from "./health.contract.ts";
import { NatsRelay, makeBroker, randomNamespace, waitFor } from "../../test/kits/health-test-kit.ts";
import healthService, { type HealthSettings } from "./health.service.ts";
import type { Transition } from "./health.contract.ts";

const FAST_HEALTH: ServiceSchema<HealthSettings> = { name: "health", mixins: [healthService], settings: { checkIntervalMs: 200, checkTimeoutMs: 1_000 } };

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
	// Newest first: the brokers leave before the relay they talk through is closed.
	for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(broker: ServiceBroker, schemas: (ServiceSchema | ServiceSchema<HealthSettings>)[]): Promise<ServiceBroker> {
	for (const s of schemas) broker.createService(s);
	cleanups.push(() => broker.stop());
	await broker.start();
	return broker;
}

const cluster = (b: ServiceBroker): Promise<ClusterSummary> => b.call("health.cluster") as Promise<ClusterSummary>;
const history = async (b: ServiceBroker, id: string, kind?: Transition["kind"]): Promise<string[]> =>
	((await b.call("health.transitions", { id, ...(kind ? { kind } : {}) })) as { transitions: Transition[] }).transitions.map((t) => `${t.kind} ${t.from}>${t.to}`);

describe("a lost NATS connection", () => {
	it("takes the node down within 3 s for the cluster, is known to the node itself, and heals", async () => {
		const relay = new NatsRelay();
		const relayUrl = await relay.start();
		cleanups.push(() => relay.close());
		const ns = randomNamespace();

		const a = await start(makeBroker(ns, "a-health"), [FAST_HEALTH]);
		const b = await start(makeBroker(ns, "b-isolated", relayUrl), [FAST_HEALTH, { name: "probe", mixins: [HealthMixin()] }]);
		await waitFor("a sees b up", async () => (await cluster(a)).nodes.some((n) => n.id === "b-isolated" && n.state === "up"));
		expect((await runNodeHealthChecks(b)).ok).toBe(true);
		expect(watchTransporter(b).status().state).toBe("connected");

		relay.cut();

		// The rest of the cluster: heartbeats stop, FastDiscoverer declares it gone (the wait's deadline is the requirement).
		const seenDown = await waitFor(
			"a sees b down",
			async () => (await cluster(a)).nodes.find((n) => n.id === "b-isolated" && n.state === "down"),
			3_000,
			25
		);
		expect(seenDown.reason).toBe("no heartbeat within the timeout (unexpected)");

		// The node itself: readiness says why, although Moleculer's `transit.connected` does not change.
		const outage = await waitFor("b reports the outage", async () => {
			const h = await runNodeHealthChecks(b);
			return h.ok ? undefined : h;
		});
		expect(outage.reasons[0]).toMatch(/^transporter: not connected to NATS/);
		expect((await cluster(b)).transporter.state).toBe("disconnected");
		expect((await cluster(b)).status).not.toBe("up");
		expect(await history(b, "b-isolated")).toContain("transporter up>down");

		relay.restore();

		await waitFor("b reconnected", async () => (await runNodeHealthChecks(b)).ok, 15_000);
		await waitFor("a sees b up again", async () => (await cluster(a)).nodes.some((n) => n.id === "b-isolated" && n.state === "up"), 15_000);
		expect(await history(b, "b-isolated", "transporter")).toEqual(["transporter down>up", "transporter up>down"]);
		expect(await history(a, "b-isolated", "node")).toEqual(["node down>up", "node up>down", "node unknown>up"]);
		// Both health replicas share one history in the database: what a announced, b lists too.
		expect(await history(b, "b-isolated")).toEqual(expect.arrayContaining(["node up>down", "transporter up>down"]));
	});
});
