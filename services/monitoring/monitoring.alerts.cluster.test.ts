/**
 * Alerts on a real cluster (child processes, NATS, PostgreSQL): a killed node's alert fires within
 * the health detection time plus one evaluation interval and resolves when the node is back, each
 * once; operators acknowledge and silence through the gateway; when the node that evaluates the
 * rules is killed, the other monitoring instance takes over within seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FAILURE_DETECTION } from "../../runtime/fast-discoverer.ts";
import { type TestDatabase, createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { accessToken, operatorToken } from "../../test/helpers/auth.ts";
import { type ClusterClient, type NodeProcess, TestCluster, http, summarize, waitFor } from "../../test/helpers/cluster.ts";
import type { Alert, AlertEvent } from "./monitoring.contract.ts";

const EVALUATION_INTERVAL_MS = 1_000;
const LEASE_TTL_MS = 3_000;
/** Heartbeat timeout plus one detector check: how long health takes to see a SIGKILLed node. */
const DETECTION_MS = DEFAULT_FAILURE_DETECTION.heartbeatTimeoutMs + DEFAULT_FAILURE_DETECTION.checkEveryMs;
/** Event delivery, a process exit and a loaded 2-core machine. */
const SLACK_MS = 2_500;

interface Status {
	evaluator: string | null;
}

