/**
 * Schedules (ETL_SCHEDULES, here given as settings): two ETL nodes on one PostgreSQL database with
 * the same every-second schedule; each cron slot is run exactly once, by whichever node takes the
 * lease. The slots awaited are the ones croner itself says come next, so the test waits for named
 * seconds rather than sleeping.
 */
import { fileURLToPath } from "node:url";
import { Cron } from "croner";
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStandalone } from "../../runtime/storage/database-registry.ts";
import type { Database } from "../../runtime/storage/database.ts";
import { createPostgresDatabase, type TestDatabase } from "../../test/storage/test-databases.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { EtlService } from "./etl.service.ts";
import { parseSchedules } from "./pipeline/schedule.ts";
import { ZodValidator } from "../../runtime/validation/zod-validator.ts";

const CRON = "* * * * * *";
const FILE = fileURLToPath(new URL("./fixtures/ocd/ca_provinces_and_territories.csv", import.meta.url));

describe("etl schedules across two nodes", () => {
	let database: TestDatabase & { url: string };
	let db: Database;
	const brokers: ServiceBroker[] = [];

	beforeAll(async () => {
		database = await createPostgresDatabase();
		db = await openStandalone(database.config);
		for (const nodeID of ["etl-sched-a", "etl-sched-b"]) {
			const broker = new ServiceBroker({ validator: new ZodValidator(), nodeID: `${nodeID}-${process.pid}`, logger: false });
			broker.createService(EtlService({ database: database.config, settings: { leaseTtlMs: 5_000, schedules: [{ source: "ocd", cron: CRON, params: { file: FILE } }] } }));
			brokers.push(broker);
		}
		await Promise.all(brokers.map((b) => b.start()));
	});
	afterAll(async () => {
		await Promise.all(brokers.map((b) => b.stop()));
		await db?.close();
		await database?.drop();
	});

	it("parses ETL_SCHEDULES and rejects unknown sources and bad expressions", () => {
		expect(parseSchedules("openparliament=0 3 * * *; legisinfo=30 3 * * *")).toEqual([
			{ source: "openparliament", cron: "0 3 * * *" },
			{ source: "legisinfo", cron: "30 3 * * *" }
		]);
		expect(parseSchedules(" ")).toEqual([]);
		expect(() => parseSchedules("nowhere=0 3 * * *")).toThrow(/known source/);
		expect(() => parseSchedules("ocd=not a cron")).toThrow(/not a cron expression/);
	});

	it("runs each slot once, on whichever node took the lease", async () => {
		// The next three slots as croner computes them, from a second ahead so none is already firing.
		const slots = new Cron(CRON, { timezone: "UTC", paused: true }).nextRuns(3, new Date(Date.now() + 1_000));
		const last = slots.at(-1) as Date;
		const runsFor = async () =>
			(
				await db.query<{ scheduled_for: Date; status: string; node_id: string }>(
					"SELECT scheduled_for, status, node_id FROM etl.runs WHERE source = 'ocd' AND scheduled_for = ANY($1::timestamptz[]) ORDER BY scheduled_for",
					[slots]
				)
			).rows;
		let seen: unknown[] = [];
		await waitFor(
			async () => {
				const runs = await runsFor();
				seen = runs;
				return runs.filter((r) => r.status === "succeeded").length === slots.length;
			},
			{ timeoutMs: last.getTime() - Date.now() + 15_000, message: () => `a succeeded run for each of ${slots.map((s) => s.toISOString()).join(", ")}: ${JSON.stringify(seen)}` }
		);
		const runs = await runsFor();
		expect(runs.map((r) => new Date(r.scheduled_for).toISOString())).toEqual(slots.map((s) => s.toISOString()));
		const nodes = new Set(brokers.map((b) => b.nodeID));
		for (const r of runs) expect(nodes.has(r.node_id)).toBe(true);
		// Both nodes ticked every slot; the one without the lease started nothing: no failed or extra runs.
		const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM etl.runs WHERE source = 'ocd' AND status NOT IN ('succeeded', 'running', 'queued')");
		expect(rows[0]?.n).toBe(0);
	});
});
