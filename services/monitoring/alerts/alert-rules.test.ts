import { describe, expect, it } from "vitest";
import type { ClusterSummary } from "../../health/health.contract.ts";
import { LEFT_GRACEFULLY, LOST_HEARTBEAT } from "../../health/health.contract.ts";
import { DEFAULT_THRESHOLDS, ThresholdSource, ThresholdsError, parseThresholds } from "../thresholds.ts";
import { type ActiveAlert, planChanges } from "./alert-lifecycle.ts";
import { evaluateRules, scheduleIntervalMs } from "./alert-rules.ts";
import { TrafficWindow, quantileFromBuckets } from "./traffic-window.ts";

const now = new Date("2026-12-01T12:00:00Z");

function health(nodes: { id: string; state: "up" | "down"; reason?: string }[], services: { name: string; live: number; wanted: number; openCircuits?: string[] }[] = []): ClusterSummary {
	return {
		nodes: nodes.map((n) => ({ ...n, hostname: null, ipList: [], versions: { node: null, moleculer: null, platform: null }, local: false, since: now.toISOString(), startedAt: null, uptimeSec: null, lastSeen: now.toISOString(), services: [] })),
		services: services.map((s) => ({ ...s, status: s.live >= s.wanted ? "up" : "down", since: now.toISOString(), reasons: [], nodes: [], checks: [], openCircuits: s.openCircuits ?? [] }))
	} as unknown as ClusterSummary;
}

describe("alert rules", () => {
	it("fires node_down for a lost node but not for one stopped on purpose, and replica and circuit rules from health", () => {
		const { conditions, evaluated } = evaluateRules(
			{ health: health([{ id: "a", state: "down", reason: LOST_HEARTBEAT }, { id: "b", state: "down", reason: LEFT_GRACEFULLY }, { id: "c", state: "up" }], [{ name: "viz", live: 0, wanted: 1, openCircuits: ["viz.chart@c"] }, { name: "web", live: 2, wanted: 2 }]) },
			DEFAULT_THRESHOLDS,
			now
		);
		expect(conditions.map((c) => `${c.rule}:${c.subject}`)).toEqual(["node_down:a", "service_replicas:viz", "circuit_open:viz.chart@c"]);
		expect(evaluated.has("error_rate")).toBe(false);
	});

	it("fires error_rate and latency_p99 over their thresholds with enough calls only", () => {
		const traffic = [
			{ service: "web", requests: 100, errors: 10, errorRate: 0.1, p99Ms: 2_000 },
			{ service: "viz", requests: 5, errors: 5, errorRate: 1, p99Ms: 5_000 },
			{ service: "auth", requests: 100, errors: 1, errorRate: 0.01, p99Ms: 20 }
		];
		const { conditions } = evaluateRules({ traffic }, DEFAULT_THRESHOLDS, now);
		expect(conditions.map((c) => `${c.rule}:${c.subject}`)).toEqual(["error_rate:web", "latency_p99:web"]);
	});

	it("fires etl_failed for a failed latest run and stale_data past factor × schedule interval", () => {
		const daily = "0 3 * * *";
		expect(scheduleIntervalMs(daily, now)).toBe(86_400_000);
		const etl = [
			{ source: "legisinfo", cron: daily, lastFinished: { id: "r1", status: "failed", finishedAt: now.toISOString(), error: "HTTP 500" }, lastSucceededAt: new Date(now.getTime() - 3 * 86_400_000).toISOString(), firstRunAt: null },
			{ source: "ocd", cron: daily, lastFinished: { id: "r2", status: "succeeded", finishedAt: now.toISOString(), error: null }, lastSucceededAt: new Date(now.getTime() - 86_400_000).toISOString(), firstRunAt: null },
			{ source: "openparliament", cron: null, lastFinished: null, lastSucceededAt: null, firstRunAt: null }
		];
		const { conditions } = evaluateRules({ etl }, DEFAULT_THRESHOLDS, now);
		expect(conditions.map((c) => `${c.rule}:${c.subject}`)).toEqual(["etl_failed:legisinfo", "stale_data:legisinfo"]);
	});

	it("fires the backlog rule over its threshold", () => {
		expect(evaluateRules({ backlog: 101 }, DEFAULT_THRESHOLDS, now).conditions.map((c) => c.rule)).toEqual(["notification_backlog"]);
		expect(evaluateRules({ backlog: 100 }, DEFAULT_THRESHOLDS, now).conditions).toEqual([]);
	});

	it("turns drift from the wanted topology into one condition per item, except a rollout's own", () => {
		const drift = [
			{ kind: "missing_replicas", service: "web", subject: "web/missing_replicas", live: 1, summary: "web: 1 of 2 wanted replicas live", expected: false },
			{ kind: "version_mismatch", service: "etl", subject: "etl/version_mismatch", live: 2, summary: "etl: 2.0.0 wanted", expected: true }
		];
		const { conditions, evaluated } = evaluateRules({ drift }, DEFAULT_THRESHOLDS, now);
		expect(conditions).toEqual([{ rule: "deployment_drift", subject: "web/missing_replicas", severity: "warning", summary: "web: 1 of 2 wanted replicas live", value: 1 }]);
		expect(evaluated.has("deployment_drift")).toBe(true);
		// No deployment node answered: the rule is not evaluated, so its alerts keep their state.
		expect(evaluateRules({}, DEFAULT_THRESHOLDS, now).evaluated.has("deployment_drift")).toBe(false);
	});
});

