/**
 * The REPL's `alerts` command against a real monitoring service (PGlite in memory): status, an
 * empty list, a silence, an unknown id, and the table an alert prints as.
 */
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { loadEnv } from "../../runtime/env.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { MonitoringService } from "../../services/monitoring/monitoring.service.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { alertsReport, renderAlerts } from "./alerts.command.ts";

const pglite = BACKENDS.find((b) => b.name.startsWith("PGlite"));

describe("REPL alerts command", () => {
	let created: TestDatabase;
	let broker: ServiceBroker;

	beforeAll(async () => {
		if (!pglite) throw new Error("no test backend");
		created = await pglite.create();
		const options = createBrokerOptions(loadEnv({ NODE_ENV: "test", NODE_ID: "repl-alerts" }));
		options.logger = false;
		broker = new ServiceBroker(options);
		broker.createService(MonitoringService({ database: created.config }));
		await broker.start();
	}, 60_000);

	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	it("says which node evaluates, lists no alerts, silences a rule and reports an unknown id", async () => {
		await waitFor(async () => (await alertsReport(broker, { action: "status" })) === "Evaluator: repl-alerts", { timeoutMs: 20_000, message: "this node to hold the lease" });
		expect(await alertsReport(broker, {})).toBe("No alerts.");
		expect(await alertsReport(broker, { action: "silence", id: "node_down" })).toMatch(/^usage/);
		expect(await alertsReport(broker, { action: "silence", id: "node_down", subject: "n9", minutes: 5, reason: "maintenance" })).toMatch(/^Silence \S+ until \d{4}-/);
		expect(await alertsReport(broker, { action: "ack", id: "nope" })).toContain("No alert nope");
		expect(await alertsReport(broker, { action: "bogus" })).toMatch(/^usage/);
	});

	it("prints an alert as a table row", () => {
		const text = renderAlerts([
			{ id: "a1", rule: "node_down", subject: "n2", severity: "critical", state: "firing", summary: "Node n2 is down", value: null, startedAt: "2026-12-01T12:00:00.000Z", firedAt: "2026-12-01T12:00:00.000Z", resolvedAt: null, acknowledgedBy: null, acknowledgedAt: null, silenced: true }
		]);
		expect(text).toMatch(/a1\s+FIRING \(silenced\)\s+node_down\s+n2\s+critical/);
	});
});
