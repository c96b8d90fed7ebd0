/**
 * The health service on a real cluster: in-process brokers over the real NATS, each test in a
 * namespace of its own. Checks run every 200 ms here so that rounds are quick to wait for.
 */
import os from "node:os";
import type { Service, ServiceBroker, ServiceSchema } from "moleculer";
import { Errors } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { HealthMixin, addHealthCheck } from "../../mixins/health.mixin.ts";
import type { ClusterSummary } from "./health.contract.ts";
import { makeBroker, randomNamespace, transitionRecorder, waitFor } from "../../test/kits/health-test-kit.ts";
import healthService, { type HealthSettings } from "./health.service.ts";
import type { Transition } from "./health.contract.ts";

const FAST_HEALTH: ServiceSchema<HealthSettings> = { name: "health", mixins: [healthService], settings: { checkIntervalMs: 200, checkTimeoutMs: 1_000 } };

const started: ServiceBroker[] = [];

async function startBroker(ns: string, nodeID: string, schemas: (ServiceSchema | ServiceSchema<HealthSettings>)[]): Promise<ServiceBroker> {
	const broker = makeBroker(ns, nodeID);
	for (const s of schemas) broker.createService(s);
	started.push(broker);
	await broker.start();
	return broker;
}

afterEach(async () => {
	await Promise.all(started.splice(0).map((b) => b.stop()));
});

const cluster = (b: ServiceBroker): Promise<ClusterSummary> => b.call("health.cluster") as Promise<ClusterSummary>;
const transitionsOf = async (b: ServiceBroker, id: string): Promise<Transition[]> =>
	((await b.call("health.transitions", { id })) as { transitions: Transition[] }).transitions;
const key = (t: Transition): string => `${t.kind} ${t.id} ${t.from}>${t.to}`;

/** Waits until the health service on `b` has completed two more rounds of checks than now. */
async function twoMoreRounds(b: ServiceBroker): Promise<void> {
	const ownCheckAt = async (): Promise<number> => {
		const s = (await cluster(b)).services.find((x) => x.name === "health");
		return Date.parse(s?.checks.find((c) => c.nodeID === b.nodeID)?.at ?? "0");
	};
	const first = await waitFor("a first health round", async () => (await ownCheckAt()) || undefined);
	const second = await waitFor("another round", async () => ((await ownCheckAt()) > first ? ownCheckAt() : undefined));
	await waitFor("a third round", async () => (await ownCheckAt()) > second);
}

