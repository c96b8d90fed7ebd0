/**
 * The compact lists and devices over HTTP, on PostgreSQL 15 and PGlite: keyset pages that neither
 * skip nor repeat while a writer inserts and updates rows between (and during) page reads; detail
 * on demand; devices for a signed-in user only, each user's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "../../test/kits/gateway-test-kit.ts";
import type { Database } from "../../runtime/storage/database.ts";
import { acquireDatabase, releaseDatabase } from "../../runtime/storage/database-registry.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { type MobileNode, loadFixtures, ok, startMobileNode } from "../../test/kits/mobile-test-kit.ts";

type Obj = Record<string, unknown>;
type Page = { items: Obj[]; cursor: string | null };

async function pageAll(node: MobileNode, list: string, limit: number, between: (page: number) => Promise<void> = () => Promise.resolve()): Promise<string[]> {
	const ids: string[] = [];
	let cursor: string | null = null;
	for (let page = 0; page < 1_000; page++) {
		const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
		const body: Page = ok(await node.get(`/mobile/v1/${list}?${query}`));
		ids.push(...body.items.map((i) => String(i.id)));
		cursor = body.cursor;
		if (cursor === null) return ids;
		await between(page);
	}
	throw new Error("The list did not end");
}

describe.each(BACKENDS)("mobile lists and devices on $name", (backend) => {
	let created: TestDatabase;
	let node: MobileNode;
	let db: Database;

	beforeAll(async () => {
		created = await backend.create();
		node = await startMobileNode(created.config);
		await loadFixtures(node);
		db = await acquireDatabase(created.config);
	}, 120_000);
	afterAll(async () => {
		if (db) await releaseDatabase(created.config);
		await node?.broker.stop();
		await created?.drop();
	});

	it("sends compact items, newest session first, in the House's number order", async () => {
		const bills: Page = ok(await node.get("/mobile/v1/bills?limit=200"));
		expect(bills.items.map((b) => b.id)).toEqual(["44-1/C-10", "44-1/C-11", "44-1/C-205", "44-1/S-2", "43-2/C-2"]);
		expect(bills.cursor).toBeNull();
		expect(Object.keys(bills.items[0] ?? {}).sort()).toEqual(["id", "number", "session", "status", "status_date", "title_en", "title_fr", "updated_at"]);
		const votes: Page = ok(await node.get("/mobile/v1/votes?session=44-1&limit=2"));
		expect(votes.items.map((v) => v.number)).toEqual([5, 4]);
		const vote = votes.items[0] as { yea: number; nay: number; ballots: { yes: number; no: number } };
		expect(vote.ballots.yes).toBe(vote.yea);
		expect(vote.ballots.no).toBe(vote.nay);
		const pol: Page = ok(await node.get("/mobile/v1/politicians?limit=1"));
		expect(pol.items[0]).toEqual({ id: "anais-levesque", slug: "anais-levesque", name: "Anaïs Lévesque", party: { key: "liberal", short_name_en: "Liberal", short_name_fr: null }, riding: expect.objectContaining({ edid: expect.stringMatching(/^\d{5}$/) }), photo_url: expect.stringMatching(/anais-levesque\.jpg$/), current: true });
	});

	it("pages without skipping or repeating while rows are inserted and updated around the cursor", async () => {
		const before = await pageAll(node, "bills", 100);
		let inserted = 0;
		const seen = await pageAll(node, "bills", 1, async (page) => {
			// Before the cursor, after it, and the row just sent: inserts and updates on the first pages
			// (on every page, the list would grow faster than a one-item reader reads it).
			if (page >= 6) return;
			await db.query(
				`INSERT INTO etl.bills (session, number, chamber, title_en, source, document_key, document_hash, content_hash)
				VALUES ('44-1', $1, 'House', 'Inserted while paging', 'test', 'k', 'h', 'c'), ('43-2', $2, 'House', 'Inserted while paging', 'test', 'k', 'h', 'c')`,
				[`C-${100 + page}`, `C-${900 + page}`]
			);
			inserted += 2;
			await db.query("UPDATE etl.bills SET title_en = title_en || '.', content_hash = md5(random()::text)");
		});
		expect(inserted).toBeGreaterThan(3);
		expect(new Set(seen).size).toBe(seen.length);
		for (const id of before) expect(seen).toContain(id);
		// The rows inserted ahead of the cursor (43-2 comes after 44-1) are reached; those behind it are not re-sent.
		expect(seen.filter((id) => id.startsWith("43-2/C-9"))).not.toHaveLength(0);
	});

	it("holds under a writer running while a reader pages (votes)", async () => {
		const before = await pageAll(node, "votes", 100);
		let stop = false;
		let writes = 0;
		const writer = (async () => {
			for (let n = 1_000; !stop && n < 1_400; n++) {
				await db.query(
					`INSERT INTO etl.votes (session, number, date, description_en, result, yea_total, nay_total, paired_total, source, document_key, document_hash, content_hash)
					VALUES ('44-1', $1, '2023-01-01', 'Written during paging', 'Passed', 1, 0, 0, 'test', 'k', 'h', 'c')`,
					[n]
				);
				await db.query("UPDATE etl.votes SET content_hash = md5(random()::text) WHERE number = $1", [(n % 5) + 1]);
				writes++;
			}
		})();
		let seen: string[];
		try {
			seen = await pageAll(node, "votes", 1);
		} finally {
			stop = true;
			await writer;
		}
		expect(writes).toBeGreaterThan(0);
		expect(new Set(seen).size).toBe(seen.length);
		for (const id of before) expect(seen).toContain(id);
	});

	it("gives the detail on demand, from the web API, and 404 for an unknown item", async () => {
		const bill = ok<Obj>(await node.get("/mobile/v1/bills/44-1/C-10"));
		expect(bill).toMatchObject({ session: "44-1", number: "C-10", stages: expect.any(Array) });
		expect(bill).not.toHaveProperty("source");
		expect(ok<Obj>(await node.get("/mobile/v1/votes/44-1/1"))).toMatchObject({ number: 1, party_results: expect.any(Array) });
		expect(ok<Obj>(await node.get("/mobile/v1/politicians/anais-levesque"))).toMatchObject({ slug: "anais-levesque" });
		expect((await node.get("/mobile/v1/bills/44-1/C-9999")).status).toBe(404);
		expect((await node.get("/mobile/v1/bills?limit=5000")).status).toBe(422);
		expect((await node.get("/mobile/v1/bills?colour=red")).status).toBe(422);
		// Mobile actions are not routes under /api/v1.
		expect((await node.get("/api/v1/changes")).status).toBe(404);
	});

	it("registers devices for a signed-in user only, lists and deletes them, each user's alone", async () => {
		const anonymous = await node.send("POST", "/mobile/v1/devices", { platform: "ios", token: "a".repeat(64) });
		expect(anonymous.status).toBe(401);
		expect((await node.get("/mobile/v1/devices")).status).toBe(401);

		const alice = node.bearerFor("citizen", "user-alice");
		const bob = node.bearerFor("citizen", "user-bob");
		const made = await node.send("POST", "/mobile/v1/devices", { platform: "ios", token: "a".repeat(64), name: "Alice's phone" }, alice);
		expect(made.status).toBe(201);
		const device = made.body as Obj;
		expect(device).toMatchObject({ platform: "ios", token: "a".repeat(64), name: "Alice's phone", id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
		expect(device).not.toHaveProperty("userId");
		const again = await node.send("POST", "/mobile/v1/devices", { platform: "ios", token: "a".repeat(64) }, alice);
		expect(again.status).toBe(200);
		expect((again.body as Obj).id).toBe(device.id);
		expect((await node.send("POST", "/mobile/v1/devices", { platform: "android", token: "b".repeat(152) }, alice)).status).toBe(201);

		expect(ok<{ items: Obj[] }>(await node.get("/mobile/v1/devices", alice)).items.map((d) => d.platform)).toEqual(["ios", "android"]);
		expect(ok<{ items: Obj[] }>(await node.get("/mobile/v1/devices", bob)).items).toEqual([]);
		const stolen = await node.send("DELETE", `/mobile/v1/devices/${String(device.id)}`, undefined, bob);
		expect(stolen.status).toBe(404);
		expect(errorOf(stolen).type).toBe("NOT_FOUND");

		expect((await node.send("POST", "/mobile/v1/devices", { platform: "blackberry", token: "c".repeat(20) }, alice)).status).toBe(422);
		expect((await node.send("POST", "/mobile/v1/devices", { platform: "web" }, alice)).status).toBe(422);
		expect((await node.send("DELETE", "/mobile/v1/devices/not-a-uuid", undefined, alice)).status).toBe(422);

		// The contract the notification service uses finds them.
		const found = await node.broker.call<{ userId: string; platform: string }[], { userIds: string[] }>("mobile.devicesOf", { userIds: ["user-alice", "user-bob"] });
		expect(found.map((d) => [d.userId, d.platform])).toEqual([["user-alice", "ios"], ["user-alice", "android"]]);

		expect((await node.send("DELETE", `/mobile/v1/devices/${String(device.id)}`, undefined, alice)).status).toBe(200);
		expect(ok<{ items: Obj[] }>(await node.get("/mobile/v1/devices", alice)).items.map((d) => d.platform)).toEqual(["android"]);
		expect(await node.broker.call("mobile.forgetToken", { platform: "android", token: "b".repeat(152) })).toEqual({ removed: 1 });
	});
});
