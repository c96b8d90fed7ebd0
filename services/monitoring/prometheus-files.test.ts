/**
 * What ships in monitoring/: the Prometheus rules are the rendering of the built-in rules at the
 * default thresholds, and promtool accepts them and the configuration; the dashboard queries
 * only series the platform serves.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../test/helpers/node-process.ts";
import { promtool } from "../../test/helpers/prometheus-server.ts";
import { PLATFORM_METRICS } from "../../runtime/platform-metrics.ts";
import { familyName } from "../../runtime/metrics/prometheus-exposition.ts";
import { renderPrometheusRules } from "./alerts/prometheus-rules.ts";
import { ALERT_RULES } from "./monitoring.contract.ts";

const RULES = path.join(PROJECT_ROOT, "monitoring/prometheus/rules.yml");

describe("monitoring/ beside the code", () => {
	it("ships the built-in rules, rendered at the default thresholds", async () => {
		expect(await readFile(RULES, "utf8")).toBe(renderPrometheusRules());
		for (const rule of ALERT_RULES) expect(renderPrometheusRules()).toContain(`rule: ${rule}\n`);
	});

	it("passes promtool check rules, and check config with those rules", async () => {
		const rules = await promtool(["check", "rules", RULES]);
		expect(rules.output).toContain("SUCCESS: 14 rules found");
		expect(rules.code).toBe(0);
		const dir = await mkdtemp(path.join(os.tmpdir(), "op-promcfg-"));
		try {
			const config = (await readFile(path.join(PROJECT_ROOT, "monitoring/prometheus/prometheus.yml"), "utf8")).replace("/etc/prometheus/rules.yml", RULES);
			await writeFile(path.join(dir, "prometheus.yml"), config);
			const checked = await promtool(["check", "config", path.join(dir, "prometheus.yml")]);
			expect(checked.output).toContain("SUCCESS");
			expect(checked.code).toBe(0);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it("has a dashboard whose platform series all exist", async () => {
		const dashboard = JSON.parse(await readFile(path.join(PROJECT_ROOT, "monitoring/grafana/dashboards/openpolicy.json"), "utf8")) as { panels: { targets?: { expr: string }[] }[] };
		const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
		expect(exprs.length).toBeGreaterThan(15);
		const known = new Set(Object.values(PLATFORM_METRICS).map((m) => familyName(m.name, m.type)));
		const used = exprs.flatMap((e) => e.match(/\bplatform_[a-z_]+/g) ?? []).map((n) => n.replace(/_(bucket|sum|count)$/, ""));
		expect(used.filter((n) => !known.has(n))).toEqual([]);
		for (const needed of ["platform:requests:rate", "platform:request_time_p99:ms", "platform:request_error_ratio", "platform_node_up", "platform_etl_rows_total", "platform_notifications_sent_total"]) {
			expect(exprs.some((e) => e.includes(needed))).toBe(true);
		}
	});
});
