/**
 * The runs query the monitoring service's stale and failed rules read (`etl.sourceStatus`), on
 * PostgreSQL 15 and PGlite 18.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../runtime/storage/database.ts";
import { migrationSetOf } from "../../../runtime/storage/migration-sets.ts";
import { applyMigrations } from "../../../runtime/storage/migrations.ts";
import { BACKENDS, openTestDatabase } from "../../../test/storage/test-databases.ts";
import { sourceRunStatuses } from "./runs.ts";

describe.each(BACKENDS)("source run statuses on $name", (backend) => {
	let db: Database;
	let drop: () => Promise<void>;

	beforeAll(async () => {
		({ db, drop } = await openTestDatabase(backend));
		await applyMigrations(db, [migrationSetOf("documents"), migrationSetOf("etl")], "test");
	}, 60_000);
	afterAll(async () => {
		// Closes the database too.
		await drop?.();
	});

	it("reads each source's latest finished run and last success", async () => {
		const day = 86_400_000;
		const at = (ago: number): Date => new Date(Date.now() - ago);
		const insert = "INSERT INTO etl.runs (id, source, status, node_id, created_at, finished_at, error) VALUES ($1, $2, $3, 'n', $4, $5, $6)";
		await db.query(insert, ["r1", "legisinfo", "succeeded", at(3 * day), at(3 * day), null]);
		await db.query(insert, ["r2", "legisinfo", "failed", at(day), at(day), "HTTP 500"]);
		await db.query(insert, ["r3", "ocd", "running", at(1_000), null, null]);
		const statuses = await sourceRunStatuses(db);
		const legisinfo = statuses.find((s) => s.source === "legisinfo");
		expect(legisinfo?.lastFinished).toMatchObject({ id: "r2", status: "failed", error: "HTTP 500" });
		expect(Date.parse(legisinfo?.lastSucceededAt ?? "")).toBeCloseTo(at(3 * day).getTime(), -4);
		expect(statuses.find((s) => s.source === "ocd")).toMatchObject({ lastFinished: null, lastSucceededAt: null });
	});
});
