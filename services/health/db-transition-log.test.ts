/** The health history in the database, on PostgreSQL 15 and PGlite: kept across restarts, never blocking. */
import { randomBytes } from "node:crypto";
import { ServiceBroker } from "moleculer";
import type { ServiceSchema } from "moleculer";
import type { DbService } from "../../mixins/db.mixin.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthMixin, addHealthCheck } from "../../mixins/health.mixin.ts";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { DbTransitionLog } from "./db-transition-log.ts";
import { HealthService } from "./health.service.ts";
import type { Transition } from "./health.contract.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

function probeService(state: { healthy: boolean }): ServiceSchema {
	return {
		name: "probe",
		mixins: [HealthMixin()],
		created() {
			addHealthCheck(this, "dependency", () => (state.healthy ? Promise.resolve(undefined) : Promise.reject(new Error("dependency refused"))));
		}
	};
}

function transition(id: string, to: string): Transition {
	return { kind: "service", id, from: "up", to, at: new Date().toISOString(), observer: "test" };
}

describe.each(BACKENDS)("health history on $name", (backend) => {
	let created: TestDatabase;
	const brokers: ServiceBroker[] = [];

	beforeAll(async () => {
		created = await backend.create();
	});
	afterAll(async () => {
		for (const b of brokers) if (b.started) await b.stop();
		await created?.drop();
	});

	async function startHealthNode(state: { healthy: boolean }): Promise<ServiceBroker> {
		const broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `health-db-${randomBytes(3).toString("hex")}`, logger: false });
		broker.createService({ name: "health", mixins: [HealthService({ persist: true, database: created.config })], settings: { checkIntervalMs: 200 } });
		broker.createService(probeService(state));
		brokers.push(broker);
		await broker.start();
		return broker;
	}

	it("stores transitions in the health schema and still lists them after a restart", async () => {
		const state = { healthy: true };
		const first = await startHealthNode(state);
		state.healthy = false;
		const degraded = (list: Transition[]): boolean => list.some((t) => t.kind === "service" && t.id === "probe" && t.to === "degraded");
		await waitFor(
			async () => degraded((await first.call<{ transitions: Transition[] }, { limit: number }>("health.transitions", { limit: 50 })).transitions),
			{ timeoutMs: 20_000, message: "the probe's degraded transition in the history" }
		);

		// Read through the service's own handle: an in-memory PGlite exists only inside its process handle.
		const { db } = first.getLocalService("health") as unknown as DbService;
		await waitFor(
			async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM health.transitions WHERE subject = 'probe' AND to_status = 'degraded'")).rows[0]?.n === 1,
			{ timeoutMs: 10_000, message: "one stored row for the degraded transition" }
		);
		// PGlite in memory does not outlive its node: the restart half runs on PostgreSQL.
		if (!backend.name.startsWith("PostgreSQL")) return;

		await first.stop();
		const second = await startHealthNode({ healthy: true });
		const history = await second.call<{ transitions: Transition[] }, { limit: number; id: string }>("health.transitions", { limit: 50, id: "probe" });
		expect(degraded(history.transitions)).toBe(true);
	});

	it("keeps transitions in memory while the table is unusable and stores them once it is back", async () => {
		const db = await openStandalone(created.config);
		const table = `scratch_${randomBytes(4).toString("hex")}`;
		const errors: string[] = [];
		const log = new DbTransitionLog({ ready: () => Promise.resolve(db), table, onError: (m) => errors.push(m) });
		try {
			await log.append(transition("web", "degraded"));
			// The table does not exist: the write fails, and reads fall back to the memory ring.
			await waitFor(() => errors.some((e) => e.includes("could not store")), { message: "the failed write reported" });
			expect((await log.list({ limit: 10 })).map((t) => t.to)).toEqual(["degraded"]);

			// A transition another replica announces is kept here but not shared.
			await log.append(transition("web", "up"), false);

			await db.exec(`CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text, subject text, from_status text,
				to_status text, at timestamptz, reason text, observer text)`);
			await waitFor(async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n === 1, {
				timeoutMs: 10_000,
				message: "the queued transition written after the table appeared"
			});
			const stored = await log.list({ limit: 10 });
			expect(stored.map((t) => `${t.id}:${t.to}`)).toEqual(["web:degraded"]);
		} finally {
			log.close();
			await db.exec(`DROP TABLE IF EXISTS ${table}`);
			if (backend.name.startsWith("PostgreSQL")) await db.close();
		}
	});
});
