/**
 * The cluster-wide /metrics as a real Prometheus sees it: two nodes as child processes on real
 * NATS and PostgreSQL, the Debian Prometheus scraping the gateway every second, and its query API
 * returning the platform's series with each node's label. promtool checks the exposition itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestDatabase, createPostgresDatabase } from "../../test/storage/test-databases.ts";
import { type NodeProcess, TestCluster, http, waitFor } from "../../test/helpers/cluster.ts";
import { type PrometheusServer, promtool, startPrometheus } from "../../test/helpers/prometheus-server.ts";

describe("cluster /metrics scraped by Prometheus", () => {
	const cluster = new TestCluster({ namespacePrefix: "monitoring-prom" });
	let database: (TestDatabase & { url: string }) | undefined;
	let prometheus: PrometheusServer | undefined;
	let gateway: NodeProcess;

	beforeAll(async () => {
		database = await createPostgresDatabase();
		const env = { DATABASE_URL: database.url };
		gateway = await cluster.startNode({ nodeID: "prom-gw", services: ["gateway", "health", "monitoring", "notification"], env });
		await cluster.startNode({ nodeID: "prom-worker", services: ["monitoring", "notification"], env });
		const client = await cluster.client();
		await client.waitForNode("prom-worker", ["monitoring", "notification"], 30_000, () => cluster.logs());
		await cluster.waitForReady(gateway, 30_000);
		prometheus = await startPrometheus([{ job: "openpolicy", target: `127.0.0.1:${gateway.port}` }]);
		cluster.addLogSource(() => prometheus?.process.describe() ?? "");
	}, 90_000);

	afterAll(async () => {
		await prometheus?.stop();
		await cluster.stop();
		await database?.drop();
	});

	it("serves an exposition promtool accepts, with every node's series", async () => {
		// A refused token, so the authentication failures counter has moved on the gateway.
		expect((await http(gateway.url("/api/v1/health/cluster"), { token: "not-a-token" })).status).toBe(401);
		const res = await http(gateway.url("/metrics"));
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
		const check = await promtool(["check", "metrics"], res.text);
		expect(check.output).toBe("");
		expect(check.code).toBe(0);
		for (const node of ["prom-gw", "prom-worker"]) {
			expect(res.text).toMatch(new RegExp(`^platform_notifications_sent_total\\{[^}]*node_id="${node}"[^}]*channel="email"\\} 0$`, "m"));
			expect(res.text).toMatch(new RegExp(`^moleculer_broker_started\\{[^}]*node_id="${node}"`, "m"));
		}
		expect(res.text).toMatch(/^platform_auth_failures_total\{[^}]*node_id="prom-gw"[^}]*reason="token"\} [1-9]/m);
		// One HELP and one TYPE per family, however many nodes send it.
		expect(res.text.match(/^# TYPE moleculer_request_total counter$/gm)).toHaveLength(1);
		// Families no node has written yet are still declared.
		expect(res.text).toContain("# TYPE platform_etl_rows_total counter");
	});

	it("lets Prometheus query the platform's series from both nodes", async () => {
		const server = prometheus as PrometheusServer;
		const nodes = await waitFor(
			async () => {
				const result = await server.query('platform_notifications_sent_total{channel="webhook"}');
				const ids = result.map((s) => s.metric.node_id).sort();
				return ids.length === 2 ? ids : undefined;
			},
			{ timeoutMs: 30_000, intervalMs: 500, message: () => `Prometheus to have both nodes' series\n${cluster.logs()}` }
		);
		expect(nodes).toEqual(["prom-gw", "prom-worker"]);
		const sample = (await server.query('platform_notifications_sent_total{channel="webhook",node_id="prom-worker"}'))[0];
		expect(sample?.metric).toMatchObject({ job: "openpolicy", namespace: cluster.namespace, node_id: "prom-worker", channel: "webhook" });
		// The evaluator's cluster-wide series: exactly one node evaluates, and health's view is there.
		const evaluator = await waitFor(async () => {
			const result = await server.query("platform_alerts_evaluator == 1");
			return result.length === 1 ? result : undefined;
		}, { timeoutMs: 30_000, intervalMs: 500, message: "one evaluator in Prometheus" });
		expect(["prom-gw", "prom-worker"]).toContain(evaluator[0]?.metric.node_id);
		// The test's own client broker is a node of the cluster too.
		const up = await waitFor(async () => {
			const result = await server.query('platform_node_up{node=~"prom-.*"}');
			return result.length === 2 ? result : undefined;
		}, { timeoutMs: 30_000, intervalMs: 500, message: "platform_node_up for both nodes" });
		expect(up.map((s) => s.metric.node).sort()).toEqual(["prom-gw", "prom-worker"]);
		expect(up.every((s) => s.value[1] === "1" && s.metric.node_id === evaluator[0]?.metric.node_id)).toBe(true);
		const scrape = await server.query('platform_metrics_scrape_nodes{result="skipped"}');
		expect(scrape[0]?.value[1]).toBe("0");
	});
});
