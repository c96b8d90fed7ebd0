/**
 * The operator console: the `cluster` and `transitions` commands' output, and `npm run repl`
 * itself in a child process joining a real cluster over NATS, driven through its stdin.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import type { ServiceSchema } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { HealthMixin } from "../../mixins/health.mixin.ts";
import { clusterReport, renderCluster } from "../../repl/commands/cluster.command.ts";
import { renderTransitions } from "../../repl/commands/transitions.command.ts";
import { loadCommands } from "../../repl/load-commands.ts";
import type { ClusterSummary } from "./health.contract.ts";
import { NATS_URL, makeBroker, randomNamespace, waitFor } from "../../test/kits/health-test-kit.ts";
import healthService, { type HealthSettings } from "./health.service.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
	await Promise.all(cleanups.splice(0).map((c) => c()));
});

function localBroker(schemas: (ServiceSchema | ServiceSchema<HealthSettings>)[]): ServiceBroker {
	const broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: "solo", logLevel: "error" });
	for (const s of schemas) broker.createService(s);
	cleanups.push(() => broker.stop());
	return broker;
}

const SUMMARY: ClusterSummary = {
	status: "degraded",
	observer: "n1",
	at: "2026-11-25T10:00:05.000Z",
	transporter: { state: "connected", since: "2026-11-25T09:00:00.000Z" },
	counts: { nodes: { up: 1, down: 1 }, services: { up: 0, degraded: 1, down: 1 } },
	nodes: [
		{ id: "n1", hostname: "box-1", ipList: [], versions: { node: "v24.21.0", moleculer: "0.15.2", platform: "0.1.0" }, local: true, state: "up", since: "2026-11-25T09:00:00.000Z", startedAt: "2026-11-25T09:00:00.000Z", uptimeSec: 3_725, lastSeen: "2026-11-25T10:00:05.000Z", services: ["web"] },
		{ id: "n2", hostname: "box-2", ipList: [], versions: { node: "v24.21.0", moleculer: "0.15.2", platform: "0.1.0" }, local: false, state: "down", since: "2026-11-25T09:59:00.000Z", reason: "no heartbeat within the timeout (unexpected)", startedAt: null, uptimeSec: null, lastSeen: "2026-11-25T09:58:59.000Z", services: ["etl"] }
	],
	services: [
		{ name: "etl", status: "down", since: "2026-11-25T09:59:00.000Z", reasons: ["no live replica"], wanted: 1, live: 0, nodes: [], checks: [], openCircuits: [] },
		{ name: "web", status: "degraded", since: "2026-11-25T09:30:00.000Z", reasons: ["health check failed on n1: database: connection refused"], wanted: 1, live: 1, nodes: ["n1"], checks: [], openCircuits: [] }
	]
};

describe("operator console", () => {
	it("renders nodes and services with their status and the reasons", () => {
		const text = renderCluster(SUMMARY);
		const lines = text.split("\n");
		expect(lines[0]).toBe("Cluster DEGRADED (seen by n1 at 10:00:05, transporter connected)");
		expect(lines[1]).toBe("Nodes: 1 up, 1 down. Services: 0 up, 1 degraded, 1 down.");
		expect(lines.find((l) => l.startsWith("n1 (*)"))).toMatch(/^n1 \(\*\)\s+UP\s+box-1\s+v24\.21\.0\s+0\.15\.2\s+1h 2m\s+10:00:05\s+web$/);
		expect(lines.find((l) => l.startsWith("n2"))).toMatch(/DOWN.*etl \[no heartbeat within the timeout \(unexpected\)\]$/);
		expect(lines.find((l) => l.startsWith("web"))).toMatch(/^web\s+DEGRADED\s+1\/1\s+n1\s+health check failed on n1: database: connection refused$/);
		expect(lines.find((l) => l.startsWith("etl"))).toMatch(/^etl\s+DOWN\s+0\/1\s+-\s+no live replica$/);
	});

	it("renders the history, and says so when it is empty", () => {
		expect(renderTransitions([])).toBe("No transitions recorded yet.");
		const text = renderTransitions([{ kind: "node", id: "n2", from: "up", to: "down", at: "2026-11-25T09:59:00.000Z", reason: "lost", observer: "n1" }]);
		expect(text.split("\n")[2]).toMatch(/^2026-11-25T09:59:00\.000Z\s+node\s+n2\s+up\s+down\s+lost$/);
	});

	it("asks the health service for the table, and explains when none is reachable", async () => {
		const withHealth = localBroker([healthService, { name: "probe", mixins: [HealthMixin()] }]);
		await withHealth.start();
		const text = await waitFor("probe in the table", async () => {
			const t = await clusterReport(withHealth, 2_000);
			return /^probe\s+UP\s+1\/1\s+solo/m.test(t) ? t : undefined;
		});
		expect(text).toMatch(/^Cluster UP \(seen by solo at .*, no transporter\)$/m);

		const alone = localBroker([]);
		await alone.start();
		expect(await clusterReport(alone, 300)).toMatch(/^No health service is reachable \(.*\)\.\nStart a node whose SERVICES include "health"/);
	});

	it("loads every command file of repl/commands", async () => {
		const names = (await loadCommands()).map((c) => c.command);
		expect(names).toEqual(expect.arrayContaining(["cluster", "transitions [id]"]));
	});

	it("npm run repl joins the cluster and prints the cluster table", async () => {
		const ns = randomNamespace("repl-test");
		const node = makeBroker(ns, "a-health");
		node.createService(healthService);
		cleanups.push(() => node.stop());
		await node.start();

		const home = await mkdtemp(path.join(os.tmpdir(), "repl-home-"));
		cleanups.push(() => rm(home, { recursive: true, force: true }));
		const child = spawn(process.execPath, ["bin/repl.ts"], {
			cwd: ROOT,
			env: { ...process.env, HOME: home, NODE_ENV: "test", TRANSPORTER: NATS_URL, NAMESPACE: ns, LOG_LEVEL: "error", NODE_ID: "" },
			stdio: ["pipe", "pipe", "pipe"]
		});
		let out = "";
		let err = "";
		child.stdout.on("data", (d: Buffer) => (out += d.toString()));
		child.stderr.on("data", (d: Buffer) => (err += d.toString()));
		const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
		cleanups.push(async () => {
			if (child.exitCode === null) child.kill("SIGKILL");
			await exited;
		});

		await waitFor(`the prompt (stderr: ${err})`, () => out.includes("openpolicy $"), 20_000);
		child.stdin.write("cluster\n");
		await waitFor(`the table (got: ${out})`, () => /^health\s+UP\s+1\/1\s+a-health/m.test(out), 10_000);
		// The prompt comes before the first line of the answer.
		expect(out).toMatch(/Cluster UP \(seen by a-health at .*, transporter connected\)$/m);
		expect(out).toMatch(/^a-health \(\*\)\s+UP\s+/m);

		child.stdin.write("quit\n");
		const code = await Promise.race([exited, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 10_000).unref())]);
		expect(code).toBe(0);
	});
});
