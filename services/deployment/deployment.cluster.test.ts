/**
 * Issue 15 over real NATS and PostgreSQL, nodes as processes: a gateway node (gateway, health,
 * deployment, monitoring) and two nodes of the `echo` fixture, which the harness restarts when
 * they exit (standing in for compose, Kubernetes or systemd).
 * - Rolling replacement of both echo nodes under a steady request load through the gateway: no
 *   request fails, every step is stored and arrives on the SSE stream.
 * - A replacement that never comes back: the rollout stops at that node with a clear report, and
 *   the other replica keeps serving.
 * - Drift: stop a replica, the drift and its `deployment_drift` alert appear; start it, both clear.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { bearer, operatorToken } from "../../test/helpers/auth.ts";
import { type ClusterNodeSpec, type NodeProcess, TestCluster, http, pause, waitFor } from "../../test/helpers/cluster.ts";
import type { DriftReport, Rollout } from "./deployment.contract.ts";

const OPERATOR = { ...bearer(operatorToken()), "content-type": "application/json" };

interface Supervised {
	spec: ClusterNodeSpec;
	current: NodeProcess;
	restarts: number;
	/** While false, an exit is left alone (the "replacement never comes back" case). */
	restart: boolean;
}

describe("deployment across a cluster", () => {
	const cluster = new TestCluster({ namespacePrefix: "deploy" });
	let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
	let gw: NodeProcess;
	const workers = new Map<string, Supervised>();
	let supervising = true;
	const api = (path: string): string => gw.url(`/api/v1${path}`);

	/** The harness as the supervisor: a worker that exits is started again with the same spec. */
	async function supervise(s: Supervised): Promise<void> {
		while (supervising) {
			const exited = await s.current.waitForExit(1_000).then(
				() => true,
				() => false
			);
			if (!exited || !supervising) continue;
			if (!s.restart) {
				// Exited and left alone: look again later (an exited process answers at once, so no busy loop).
				await pause(200);
				continue;
			}
			s.current = await cluster.startNode(s.spec);
			s.restarts++;
		}
	}

	async function startWorker(nodeID: string): Promise<Supervised> {
		const spec: ClusterNodeSpec = { nodeID, fixtures: ["echo"], env: { APP_VERSION: "1.0.0" } };
		const s: Supervised = { spec, current: await cluster.startNode(spec), restarts: 0, restart: true };
		workers.set(nodeID, s);
		void supervise(s);
		return s;
	}

	async function json<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T; text: string }> {
		const res = await http(api(path), { ...init, headers: OPERATOR, timeoutMs: 10_000 });
		return { status: res.status, body: res.json as T, text: res.text };
	}

	async function rolloutDone(id: string, timeoutMs: number): Promise<Rollout> {
		return waitFor(
			async () => {
				const res = await json<Rollout>(`/deployment/rollouts/${id}`);
				if (res.status !== 200) throw new Error(`GET rollout ${id}: ${res.status} ${res.text}`);
				return res.body.state !== "running" ? res.body : undefined;
			},
			{ timeoutMs, intervalMs: 250, message: () => `rollout ${id} to finish\n${cluster.logs()}` }
		);
	}

	beforeAll(async () => {
		database = await createPostgresDatabase();
		gw = await cluster.startNode({
			nodeID: "gw",
			services: ["gateway", "health", "deployment", "monitoring"],
			env: { DATABASE_URL: database.url, ALERT_THRESHOLDS: JSON.stringify({ evaluationIntervalMs: 500 }), RATE_LIMIT_PER_IP: "1000000" }
		});
		await startWorker("w1");
		await startWorker("w2");
		await cluster.waitForReady(gw, 40_000);
		await cluster.waitForStatus(gw, "/api/v1/deployment/topology", 401, 20_000);
		const put = await json<unknown>("/deployment/topology", { method: "PUT", body: { services: { echo: { replicas: 2, version: "1.0.0" } }, reason: "two echo nodes" } });
		expect(put.status, put.text).toBe(200);
		await waitFor(async () => (await json<DriftReport>("/deployment/drift")).body.inSync, { timeoutMs: 30_000, message: () => `both echo nodes live and in sync\n${cluster.logs()}` });
		// The gateway builds its routes from the registry about 500 ms after it changes.
		await cluster.waitForStatus(gw, "/api/v1/echo/whoami", 200, 20_000);
	}, 90_000);

	afterAll(async () => {
		supervising = false;
		await cluster.stop();
		await database?.drop();
	});

	it("replaces both nodes of a two-replica service under steady load with no failed request, every step recorded and streamed", async () => {
		const before = new Map([...workers].map(([id, s]) => [id, s.current.pid]));
		// The dashboard's view: the SSE stream of an operator.
		const abort = new AbortController();
		const stream = await fetch(api("/events"), { headers: OPERATOR, signal: abort.signal });
		expect(stream.status).toBe(200);
		let streamed = "";
		const reading = (async () => {
			const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
			const decoder = new TextDecoder();
			for (;;) {
				const { value, done } = await reader.read();
				if (done) return;
				streamed += decoder.decode(value, { stream: true });
			}
		})().catch(() => undefined);

		let loading = true;
		const failures: string[] = [];
		const servedBy = new Map<string, number>();
		let requests = 0;
		const load = Promise.all(
			Array.from({ length: 4 }, async () => {
				while (loading) {
					const res = await http(gw.url("/api/v1/echo/whoami"), { timeoutMs: 15_000 }).catch((err: unknown) => ({ status: 0, text: String(err), json: undefined }));
					requests++;
					if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 200)}`);
					else {
						const who = (res.json as { nodeID: string }).nodeID;
						servedBy.set(who, (servedBy.get(who) ?? 0) + 1);
					}
					// A steady load, not a flood: pacing only, nothing is waited for.
					await pause(5);
				}
			})
		);

		const started = await json<Rollout>("/deployment/rollouts", { method: "POST", body: { service: "echo", reason: "replace both echo nodes", healthyWithinMs: 60_000 } });
		expect(started.status, started.text).toBe(200);
		expect(started.body.nodes).toEqual(["w1", "w2"]);
		const done = await rolloutDone(started.body.id, 150_000);
		loading = false;
		await load;
		abort.abort();
		await reading;

		expect(done.state, `${done.report}\n${cluster.logs()}`).toBe("succeeded");
		expect(failures.slice(0, 5), `${failures.length} failed requests out of ${requests}`).toEqual([]);
		expect(requests).toBeGreaterThan(50);
		expect(done.steps.map((s) => `${s.phase}${s.node ? ` ${s.node}` : ""}`)).toEqual(["planned", "draining w1", "left w1", "healthy w1", "draining w2", "left w2", "healthy w2", "done"]);
		// Both were really replaced (new processes), and both answered requests at some point.
		for (const [id, pid] of before) expect(workers.get(id)?.current.pid, id).not.toBe(pid);
		expect([...servedBy.keys()].sort()).toEqual(["w1", "w2"]);
		// Every stored step went out on the stream, in order.
		const phases = [...streamed.matchAll(/event: deployment\.rollout\.step\ndata: (.*)\n/g)].map((m) => (JSON.parse(m[1] ?? "{}") as { step: { phase: string } }).step.phase);
		expect(phases).toEqual(done.steps.map((s) => s.phase));
	}, 200_000);

	it("stops at a replacement that never becomes healthy, with a report, and the other replica keeps serving", async () => {
		const w1 = workers.get("w1") as Supervised;
		w1.restart = false;
		const started = await json<Rollout>("/deployment/rollouts", { method: "POST", body: { service: "echo", reason: "a broken image", healthyWithinMs: 4_000 } });
		expect(started.status, started.text).toBe(200);
		const done = await rolloutDone(started.body.id, 60_000);
		expect(done.state).toBe("failed");
		expect(done.report).toMatch(/^Stopped at node w1: no healthy replacement for w1 within 4000 ms \(echo 1\/2 healthy\); the remaining nodes were not touched$/);
		expect(done.steps.map((s) => `${s.phase}${s.node ? ` ${s.node}` : ""}`)).toEqual(["planned", "draining w1", "left w1", "timeout w1"]);
		expect(workers.get("w2")?.current.alive).toBe(true);
		for (let i = 0; i < 5; i++) {
			const res = await http(gw.url("/api/v1/echo/whoami"), { timeoutMs: 10_000 });
			expect(res.status).toBe(200);
			expect((res.json as { nodeID: string }).nodeID).toBe("w2");
		}
		// And no second rollout may now take w2, the last replica.
		const refused = await json<Rollout>("/deployment/rollouts", { method: "POST", body: { service: "echo", nodes: ["w2"], reason: "would empty echo" } });
		const last = await rolloutDone(refused.body.id, 20_000);
		expect(last.report).toBe("Stopped at node w2: draining w2 would leave echo with no live replica (live: w2)");
		expect(workers.get("w2")?.current.alive).toBe(true);

		// The supervisor starts it again.
		w1.restart = true;
		await waitFor(async () => (await json<DriftReport>("/deployment/drift")).body.inSync, { timeoutMs: 30_000, message: () => `w1 back and the cluster in sync\n${cluster.logs()}` });
	}, 120_000);

	it("shows drift and raises its alert when a replica stops, and clears both when it is back", async () => {
		const w2 = workers.get("w2") as Supervised;
		w2.restart = false;
		const stoppedAt = performance.now();
		w2.current.signal("SIGTERM");
		const drift = await waitFor(
			async () => {
				const d = (await json<DriftReport>("/deployment/drift")).body;
				return d.items.find((i) => i.subject === "echo/missing_replicas");
			},
			{ timeoutMs: 10_000, message: () => `the drift to show\n${cluster.logs()}` }
		);
		expect(drift).toMatchObject({ kind: "missing_replicas", wanted: 2, live: 1, nodes: ["w1"], expected: false });
		const alert = await waitFor(
			async () => (await json<{ objects: { id: string; state: string; subject: string }[] }>("/alerts?rule=deployment_drift&state=active")).body.objects.find((a) => a.subject === "echo/missing_replicas" && a.state === "firing"),
			{ timeoutMs: 15_000, message: () => `the deployment_drift alert to fire\n${cluster.logs()}` }
		);
		// Within the detection time: a graceful stop is seen at once, the evaluator runs every 0.5 s.
		expect(performance.now() - stoppedAt).toBeLessThan(15_000);

		// The supervisor starts it again.
		w2.restart = true;
		await waitFor(async () => (await json<DriftReport>("/deployment/drift")).body.inSync, { timeoutMs: 30_000, message: () => `the drift to clear\n${cluster.logs()}` });
		const resolved = await waitFor(
			async () => {
				const a = (await json<{ state: string }>(`/alerts/${alert.id}`)).body;
				return a.state === "resolved" ? a : undefined;
			},
			{ timeoutMs: 15_000, message: () => `the alert to resolve\n${cluster.logs()}` }
		);
		expect(resolved.state).toBe("resolved");
	}, 90_000);
});
