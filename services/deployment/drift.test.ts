/**
 * Drift rules on plain facts: missing and extra replicas, a node on another version, services the
 * topology does not name, down nodes, and drift a rollout causes.
 */
import { describe, expect, it } from "vitest";
import type { Topology } from "./deployment.contract.ts";
import { type LiveNode, computeDrift } from "./drift.ts";

const at = new Date("2026-12-01T10:00:00Z");

function topology(services: Topology["services"]): Topology {
	return { version: 3, services, changedBy: "user:u1", reason: "test", changedAt: at.toISOString() };
}

function node(id: string, services: string[], platform: string | null = "1.0.0", state: LiveNode["state"] = "up"): LiveNode {
	return { id, state, services, versions: { platform } };
}

describe("drift", () => {
	it("is in sync when every named service has its replicas on its version", () => {
		const report = computeDrift(topology({ web: { replicas: 2, version: "1.0.0" }, etl: { replicas: 1, version: null } }), [node("a", ["web", "etl"]), node("b", ["web"], "1.0.0")], new Set(), at);
		expect(report).toEqual({ at: at.toISOString(), topologyVersion: 3, inSync: true, items: [] });
	});

	it("names missing replicas, extra replicas and nodes on another version", () => {
		const nodes = [node("a", ["web", "etl"], "1.0.0"), node("b", ["etl"], "0.9.0"), node("c", ["etl"]), node("d", ["web"], "1.0.0", "down")];
		const report = computeDrift(topology({ web: { replicas: 2, version: "1.0.0" }, etl: { replicas: 1, version: "1.0.0" }, viz: { replicas: 1, version: null } }), nodes, new Set(), at);
		expect(report.inSync).toBe(false);
		expect(report.items.map((i) => [i.subject, i.wanted, i.live, i.nodes])).toEqual([
			["etl/extra_replicas", 1, 3, ["a", "b", "c"]],
			["etl/version_mismatch", 1, 3, ["b"]],
			["viz/missing_replicas", 1, 0, []],
			// The down node does not count.
			["web/missing_replicas", 2, 1, ["a"]]
		]);
		expect(report.items[1]?.summary).toBe("etl: version 1.0.0 wanted; b runs 0.9.0");
	});

	it("ignores services the topology does not name, and marks a rollout's drift as expected", () => {
		const report = computeDrift(topology({ web: { replicas: 2, version: null } }), [node("a", ["web", "echo"])], new Set(["web"]), at);
		expect(report.items).toEqual([expect.objectContaining({ subject: "web/missing_replicas", expected: true })]);
	});

	it("wants none of a service at 0 replicas", () => {
		const report = computeDrift(topology({ admin: { replicas: 0, version: null } }), [node("a", ["admin"])], new Set(), at);
		expect(report.items.map((i) => i.subject)).toEqual(["admin/extra_replicas"]);
	});
});
