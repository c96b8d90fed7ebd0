/** Alert thresholds through the central configuration: a change reaches the thresholds' source live; out of range is refused. */
import { type Service, ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { ConfigService } from "../config/config.service.ts";
import { MonitoringConfigMixin, followThresholds } from "./monitoring.config.ts";

describe("monitoring thresholds from the config service", () => {
	let created: TestDatabase;
	let broker: ServiceBroker;
	const updates: Record<string, unknown>[] = [];

	beforeAll(async () => {
		const pglite = BACKENDS.find((b) => b.name.startsWith("PGlite"));
		if (!pglite) throw new Error("no PGlite backend");
		created = await pglite.create();
		broker = new ServiceBroker({ nodeID: `monitoring-config-${process.pid}`, logger: false, validator: new ZodValidator() });
		broker.createService(ConfigService({ database: created.config }));
		broker.createService({
			name: "monitoring",
			mixins: [MonitoringConfigMixin(() => ({ errorRate: 0.1 }))],
			started(this: Service): void {
				followThresholds(this, { update: (change) => updates.push(change) });
			}
		});
		await broker.start();
	});
	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	it("starts from the node's own thresholds and applies a change at once", async () => {
		expect(updates[0]).toMatchObject({ errorRate: 0.1, p99LatencyMs: 1_000, pendingMs: expect.objectContaining({ errorRate: 60_000 }) });
		await broker.call("config.set", { key: "monitoring.errorRate", value: 0.25, reason: "noisy week" });
		await waitFor(() => updates.some((u) => u.errorRate === 0.25 && Object.keys(u).length === 1), { message: "the new error-rate threshold" });
		const refused = await broker.call("config.set", { key: "monitoring.errorRate", value: 5, reason: "percent by mistake" }).catch((err: unknown) => err as { code?: number });
		expect(refused).toMatchObject({ code: 422 });
	});
});
