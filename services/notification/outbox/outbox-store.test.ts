/**
 * The outbox's SQL on PostgreSQL 15 and PGlite: a redelivered event adds nothing, two claimers
 * never get the same delivery, a lease that ran out hands the delivery to another node, and the
 * node that lost it can no longer close it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../../runtime/storage/database.ts";
import { applyMigrations } from "../../../runtime/storage/migrations.ts";
import { migrationSetOf } from "../../../runtime/storage/migration-sets.ts";
import { BACKENDS, openTestDatabase } from "../../../test/storage/test-databases.ts";
import { waitFor } from "../../../test/helpers/wait-for.ts";
import { type NewDelivery, type NoticeEvent, backlog, claimDue, closeDelivery, recordDecision, retryDelivery } from "./outbox-store.ts";

const EVENT: NoticeEvent = { id: "ev-1", kind: "bill.status", subject: "bill:44-1/C-10", title: { en: "t", fr: "t" }, body: { en: "b", fr: "b" }, link: null, public: true, data: {} };

function inboxFor(n: number): NewDelivery[] {
	return Array.from({ length: n }, (_, i) => ({ userId: `u${i}`, channel: "inbox", target: `u${i}`, message: { title: "t" } }));
}

describe.each(BACKENDS)("outbox store on $name", (backend) => {
	let db: Database;
	let drop: () => Promise<void>;

	beforeEach(async () => {
		({ db, drop } = await openTestDatabase(backend));
		await applyMigrations(db, [migrationSetOf("notification")], "outbox-test");
	}, 30_000);

	afterEach(async () => {
		await drop();
	});

	it("records an event once: the redelivered event plans nothing and adds nothing", async () => {
		expect(await recordDecision(db, EVENT, () => Promise.resolve(inboxFor(3)))).toEqual({ recorded: true, deliveries: 3 });
		let planned = false;
		expect(
			await recordDecision(db, EVENT, () => {
				planned = true;
				return Promise.resolve(inboxFor(3));
			})
		).toEqual({ recorded: false, deliveries: 0 });
		expect(planned).toBe(false);
		expect(await backlog(db)).toBe(3);
	});

	it("rolls the event back with its deliveries when planning fails, so a retry decides afresh", async () => {
		await expect(recordDecision(db, EVENT, () => Promise.reject(new Error("recipients unreadable")))).rejects.toThrow("recipients unreadable");
		expect(await recordDecision(db, EVENT, () => Promise.resolve(inboxFor(2)))).toEqual({ recorded: true, deliveries: 2 });
	});

	it("never gives one delivery to two claimers, and fences the node whose lease ran out", async () => {
		await recordDecision(db, EVENT, () => Promise.resolve(inboxFor(10)));
		const [a, b] = await Promise.all([claimDue(db, "node-a", 6, 60_000), claimDue(db, "node-b", 6, 60_000)]);
		const ids = [...a, ...b].map((d) => d.id);
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids).toHaveLength(10);
		expect(await claimDue(db, "node-c", 10, 60_000)).toEqual([]);

		// node-a's first delivery: its lease is cut short, as if node-a had died.
		const lost = a[0];
		if (!lost) throw new Error("node-a claimed nothing");
		await db.query("UPDATE notification.deliveries SET lease_until = now() - interval '1 second' WHERE id = $1", [lost.id]);
		const taken = await waitFor(async () => (await claimDue(db, "node-c", 10, 60_000)).find((d) => d.id === lost.id), { message: "the expired claim to be taken over" });
		expect(taken.attempts).toBe(2);
		expect(await closeDelivery(db, { id: lost.id, node: "node-a", attempt: 1 }, "sent")).toBe(false);
		expect(await retryDelivery(db, { id: lost.id, node: "node-a", attempt: 1 }, 0, "late")).toBe(false);
		expect(await closeDelivery(db, { id: lost.id, node: "node-c", attempt: 2 }, "sent")).toBe(true);
		expect(await backlog(db)).toBe(9);
	});
});
