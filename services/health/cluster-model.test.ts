/**
 * The status rules and the transition bookkeeping, on facts made by hand (no broker needed:
 * the model is pure by design; the service tests exercise it on a real cluster).
 */
import { describe, expect, it } from "vitest";
import { ClusterModel, type NodeFacts } from "./cluster-model.ts";
import { MemoryTransitionLog } from "./transition-log.ts";
import type { Transition } from "./health.contract.ts";

const T0 = new Date("2026-11-25T10:00:00.000Z");
const later = (ms: number): Date => new Date(T0.getTime() + ms);

function node(id: string, services: string[], available = true): NodeFacts {
	return {
		id,
		hostname: "host",
		ipList: ["10.0.0.1"],
		versions: { node: "v24.21.0", moleculer: "0.15.2", platform: "0.1.0" },
		startedAt: T0.toISOString(),
		local: false,
		available,
		lastSeen: T0.toISOString(),
		services: services.map((name) => ({ name, healthCheck: true }))
	};
}

const brief = (ts: Transition[]): string[] => ts.map((t) => `${t.kind} ${t.id} ${t.from}>${t.to}`);

describe("ClusterModel", () => {
	it("reports a node and its services once, and nothing when the same facts come again", () => {
		const model = new ClusterModel("observer", () => 1);
		expect(brief(model.observeNodes([node("n1", ["web"])], T0))).toEqual(["node n1 unknown>up", "service web unknown>up"]);
		expect(model.observeNodes([node("n1", ["web"])], later(1_000))).toEqual([]);
		expect(model.observeNodes([node("n1", ["web"])], later(2_000))).toEqual([]);
		const [view] = model.nodeViews(later(65_000));
		expect(view).toMatchObject({ id: "n1", state: "up", uptimeSec: 65, services: ["web"] });
	});

	it("marks a node down with its reason, keeps its last services, and takes its service down", () => {
		const model = new ClusterModel("observer", () => 1);
		model.observeNodes([node("n1", ["web"]), node("n2", ["auth"])], T0);
		const out = model.observeNodes([node("n1", [], false), node("n2", ["auth"])], later(10), new Map([["n1", "lost"]]));
		expect(brief(out)).toEqual(["node n1 up>down", "service web up>down"]);
		expect(out[0]?.reason).toBe("lost");
		const n1 = model.nodeViews(later(20)).find((n) => n.id === "n1");
		expect(n1).toMatchObject({ state: "down", reason: "lost", services: ["web"], uptimeSec: null });
		expect(model.serviceViews().find((s) => s.name === "web")).toMatchObject({ status: "down", live: 0, reasons: ["no live replica"] });
		// A node the registry forgot altogether is down too.
		expect(brief(model.observeNodes([node("n1", [], false)], later(30)))).toEqual(["node n2 up>down", "service auth up>down"]);
	});

	it("degrades a service below its wanted replicas and restores it when enough are live", () => {
		const model = new ClusterModel("observer", (s) => (s === "web" ? 2 : 1));
		const out = model.observeNodes([node("n1", ["web"])], T0);
		expect(brief(out)).toContain("service web unknown>degraded");
		expect(model.serviceViews()[0]?.reasons).toEqual(["1 of 2 wanted replicas live"]);
		expect(brief(model.observeNodes([node("n1", ["web"]), node("n2", ["web"])], later(10)))).toEqual(["node n2 unknown>up", "service web degraded>up"]);
		expect(model.status()).toBe("up");
	});

	it("degrades a service while a replica's health check fails, and ignores checks from nodes that are down", () => {
		const model = new ClusterModel("observer", () => 1);
		model.observeNodes([node("n1", ["web"]), node("n2", ["web"])], T0);
		const failing = { ok: false, at: T0.toISOString(), reasons: ["database: connection refused"] };
		expect(brief(model.recordChecks([{ service: "web", nodeID: "n2", outcome: failing }], later(10)))).toEqual(["service web up>degraded"]);
		expect(model.serviceViews()[0]?.reasons).toEqual(["health check failed on n2: database: connection refused"]);
		// The same failure again is no news.
		expect(model.recordChecks([{ service: "web", nodeID: "n2", outcome: failing }], later(20))).toEqual([]);
		// The failing replica goes away: its result goes with it, and one healthy replica is enough.
		expect(brief(model.observeNodes([node("n1", ["web"]), node("n2", [], false)], later(30)))).toEqual(["node n2 up>down", "service web degraded>up"]);
		expect(model.recordChecks([{ service: "web", nodeID: "n2", outcome: failing }], later(40))).toEqual([]);
	});

	it("follows circuits: open degrades, half-open does not, a node going down closes them", () => {
		const model = new ClusterModel("observer", () => 1);
		model.observeNodes([node("caller", ["gateway"]), node("n1", ["web"])], T0);
		const report = { reporter: "caller", nodeID: "n1", service: "web", action: "web.list" };
		expect(brief(model.recordCircuit({ ...report, state: "open" }, later(10)))).toEqual(["circuit web.list@n1 closed>open", "service web up>degraded"]);
		expect(model.recordCircuit({ ...report, state: "open" }, later(11))).toEqual([]);
		expect(brief(model.recordCircuit({ ...report, state: "half-open" }, later(20)))).toEqual(["circuit web.list@n1 open>half-open", "service web degraded>up"]);
		expect(brief(model.recordCircuit({ ...report, state: "open" }, later(30)))).toEqual(["circuit web.list@n1 half-open>open", "service web up>degraded"]);
		expect(model.serviceViews().find((s) => s.name === "web")?.openCircuits).toEqual(["web.list@n1"]);
		const out = model.observeNodes([node("caller", [], false), node("n1", ["web"])], later(40));
		expect(brief(out)).toEqual(["node caller up>down", "circuit web.list@n1 open>closed", "service gateway up>down", "service web degraded>up"]);
		expect(out[1]?.reason).toBe("node caller is down");
	});

	it("treats the breakers of several nodes on one endpoint as one circuit", () => {
		const model = new ClusterModel("observer", () => 1);
		model.observeNodes([node("caller", ["gateway"]), node("n1", ["web"])], T0);
		const base = { nodeID: "n1", service: "web", action: "web.list" };
		// Moleculer trips the callee's own breaker and the caller's: one change, reported twice.
		expect(brief(model.recordCircuit({ ...base, reporter: "caller", state: "open" }, later(10)))).toEqual(["circuit web.list@n1 closed>open", "service web up>degraded"]);
		expect(model.recordCircuit({ ...base, reporter: "n1", state: "open" }, later(11))).toEqual([]);
		// Still open while one of them has it open.
		expect(model.recordCircuit({ ...base, reporter: "caller", state: "closed" }, later(20))).toEqual([]);
		expect(brief(model.recordCircuit({ ...base, reporter: "n1", state: "closed" }, later(21)))).toEqual(["circuit web.list@n1 open>closed", "service web degraded>up"]);
	});

	it("prunes nodes and services that have been down longer than the retention", () => {
		const model = new ClusterModel("observer", () => 1);
		model.observeNodes([node("n1", ["web"])], T0);
		model.observeNodes([node("n1", [], false)], later(10));
		model.prune(later(5_000), 10_000);
		expect(model.nodeViews(later(5_000))).toHaveLength(1);
		model.prune(later(20_000), 10_000);
		expect(model.nodeViews(later(20_000))).toEqual([]);
		expect(model.serviceViews()).toEqual([]);
	});
});

describe("MemoryTransitionLog", () => {
	const t = (i: number, kind: Transition["kind"] = "node"): Transition => ({ kind, id: `n${i}`, from: "up", to: "down", at: later(i).toISOString(), observer: "o" });

	it("keeps the newest `capacity` transitions, newest first, filtered by kind and id", async () => {
		const log = new MemoryTransitionLog(3);
		for (let i = 1; i <= 5; i++) await log.append(t(i, i % 2 === 0 ? "service" : "node"));
		expect((await log.list({ limit: 10 })).map((x) => x.id)).toEqual(["n5", "n4", "n3"]);
		expect((await log.list({ limit: 1 })).map((x) => x.id)).toEqual(["n5"]);
		expect((await log.list({ limit: 10, kind: "service" })).map((x) => x.id)).toEqual(["n4"]);
		expect((await log.list({ limit: 10, id: "n3" })).map((x) => x.id)).toEqual(["n3"]);
	});

	it("refuses a capacity that cannot hold anything", () => {
		expect(() => new MemoryTransitionLog(0)).toThrow(/capacity/);
	});
});