describe("alerts on a live cluster", () => {
	const cluster = new TestCluster({ namespacePrefix: "monitoring-alerts" });
	let database: (TestDatabase & { url: string }) | undefined;
	let gateway: NodeProcess;
	let client: ClusterClient;
	const token = operatorToken();
	const env: Record<string, string> = { ALERT_THRESHOLDS: JSON.stringify({ evaluationIntervalMs: EVALUATION_INTERVAL_MS }) };

	const alertEvents = (event: "alert.fired" | "alert.resolved", rule: string, subject: string): AlertEvent[] =>
		client.custom.filter((e) => e.event === event).map((e) => e.payload as AlertEvent).filter((p) => p.alert.rule === rule && p.alert.subject === subject);

	async function api<T>(path: string, options: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
		const res = await http(gateway.url(`/api/v1${path}`), { token, timeoutMs: 5_000, ...options });
		if (res.status >= 300) throw new Error(`${options.method ?? "GET"} ${path}: ${summarize(res)}`);
		return res.json as T;
	}

	const evaluator = async (): Promise<string | null> => (await api<Status>("/alerts/status")).evaluator;

	function startMonitoringNode(nodeID: string): Promise<NodeProcess> {
		return cluster.startNode({ nodeID, services: ["health", "monitoring"], env });
	}

	beforeAll(async () => {
		database = await createPostgresDatabase();
		env.DATABASE_URL = database.url;
		gateway = await cluster.startNode({ nodeID: "al-gw", services: ["gateway"], env });
		await startMonitoringNode("al-m1");
		await startMonitoringNode("al-m2");
		await cluster.startNode({ nodeID: "al-victim", services: ["viz"], env });
		client = await cluster.client({ watch: ["alert.fired", "alert.resolved"] });
		for (const [id, services] of [["al-m1", ["monitoring"]], ["al-m2", ["monitoring"]], ["al-victim", ["viz"]]] as const) {
			await client.waitForNode(id, services, 40_000, () => cluster.logs());
		}
		await cluster.waitForReady(gateway, 40_000);
		await waitFor(evaluator, { timeoutMs: 40_000, intervalMs: 250, message: () => `a monitoring node to take the evaluator lease\n${cluster.logs()}` });
	}, 120_000);

	afterAll(async () => {
		await cluster.stop();
		await database?.drop();
	});

	it("fires a killed node's alert within detection plus one evaluation, and resolves it once when it is back", async () => {
		const victim = cluster.node("al-victim");
		victim.signal("SIGKILL");
		const killedAt = performance.now();
		await victim.waitForExit(5_000);
		await waitFor(() => alertEvents("alert.fired", "node_down", "al-victim").length > 0, {
			timeoutMs: 20_000,
			message: () => `alert.fired for al-victim\n${cluster.logs()}`
		});
		const firedAfter = (client.custom.find((e) => e.event === "alert.fired" && (e.payload as AlertEvent).alert.subject === "al-victim")?.at ?? 0) - killedAt;
		expect(firedAfter).toBeLessThan(DETECTION_MS + EVALUATION_INTERVAL_MS + SLACK_MS);
		const fired = alertEvents("alert.fired", "node_down", "al-victim")[0]?.alert as Alert;
		expect(fired).toMatchObject({ rule: "node_down", subject: "al-victim", state: "firing", severity: "critical" });

		// The only node offering viz is gone: the replica rule fires too, for the service.
		await waitFor(() => alertEvents("alert.fired", "service_replicas", "viz").length === 1, { timeoutMs: 10_000, message: "the viz replica alert" });
		const listed = await api<{ objects: Alert[]; pagination: { total: number } }>("/alerts?state=firing&rule=node_down");
		expect(listed.objects.map((a) => a.id)).toEqual([fired.id]);

		await cluster.startNode({ nodeID: "al-victim", services: ["viz"], env });
		await waitFor(() => alertEvents("alert.resolved", "node_down", "al-victim").length > 0, {
			timeoutMs: 40_000,
			message: () => `alert.resolved for al-victim\n${cluster.logs()}`
		});
		await waitFor(() => alertEvents("alert.resolved", "service_replicas", "viz").length > 0, { timeoutMs: 20_000, message: "the viz replica alert to resolve" });
		const resolved = alertEvents("alert.resolved", "node_down", "al-victim")[0]?.alert;
		expect(resolved).toMatchObject({ id: fired.id, state: "resolved" });

		// Once each over the whole scenario, in the events and in the store.
		expect(alertEvents("alert.fired", "node_down", "al-victim")).toHaveLength(1);
		expect(alertEvents("alert.resolved", "node_down", "al-victim")).toHaveLength(1);
		const stored = await api<{ objects: Alert[] }>("/alerts?rule=node_down&subject=al-victim");
		expect(stored.objects).toHaveLength(1);
		const detail = await api<{ history: { from: string; to: string }[] }>(`/alerts/${fired.id}`);
		expect(detail.history.map((h) => `${h.from}>${h.to}`)).toEqual(["none>firing", "firing>resolved"]);
	}, 90_000);

	it("lets operators acknowledge and silence, and refuses everyone else", async () => {
		const alert = (await api<{ objects: Alert[] }>("/alerts?rule=node_down&subject=al-victim")).objects[0] as Alert;
		// Resolved: acknowledging it is a conflict.
		expect((await http(gateway.url(`/api/v1/alerts/${alert.id}/acknowledge`), { method: "POST", token, body: {} })).status).toBe(409);
		expect((await http(gateway.url("/api/v1/alerts/no-such-alert/acknowledge"), { method: "POST", token, body: {} })).status).toBe(404);
		expect((await http(gateway.url("/api/v1/alerts"))).status).toBe(401);
		expect((await http(gateway.url("/api/v1/alerts"), { token: accessToken("citizen") })).status).toBe(403);
		const bad = await http(gateway.url("/api/v1/alerts/silences"), { method: "POST", token, body: { reason: "x" } });
		expect(bad.status).toBe(422);
		expect(JSON.stringify(bad.json)).toContain("minutes");
		const unknownRule = await http(gateway.url("/api/v1/alerts?rule=bogus"), { token });
		expect(unknownRule.status).toBe(422);
	});

	it("moves evaluation to the other monitoring node within seconds when the evaluator is killed", async () => {
		const holder = (await evaluator()) as string;
		expect(["al-m1", "al-m2"]).toContain(holder);
		const other = holder === "al-m1" ? "al-m2" : "al-m1";
		// The dead evaluator's own node-down alert is silenced: stored, listed, but not announced.
		const silence = await api<{ id: string }>("/alerts/silences", { method: "POST", body: { rule: "node_down", subject: holder, minutes: 10, reason: "test: evaluator failover" } });
		expect(silence.id).toBeTruthy();

		cluster.node(holder).signal("SIGKILL");
		const killedAt = performance.now();
		await cluster.node(holder).waitForExit(5_000);
		await waitFor(async () => (await evaluator()) === other, {
			timeoutMs: 20_000,
			intervalMs: 100,
			message: () => `${other} to take the evaluator lease\n${cluster.logs()}`
		});
		const tookOverAfter = performance.now() - killedAt;
		expect(tookOverAfter).toBeLessThan(LEASE_TTL_MS + LEASE_TTL_MS / 3 + SLACK_MS);

		// The new evaluator evaluates: the dead node's alert appears, silenced, without an event.
		const alert = await waitFor(
			async () => (await api<{ objects: Alert[] }>(`/alerts?state=firing&rule=node_down&subject=${holder}`)).objects[0],
			{ timeoutMs: 20_000, message: () => `the node_down alert of ${holder}\n${cluster.logs()}` }
		);
		expect(alert.silenced).toBe(true);
		expect(alertEvents("alert.fired", "node_down", holder)).toHaveLength(0);
		const acked = await api<Alert>(`/alerts/${alert.id}/acknowledge`, { method: "POST", body: { comment: "known: test kill" } });
		expect(acked.acknowledgedBy).toMatch(/^user:/);

		// Ending the silence while it still fires announces it, once.
		await api(`/alerts/silences/${silence.id}`, { method: "DELETE" });
		await waitFor(() => alertEvents("alert.fired", "node_down", holder).length === 1, { timeoutMs: 10_000, message: "alert.fired after the silence ended" });
		expect(alertEvents("alert.fired", "node_down", holder)[0]?.evaluator).toBe(other);
	}, 90_000);
});
