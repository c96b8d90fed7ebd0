/**
 * The changes feed end to end, over HTTP through the real gateway, on PostgreSQL 15 and PGlite, with
 * the data loaded by the ETL's own connectors: a client syncing from empty holds exactly what the
 * lists show; after inserts and updates (an ETL run) and deletions (rows removed in SQL, as an
 * editorial removal would: the ETL itself never deletes) the client following the feed holds the
 * server's data again, deletions included, and so does a fresh client syncing from empty. Forged,
 * tampered and expired cursors are 422s that say to resync.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "../../test/kits/gateway-test-kit.ts";
import type { Database } from "../../runtime/storage/database.ts";
import { acquireDatabase, releaseDatabase } from "../../runtime/storage/database-registry.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { CRAFTED_PARLIAMENT } from "../../test/kits/web-test-kit.ts";
import { type MobileNode, SyncClient, loadFixtures, ok, serverItems, startMobileNode } from "../../test/kits/mobile-test-kit.ts";
import type { Change } from "./v1/changes.ts";

type Obj = Record<string, unknown>;

describe.each(BACKENDS)("mobile changes feed on $name", (backend) => {
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

	it("syncs from empty to exactly the server's items, in pages, and then has nothing more", async () => {
		const client = new SyncClient(node, 4);
		await client.catchUp();
		const server = await serverItems(node);
		expect(server.size).toBeGreaterThan(10);
		expect(client.items).toEqual(server);
		expect(client.pages).toBeGreaterThan(3);
		const again = ok<{ changes: Change[]; more: boolean }>(await node.get(`/mobile/v1/changes?since=${encodeURIComponent(client.cursor ?? "")}`));
		expect(again).toMatchObject({ changes: [], more: false });
	});

	it("follows inserts, updates and deletions, and a resync from empty ends in the same place", async () => {
		const follower = new SyncClient(node, 5);
		await follower.catchUp();
		const before = await serverItems(node);
		expect(before.has("vote:44-1/2")).toBe(true);
		expect(before.has("bill:44-1/S-2")).toBe(true);

		// Inserts and updates through the ETL: an amended title, a new bill, a new vote with two ballots.
		const { objects } = JSON.parse(readFileSync(CRAFTED_PARLIAMENT, "utf8")) as { objects: Obj[] };
		const c11 = objects.find((o) => o.url === "/bills/44-1/C-11/") as Obj;
		const vote1 = objects.find((o) => o.url === "/votes/44-1/1/") as Obj;
		const ballots = objects.filter((o) => o.vote_url === "/votes/44-1/1/").slice(0, 2);
		const dir = await mkdtemp(path.join(tmpdir(), "mobile-sync-"));
		try {
			const file = path.join(dir, "changes.json");
			writeFileSync(
				file,
				JSON.stringify({
					objects: [
						{ ...c11, short_title: { en: "Online Streaming Act, amended", fr: "Loi sur la diffusion continue en ligne, modifiée" } },
						{ ...c11, url: "/bills/44-1/C-99/", number: "C-99", legisinfo_id: 99999999, short_title: { en: "Brand New Act", fr: "Loi toute neuve" } },
						{ ...vote1, url: "/votes/44-1/99/", number: 99, bill_url: "/bills/44-1/C-99/", yea_total: 1, nay_total: 1, result: "Tie", party_votes: [] },
						...ballots.map((b) => ({ ...b, vote_url: "/votes/44-1/99/" }))
					]
				})
			);
			const run = await node.load("openparliament", file);
			expect(run).toMatchObject({ status: "succeeded" });
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
		// Deletions and a change that reaches politicians through their party, in SQL.
		await db.transaction(async (tx) => {
			await tx.query("DELETE FROM etl.party_votes WHERE session = '44-1' AND vote_number = 2");
			await tx.query("DELETE FROM etl.vote_ballots WHERE session = '44-1' AND vote_number = 2");
			await tx.query("DELETE FROM etl.votes WHERE session = '44-1' AND number = 2");
			await tx.query("DELETE FROM etl.bill_stages WHERE session = '44-1' AND bill_number = 'S-2'");
			await tx.query("DELETE FROM etl.bills WHERE session = '44-1' AND number = 'S-2'");
			await tx.query("UPDATE etl.parties SET short_name_fr = 'Libéral (renommé)' WHERE key = 'liberal'");
		});

		const seen: Change[] = [];
		const cursor = follower.cursor ?? "";
		await follower.catchUp();
		for (let since = cursor, more = true; more; ) {
			const page = ok<{ changes: Change[]; cursor: string; more: boolean }>(await node.get(`/mobile/v1/changes?limit=3&since=${encodeURIComponent(since)}`));
			seen.push(...page.changes);
			since = page.cursor;
			more = page.more;
		}
		const after = await serverItems(node);
		expect(follower.items).toEqual(after);
		expect(after.has("vote:44-1/2")).toBe(false);
		expect(after.has("bill:44-1/S-2")).toBe(false);
		expect((after.get("bill:44-1/C-11") as Obj).title_en).toBe("Online Streaming Act, amended");
		expect(after.get("vote:44-1/99")).toMatchObject({ result: "Tie", ballots: { yes: expect.any(Number) } });

		// The feed said so itself: tombstones for the deleted rows, upserts for the rest.
		expect(seen).toEqual(expect.arrayContaining([{ kind: "vote", id: "44-1/2", op: "delete" }, { kind: "bill", id: "44-1/S-2", op: "delete" }]));
		expect(seen.find((c) => c.id === "44-1/C-99")).toMatchObject({ kind: "bill", op: "upsert", data: { title_en: "Brand New Act" } });
		const liberals = [...after.values()].filter((p) => (p as { party?: { key?: string } | null }).party?.key === "liberal");
		expect(liberals.length).toBeGreaterThan(0);
		for (const p of liberals) expect(seen).toContainEqual({ kind: "politician", id: (p as Obj).id, op: "upsert", data: p });
		// Nothing else: an unchanged bill is not in the feed.
		expect(seen.some((c) => c.id === "44-1/C-10" && c.kind === "bill")).toBe(false);

		const fresh = new SyncClient(node, 7);
		await fresh.catchUp();
		expect(fresh.items).toEqual(after);
	});

	it("stays exact when rows change while a client is still in its first sync", async () => {
		const client = new SyncClient(node, 2);
		const first = ok<{ changes: Change[]; cursor: string; more: boolean }>(await node.get("/mobile/v1/changes?limit=2"));
		client.apply(first.changes);
		client.cursor = first.cursor;
		// Behind the snapshot's position (a bill already sent) and ahead of it (a politician not yet sent).
		const sentBill = first.changes[0]?.id ?? "";
		await db.query("UPDATE etl.bills SET title_en = title_en || ' (rev.)', short_title_en = NULL, content_hash = 'edited' WHERE session || '/' || number = $1", [sentBill]);
		await db.query("DELETE FROM etl.memberships WHERE politician_slug = 'gilles-belanger'");
		await client.catchUp();
		expect(client.items).toEqual(await serverItems(node));
		expect((client.items.get(`bill:${sentBill}`) as Obj).title_en).toMatch(/\(rev\.\)$/);
	});

	it("refuses a forged, tampered or foreign cursor with a 422 that says to resync", async () => {
		const page = ok<{ cursor: string }>(await node.get("/mobile/v1/changes?limit=1"));
		const [body, tag] = page.cursor.split(".");
		const forgedBody = Buffer.from(JSON.stringify({ p: "l", q: 0 })).toString("base64url");
		for (const since of [`${forgedBody}.${tag}`, `${body}.AAAAAAAAAAAAAAAAAAAAAA`, "not-a-cursor", `${body}`]) {
			const res = await node.get(`/mobile/v1/changes?since=${encodeURIComponent(since)}`);
			expect(res.status).toBe(422);
			expect(errorOf(res)).toMatchObject({ type: "INVALID_CURSOR", data: { field: "since", resync: true } });
		}
		const listCursor = ok<{ cursor: string }>(await node.get("/mobile/v1/bills?limit=1")).cursor;
		expect(errorOf(await node.get(`/mobile/v1/changes?since=${encodeURIComponent(listCursor)}`)).type).toBe("INVALID_CURSOR");
		expect((await node.get(`/mobile/v1/votes?cursor=${encodeURIComponent(listCursor)}`)).status).toBe(422);
		expect((await node.get(`/mobile/v1/bills?session=43-2&cursor=${encodeURIComponent(listCursor)}`)).status).toBe(422);
	});

	it("answers an expired cursor (its changes pruned) with RESYNC_REQUIRED, and a resync works", async () => {
		const client = new SyncClient(node, 50);
		await client.catchUp();
		const old = client.cursor ?? "";
		await db.query("UPDATE etl.bills SET content_hash = 'touched-again' WHERE session = '44-1' AND number = 'C-10'");
		// The ETL's pruning, run by hand: every entry so far is older than zero seconds.
		await db.query("SELECT etl.prune_change_log('0 seconds'::interval)");
		const res = await node.get(`/mobile/v1/changes?since=${encodeURIComponent(old)}`);
		expect(res.status).toBe(422);
		expect(errorOf(res)).toMatchObject({ type: "RESYNC_REQUIRED", data: { field: "since", resync: true } });
		const fresh = new SyncClient(node, 50);
		await fresh.catchUp();
		expect(fresh.items).toEqual(await serverItems(node));
	});
});
