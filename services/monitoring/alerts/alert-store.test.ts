/**
 * The monitoring store's SQL on PostgreSQL 15 and PGlite 18: the lease (one holder, taken over once
 * expired), fenced writes, one active alert per rule and subject, acknowledgement and silences. The
 * ETL query the stale and failed rules read is tested beside it (services/etl/pipeline/runs.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../runtime/storage/database.ts";
import { migrationSetOf } from "../../../runtime/storage/migration-sets.ts";
import { applyMigrations } from "../../../runtime/storage/migrations.ts";
import { BACKENDS, openTestDatabase } from "../../../test/storage/test-databases.ts";
import { waitFor } from "../../../test/helpers/wait-for.ts";
import { acknowledgeAlert, activeAlerts, applyChanges, createSilence, evaluatorLease, getAlert, listAlerts, tryEvaluatorLease } from "./alert-store.ts";

const condition = { rule: "node_down" as const, subject: "n9", severity: "critical" as const, summary: "Node n9 is down", value: null };

describe.each(BACKENDS)("monitoring store on $name", (backend) => {
	let db: Database;
	let drop: () => Promise<void>;

	beforeAll(async () => {
		({ db, drop } = await openTestDatabase(backend));
		await applyMigrations(db, [migrationSetOf("documents"), migrationSetOf("etl"), migrationSetOf("monitoring")], "test");
	}, 60_000);
	afterAll(async () => {
		// Closes the database too.
		await drop?.();
	});

	it("gives the lease to one node and to another only once it expired", async () => {
		expect(await tryEvaluatorLease(db, "n1", 500)).toBe(true);
		expect(await tryEvaluatorLease(db, "n2", 500)).toBe(false);
		expect(await tryEvaluatorLease(db, "n1", 500)).toBe(true);
		expect((await evaluatorLease(db))?.holder).toBe("n1");
		await waitFor(() => tryEvaluatorLease(db, "n2", 60_000), { timeoutMs: 5_000, message: "n2 to take the expired lease" });
		expect((await evaluatorLease(db))?.holder).toBe("n2");
	});

	it("writes only for the lease holder, and keeps one active alert per rule and subject", async () => {
		const now = new Date();
		expect(await applyChanges(db, "n1", [{ kind: "open", condition, state: "firing", notify: true }], now)).toBeUndefined();
		const applied = await applyChanges(db, "n2", [{ kind: "open", condition, state: "firing", notify: true }], now);
		expect(applied?.fired.map((a) => a.subject)).toEqual(["n9"]);
		await expect(applyChanges(db, "n2", [{ kind: "open", condition, state: "firing", notify: true }], now)).rejects.toThrow();
		expect(await activeAlerts(db)).toHaveLength(1);
	});

	it("acknowledges, silences and resolves with history", async () => {
		const [active] = await activeAlerts(db);
		const id = active?.id as string;
		const acked = await acknowledgeAlert(db, id, "user:u1", "looking", new Date(), "n2");
		expect(acked).toMatchObject({ ok: true, alert: { acknowledgedBy: "user:u1" } });
		await createSilence(db, { rule: "node_down", subject: null, reason: "maintenance", createdBy: "user:u1", expiresAt: new Date(Date.now() + 60_000) }, new Date());
		expect((await listAlerts(db, { state: "firing", limit: 10, offset: 0 }, new Date())).alerts[0]?.silenced).toBe(true);
		const resolved = await applyChanges(db, "n2", [{ kind: "resolve", id, wasFiring: true, notify: true }], new Date());
		expect(resolved?.resolved.map((a) => a.state)).toEqual(["resolved"]);
		expect(await acknowledgeAlert(db, id, "user:u1", undefined, new Date(), "n2")).toEqual({ ok: false, reason: "resolved" });
		expect((await getAlert(db, id, new Date()))?.history.map((h) => `${h.from}>${h.to}`)).toEqual(["none>firing", "firing>firing", "firing>resolved"]);
	});
});