describe("health service", () => {
	it("shows a node that joins as up, and as down once it stops gracefully", async () => {
		const ns = randomNamespace();
		const recorder = transitionRecorder();
		const a = await startBroker(ns, "a-health", [FAST_HEALTH]);
		// The recorder is on another node: the event must cross NATS.
		await startBroker(ns, "c-listener", [recorder.schema]);
		const b = await startBroker(ns, "b-worker", [{ name: "probe", mixins: [HealthMixin()] }]);

		const up = await waitFor("b-worker and probe up", async () => {
			const c = await cluster(a);
			const ok = c.nodes.some((n) => n.id === "b-worker" && n.state === "up") && c.services.some((s) => s.name === "probe" && s.status === "up");
			return ok ? c : undefined;
		});
		expect(up.nodes.find((n) => n.id === "b-worker")).toMatchObject({
			hostname: os.hostname(),
			versions: { node: process.version, moleculer: expect.stringMatching(/^0\.15\./) as unknown },
			services: ["probe"],
			state: "up"
		});
		expect(up.nodes.find((n) => n.id === "b-worker")?.uptimeSec).toBeGreaterThanOrEqual(0);
		expect(up.services.find((s) => s.name === "probe")).toMatchObject({ nodes: ["b-worker"], live: 1, wanted: 1 });

		await b.stop();
		const down = await waitFor("b-worker down", async () => {
			const c = await cluster(a);
			return c.nodes.some((n) => n.id === "b-worker" && n.state === "down") ? c : undefined;
		});
		expect(down.nodes.find((n) => n.id === "b-worker")?.reason).toBe("left the cluster gracefully");
		expect(down.services.find((s) => s.name === "probe")).toMatchObject({ status: "down", live: 0 });
		expect(down.status).toBe("down");

		expect((await transitionsOf(a, "b-worker")).map(key)).toEqual(["node b-worker up>down", "node b-worker unknown>up"]);
		expect((await transitionsOf(a, "probe")).map(key)).toEqual(["service probe up>down", "service probe unknown>up"]);

		// Let more rounds and registry events pass, then count: each transition arrived exactly once.
		await twoMoreRounds(a);
		const seen = recorder.seen.filter((t) => t.id === "b-worker" || t.id === "probe").map(key);
		expect(seen.sort()).toEqual(["node b-worker unknown>up", "node b-worker up>down", "service probe unknown>up", "service probe up>down"]);
	});

	it("degrades a service whose health check fails and restores it when the check recovers", async () => {
		const ns = randomNamespace();
		const recorder = transitionRecorder();
		const a = await startBroker(ns, "a-health", [FAST_HEALTH, recorder.schema]);
		let dependencyUp = true;
		await startBroker(ns, "b-worker", [
			{
				name: "probe",
				mixins: [HealthMixin()],
				created(this: Service) {
					addHealthCheck(this, "dependency", () => (dependencyUp ? Promise.resolve("reachable") : Promise.reject(new Error("connection refused"))));
				}
			}
		]);
		await waitFor("probe up", async () => (await cluster(a)).services.some((s) => s.name === "probe" && s.status === "up" && s.checks.length === 1));

		dependencyUp = false;
		const degraded = await waitFor("probe degraded", async () => (await cluster(a)).services.find((s) => s.name === "probe" && s.status === "degraded"));
		expect(degraded.reasons).toEqual(["health check failed on b-worker: dependency: connection refused"]);
		expect(degraded.checks).toMatchObject([{ nodeID: "b-worker", ok: false }]);
		expect((await cluster(a)).status).toBe("degraded");

		dependencyUp = true;
		await waitFor("probe up again", async () => (await cluster(a)).services.some((s) => s.name === "probe" && s.status === "up"));
		await twoMoreRounds(a);

		const expected = ["service probe unknown>up", "service probe up>degraded", "service probe degraded>up"];
		expect((await transitionsOf(a, "probe")).map(key).reverse()).toEqual(expected);
		expect(recorder.seen.filter((t) => t.id === "probe").map(key)).toEqual(expected);
		expect(recorder.seen.find((t) => t.to === "degraded")?.reason).toContain("connection refused");
	});

	it("fails a replica whose health check does not answer in time", async () => {
		const ns = randomNamespace();
		const a = await startBroker(ns, "a-health", [{ ...FAST_HEALTH, settings: { checkIntervalMs: 200, checkTimeoutMs: 300 } }]);
		await startBroker(ns, "b-worker", [
			{
				name: "stuck",
				mixins: [HealthMixin()],
				created(this: Service) {
					// Never settles; the mixin's own 2 s limit is longer than the health service's 300 ms call timeout.
					addHealthCheck(this, "dependency", () => new Promise<string>(() => undefined));
				}
			}
		]);
		const stuck = await waitFor("stuck degraded", async () => (await cluster(a)).services.find((s) => s.name === "stuck" && s.status === "degraded"));
		expect(stuck.reasons[0]).toMatch(/^health check failed on b-worker: no answer: .*timed out/i);
	});

	it("degrades a service while a caller's circuit to it is open", async () => {
		const ns = randomNamespace();
		const a = await startBroker(ns, "a-health", [FAST_HEALTH]);
		let failing = true;
		await startBroker(ns, "b-worker", [
			{
				name: "flaky",
				mixins: [HealthMixin()],
				actions: {
					work: {
						visibility: "public",
						// Small numbers so the breaker trips after a few calls and half-opens quickly.
						circuitBreaker: { minRequestCount: 4, threshold: 0.5, halfOpenTime: 500 },
						handler(): string {
							if (failing) throw new Errors.MoleculerError("backend unavailable", 500, "BACKEND_DOWN");
							return "done";
						}
					}
				}
			}
		]);
		await waitFor("flaky up", async () => (await cluster(a)).services.some((s) => s.name === "flaky" && s.status === "up"));

		for (let i = 0; i < 4; i++) await expect(a.call("flaky.work")).rejects.toThrow("backend unavailable");
		const open = await waitFor("flaky degraded", async () => (await cluster(a)).services.find((s) => s.name === "flaky" && s.status === "degraded"));
		expect(open.openCircuits).toEqual(["flaky.work@b-worker"]);

		failing = false;
		// After halfOpenTime the breaker lets one call through; its success closes the circuit.
		await waitFor("the circuit half-open", async () => (await transitionsOf(a, "flaky.work@b-worker")).some((t) => t.to === "half-open"));
		await expect(a.call("flaky.work")).resolves.toBe("done");
		await waitFor("flaky up again", async () => (await cluster(a)).services.some((s) => s.name === "flaky" && s.status === "up"));
		expect((await transitionsOf(a, "flaky.work@b-worker")).map(key).reverse()).toEqual([
			"circuit flaky.work@b-worker closed>open",
			"circuit flaky.work@b-worker open>half-open",
			"circuit flaky.work@b-worker half-open>closed"
		]);
	});

	it("announces each transition once when several health replicas run", async () => {
		const ns = randomNamespace();
		const recorder = transitionRecorder();
		const a = await startBroker(ns, "a-health", [FAST_HEALTH]);
		const b = await startBroker(ns, "b-health", [FAST_HEALTH, recorder.schema]);
		await waitFor("both replicas seen by each other", async () => {
			const [ca, cb] = await Promise.all([cluster(a), cluster(b)]);
			return [ca, cb].every((c) => c.services.find((s) => s.name === "health")?.live === 2);
		});
		await startBroker(ns, "c-worker", [{ name: "probe", mixins: [HealthMixin()] }]);
		// Both replicas record it in their own history...
		for (const h of [a, b]) await waitFor(`c-worker in ${h.nodeID}'s history`, async () => (await transitionsOf(h, "c-worker")).length === 1);
		await twoMoreRounds(a);
		// ...but only the replica with the lowest node id announces it.
		expect(recorder.seen.filter((t) => t.id === "c-worker").map((t) => `${key(t)} by ${t.observer}`)).toEqual(["node c-worker unknown>up by a-health"]);
	});

	it("answers bad query parameters with a validation error", async () => {
		const ns = randomNamespace();
		const a = await startBroker(ns, "a-health", [FAST_HEALTH]);
		await expect(a.call("health.transitions", { limit: "many" })).rejects.toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
		await expect(a.call("health.transitions", { limit: 0 })).rejects.toMatchObject({ code: 422 });
		await expect(a.call("health.transitions", { kind: "planet" })).rejects.toMatchObject({ code: 422 });
		// Query strings arrive as text: a numeric one is accepted.
		await expect(a.call("health.transitions", { limit: "5" })).resolves.toMatchObject({ transitions: expect.any(Array) as unknown });
	});
});
