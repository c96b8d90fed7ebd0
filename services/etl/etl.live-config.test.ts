/**
 * The ETL service follows the central configuration without a restart: schedules set through
 * `config.set` arm timers at once and an emptied list disarms them; the politeness interval set
 * there is what the next run is given. One broker, the real config and etl services, PostgreSQL 15.
 */
import { randomUUID } from "node:crypto";
import { type Service, ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { configOf } from "../../mixins/config.mixin.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { loadEnv } from "../../runtime/env.ts";
import { createPostgresDatabase, type TestDatabase } from "../../test/storage/test-databases.ts";
import { holdsFor, waitFor } from "../../test/helpers/wait-for.ts";
import { ConfigService } from "../config/config.service.ts";
import { ETL_CONFIG, etlHttpOptions } from "./etl.config.ts";
import { EtlService } from "./etl.service.ts";

describe("etl with live configuration", () => {
	let database: TestDatabase;
	let broker: ServiceBroker;
	const etl = (): Service => broker.getLocalService("etl") as Service;
	const scheduledRuns = async (): Promise<number> => {
		const db = (etl() as unknown as DbService).db;
		const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM etl.runs WHERE scheduled_for IS NOT NULL");
		return rows[0]?.n ?? 0;
	};

	beforeAll(async () => {
		database = await createPostgresDatabase();
		const env = loadEnv({ NODE_ENV: "test", NODE_ID: `etl-live-${randomUUID().slice(0, 6)}`, LOG_LEVEL: "fatal" });
		broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false, skipProcessEventRegistration: true });
		broker.createService(ConfigService({ database: database.config }));
		broker.createService(EtlService({ database: database.config, settings: { schedules: [], httpMinIntervalMs: 250 } }));
		await broker.start();
		await (etl() as unknown as DbService).dbReady(10_000);
	});
	afterAll(async () => {
		await broker?.stop();
		await database?.drop();
	});

	it("applies a new politeness interval to the next run", async () => {
		expect(etlHttpOptions(etl()).minIntervalMs).toBe(250);
		await broker.call("config.set", { key: "etl.http.minIntervalMs", value: 1_500, reason: "the source asked us to slow down" });
		await waitFor(() => etlHttpOptions(etl()).minIntervalMs === 1_500, { message: "the new interval on the etl service" });
	});

	it("arms schedules set through config and disarms them when emptied", async () => {
		expect(await scheduledRuns()).toBe(0);
		// Every second: a slot comes within a second of the change. The run itself fails (no network here); its row is what counts.
		await broker.call("config.set", { key: "etl.schedules", value: [{ source: "ocd", cron: "* * * * * *" }], reason: "hourly is too slow for the test" });
		await waitFor(async () => (await scheduledRuns()) > 0, { timeoutMs: 5_000, message: "a scheduled run after the change" });
		await broker.call("config.set", { key: "etl.schedules", value: [], reason: "stop the test schedule" });
		expect(configOf(etl(), ETL_CONFIG).get("etl.schedules")).toEqual([]);
		// Disarmed: no slot after the change starts a run. Two seconds hold two slots of the old schedule.
		const { rows } = await (etl() as unknown as DbService).db.query<{ at: Date }>("SELECT now() AS at");
		const since = rows[0]?.at ?? new Date();
		const runsSince = async (): Promise<number> =>
			(await (etl() as unknown as DbService).db.query<{ n: number }>("SELECT count(*)::int AS n FROM etl.runs WHERE scheduled_for > $1", [since])).rows[0]?.n ?? -1;
		await holdsFor(async () => (await runsSince()) === 0, { forMs: 2_100, intervalMs: 200, message: "no scheduled run after the schedules were emptied" });
	});
});