describe("alert lifecycle", () => {
	const condition = { rule: "error_rate" as const, subject: "web", severity: "warning" as const, summary: "x", value: 0.2 };
	const evaluated = new Set(["error_rate" as const]);

	it("goes pending, then firing after the pending time, then resolved; one alert per rule and subject", () => {
		const opened = planChanges({ active: [], conditions: [condition, condition], evaluated, silences: [], thresholds: DEFAULT_THRESHOLDS, now });
		expect(opened).toEqual([{ kind: "open", condition, state: "pending", notify: false }]);
		const pending: ActiveAlert = { id: "1", rule: "error_rate", subject: "web", state: "pending", startedAt: new Date(now.getTime() - 30_000), notified: false };
		expect(planChanges({ active: [pending], conditions: [condition], evaluated, silences: [], thresholds: DEFAULT_THRESHOLDS, now })[0]?.kind).toBe("update");
		const due = { ...pending, startedAt: new Date(now.getTime() - DEFAULT_THRESHOLDS.pendingMs.errorRate) };
		expect(planChanges({ active: [due], conditions: [condition], evaluated, silences: [], thresholds: DEFAULT_THRESHOLDS, now })).toEqual([{ kind: "fire", id: "1", condition, notify: true }]);
		const firing: ActiveAlert = { ...due, state: "firing", notified: true };
		expect(planChanges({ active: [firing], conditions: [], evaluated, silences: [], thresholds: DEFAULT_THRESHOLDS, now })).toEqual([{ kind: "resolve", id: "1", wasFiring: true, notify: true }]);
		// Facts missing this time: nothing resolves.
		expect(planChanges({ active: [firing], conditions: [], evaluated: new Set(), silences: [], thresholds: DEFAULT_THRESHOLDS, now })).toEqual([]);
	});

	it("holds back alert.fired while silenced and sends it when the silence is gone", () => {
		const silences = [{ rule: "error_rate", subject: null, expiresAt: new Date(now.getTime() + 60_000) }];
		const thresholds = { ...DEFAULT_THRESHOLDS, pendingMs: { ...DEFAULT_THRESHOLDS.pendingMs, errorRate: 0 } };
		expect(planChanges({ active: [], conditions: [condition], evaluated, silences, thresholds, now })).toEqual([{ kind: "open", condition, state: "firing", notify: false }]);
		const firing: ActiveAlert = { id: "1", rule: "error_rate", subject: "web", state: "firing", startedAt: now, notified: false };
		expect(planChanges({ active: [firing], conditions: [condition], evaluated, silences, thresholds, now })[0]).toMatchObject({ kind: "update", notify: false });
		expect(planChanges({ active: [firing], conditions: [condition], evaluated, silences: [], thresholds, now })[0]).toMatchObject({ kind: "update", notify: true });
		// Never announced: its resolution is not announced either.
		expect(planChanges({ active: [firing], conditions: [], evaluated, silences, thresholds, now })[0]).toMatchObject({ kind: "resolve", notify: false });
	});
});

describe("traffic window", () => {
	const snapshot = (total: number, errors: number, buckets: Record<string, number>) => [
		{
			nodeID: "n1",
			metrics: [
				{ name: "moleculer.request.total", type: "counter", values: [{ labels: { service: "web", type: "local" }, value: total }, { labels: { service: "web", type: "remote" }, value: 1_000 }] },
				{ name: "moleculer.request.error.total", type: "counter", values: [{ labels: { service: "web", type: "local", errorCode: 500 }, value: errors }, { labels: { service: "web", type: "local", errorCode: 422 }, value: 50 }] },
				{ name: "moleculer.request.time", type: "histogram", values: [{ labels: { service: "web", type: "local" }, count: total, buckets }] }
			]
		}
	];

	it("computes the error rate and p99 of the window from cumulative counters, without client errors or remote calls", () => {
		const w = new TrafficWindow();
		w.add(0, snapshot(100, 0, { "10": 100, "100": 100, "1000": 100 }), 60_000);
		expect(w.services()).toBeUndefined();
		w.add(5_000, snapshot(200, 10, { "10": 110, "100": 190, "1000": 200 }), 60_000);
		const [web] = w.services() ?? [];
		expect(web).toMatchObject({ service: "web", requests: 100, errors: 10, errorRate: 0.1 });
		// 99th of 100 calls: in the (100, 1000] bucket, 9 of its 10 calls in.
		expect(web?.p99Ms).toBeCloseTo(100 + 900 * (9 / 10), 5);
	});

	it("treats a counter that went down as a restart", () => {
		const w = new TrafficWindow();
		w.add(0, snapshot(500, 100, { "10": 500 }), 60_000);
		w.add(1_000, snapshot(40, 2, { "10": 40 }), 60_000);
		expect(w.services()?.[0]).toMatchObject({ requests: 40, errors: 2 });
	});

	it("interpolates like histogram_quantile", () => {
		expect(quantileFromBuckets(0.5, new Map([[10, 0], [20, 10]]), 10)).toBe(15);
		expect(quantileFromBuckets(0.99, new Map([[10, 5]]), 10)).toBe(10);
		expect(quantileFromBuckets(0.99, new Map(), 0)).toBeNull();
	});
});

describe("thresholds", () => {
	it("reads ALERT_THRESHOLDS and refuses bad values with the field", () => {
		expect(parseThresholds('{"errorRate":0.2,"pendingMs":{"latency":0}}')).toMatchObject({ errorRate: 0.2, pendingMs: { latency: 0, errorRate: 60_000 } });
		expect(() => parseThresholds('{"errorRate":2}')).toThrow(/errorRate/);
		expect(() => parseThresholds('{"nope":1}')).toThrow(ThresholdsError);
		expect(() => parseThresholds("not json")).toThrow(/JSON/);
		const source = new ThresholdSource();
		expect(source.update({ p99LatencyMs: 250 }).p99LatencyMs).toBe(250);
		expect(() => source.update({ p99LatencyMs: -1 })).toThrow(/p99LatencyMs/);
		expect(source.current().p99LatencyMs).toBe(250);
	});
});
