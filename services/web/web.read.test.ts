/**
 * The public read API over HTTP through the real gateway, on PostgreSQL 15 and on PGlite, with the
 * data loaded by the ETL's own connectors: the real OCD riding files (with their bad rows) and the
 * crafted parliament of fixtures/crafted-parliament.json. Every filter, the pagination edges, 422s
 * and 404s, search in both languages, sources, ETag round trips, and a cached answer that an ETL
 * run invalidates. The record's figures are in web.record.test.ts.
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
import { CRAFTED_PARLIAMENT, OCD_FIXTURES, listOf, startLoadedWebNode, type WebNode } from "../../test/kits/web-test-kit.ts";

type Obj = Record<string, unknown>;

const ids = (res: Awaited<ReturnType<WebNode["get"]>>, key = "number"): unknown[] => listOf(res).objects.map((o) => o[key]);

describe.each(BACKENDS)("web read API on $name", (backend) => {
	let created: TestDatabase;
	let node: WebNode;
	let db: Database;

	beforeAll(async () => {
		created = await backend.create();
		node = await startLoadedWebNode(created.config);
		// The test's own handle on the same database (PGlite: the node's instance), to change a row behind the cache.
		db = await acquireDatabase(created.config);
	}, 120_000);
	afterAll(async () => {
		if (db) await releaseDatabase(created.config);
		await node?.broker.stop();
		await created?.drop();
	});

	describe("bills", () => {
		it.each([
			["", ["C-205", "C-11", "C-10", "S-2", "C-2"]],
			["session=44-1", ["C-205", "C-11", "C-10", "S-2"]],
			["session=43-2", ["C-2"]],
			["status=RoyalAssentGiven", ["C-10", "C-2"]],
			["chamber=Senate", ["S-2"]],
			["sponsor=eve-roy", ["C-205"]],
			["law=true", ["C-10", "C-2"]],
			["law=false", ["C-205", "C-11"]],
			["private_member=1", ["C-205"]],
			["private_member=false", ["C-11", "C-10", "S-2", "C-2"]],
			["introduced_after=2022-01-01", ["C-205", "C-11"]],
			["introduced_before=2021-11-29", ["C-10", "S-2", "C-2"]],
			["introduced_after=2021-11-25&introduced_before=2022-02-02", ["C-11", "C-10"]],
			["updated_since=2000-01-01", ["C-205", "C-11", "C-10", "S-2", "C-2"]],
			["updated_since=2999-01-01T00:00:00Z", []],
			["q=streaming", ["C-11"]],
			["q=Montreal", ["C-205"]],
			["session=44-1&sort=number", ["C-10", "C-11", "C-205", "S-2"]],
			["session=44-1&sort=-number", ["S-2", "C-205", "C-11", "C-10"]],
			["sort=introduced", ["C-2", "S-2", "C-10", "C-11", "C-205"]]
		])("filters %s", async (query, expected) => {
			const res = await node.get(`/api/v1/bills?${query}`);
			expect(ids(res)).toEqual(expected);
			expect(listOf(res).pagination.total).toBe(expected.length);
		});

		it("pages: first, last, past the end, with totals and links", async () => {
			const first = listOf(await node.get("/api/v1/bills?limit=2"));
			expect(first.pagination).toEqual({ offset: 0, limit: 2, total: 5, next_url: "/api/v1/bills?limit=2&offset=2", previous_url: null });
			const last = listOf(await node.get("/api/v1/bills?limit=2&offset=4"));
			expect(last.objects.map((o) => o.number)).toEqual(["C-2"]);
			expect(last.pagination).toMatchObject({ total: 5, next_url: null, previous_url: "/api/v1/bills?limit=2&offset=2" });
			const past = listOf(await node.get("/api/v1/bills?limit=2&offset=40&session=44-1"));
			expect(past.objects).toEqual([]);
			// Past the end: an empty page that still counts, and a way back to the last page.
			expect(past.pagination).toMatchObject({ total: 4, next_url: null, previous_url: "/api/v1/bills?session=44-1&limit=2&offset=2" });
			const followed = listOf(await node.get(first.pagination.next_url ?? ""));
			expect(followed.objects.map((o) => o.number)).toEqual(["C-10", "S-2"]);
			expect(listOf(await node.get("/api/v1/bills?limit=500")).objects).toHaveLength(5);
		});

		it("shows one bill with its sponsor, votes, stances and the raw document it came from", async () => {
			const res = await node.get("/api/v1/bills/44-1/c-10");
			expect(res.status, res.text).toBe(200);
			const bill = res.body as Obj;
			expect(bill).toMatchObject({
				session: "44-1",
				number: "C-10",
				// Markup and entities of the source are plain text here.
				title_en: "An Act respecting the Québec & Ontario water agreement",
				title_fr: "Loi concernant l'entente sur l’eau entre le Québec et l’Ontario",
				sponsor: { slug: "anais-levesque", name: "Anaïs Lévesque" },
				law: true,
				stages: [],
				votes: [expect.objectContaining({ session: "44-1", number: 1, result: "Passed", url: "/api/v1/votes/44-1/1" })],
				stances: { support: 0, oppose: 0 }
			});
			const source = bill.source as Obj;
			expect(source).toMatchObject({ source: "openparliament", document_key: expect.stringMatching(/^file:.*crafted-parliament\.json#\d+$/) });
			expect(source.document_hash).toMatch(/^[0-9a-f]{64}$/);
			expect(Date.parse(String(source.fetched_at))).toBeGreaterThan(Date.now() - 10 * 60_000);
			expect(source.document_id).toEqual(expect.any(String));
		});

		it("answers 422 naming the field for a malformed session, number or filter, and 404 for an unknown bill", async () => {
			for (const [url, field] of [
				["/api/v1/bills/44_1/C-10", "session"],
				["/api/v1/bills/44-1/X-10", "number"],
				["/api/v1/bills?session=44", "session"],
				["/api/v1/bills?colour=red", "colour"],
				["/api/v1/bills?limit=501", "limit"],
				["/api/v1/bills?limit=0", "limit"],
				["/api/v1/bills?offset=-1", "offset"],
				["/api/v1/bills?law=maybe", "law"],
				["/api/v1/bills?introduced_after=2022-02-30", "introduced_after"],
				["/api/v1/bills?sort=title", "sort"],
				["/api/v1/bills?q=%20%21%21", "q"]
			] as const) {
				const res = await node.get(url);
				expect(res.status, `${url}: ${res.text}`).toBe(422);
				expect(errorOf(res).data, url).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
				expect(res.headers.get("api-version")).toBe("v1");
			}
			const missing = await node.get("/api/v1/bills/44-1/C-999");
			expect(missing.status).toBe(404);
			expect(errorOf(missing).type).toBe("NOT_FOUND");
		});
	});

	describe("politicians", () => {
		it.each([
			["", ["anais-levesque", "benoit-tremblay", "cleo-gagnon", "dan-smith", "eve-roy", "fay-ouellet", "gilles-belanger"]],
			["include=former", ["hugo-former"]],
			// Ordered by family name: Bélanger, Gagnon, Lévesque.
			["include=all&limit=3", ["gilles-belanger", "cleo-gagnon", "anais-levesque"]],
			["party=conservative", ["dan-smith", "eve-roy", "gilles-belanger"]],
			["province=QC", ["anais-levesque", "cleo-gagnon"]],
			["riding=24059", ["anais-levesque"]],
			["riding=ocd-division/country:ca/ed:35002-2013", ["gilles-belanger"]],
			["name=levesque", ["anais-levesque"]],
			["name=B%C3%A9l", ["gilles-belanger"]],
			["include=all&party=liberal", ["anais-levesque", "benoit-tremblay", "cleo-gagnon", "hugo-former"]]
		])("filters %s", async (query, expected) => {
			const res = await node.get(`/api/v1/politicians?${query}`);
			expect(ids(res, "slug").sort()).toEqual([...expected].sort());
		});

		it("counts all politicians for include=all and refuses a bad include", async () => {
			expect(listOf(await node.get("/api/v1/politicians?include=all&limit=3")).pagination.total).toBe(8);
			const bad = await node.get("/api/v1/politicians?include=everyone");
			expect(bad.status).toBe(422);
			expect(errorOf(bad).data).toEqual([expect.objectContaining({ field: "include" })]);
		});

		it("shows a member who changed party with both memberships, the latest ballots and the record", async () => {
			const res = await node.get("/api/v1/politicians/gilles-belanger");
			expect(res.status, res.text).toBe(200);
			const body = res.body as Obj & { memberships: Obj[]; latest_ballots: Obj[]; record: Obj };
			expect(body).toMatchObject({ slug: "gilles-belanger", name: "Gilles Bélanger", current: true, membership: { id: "8", party: { key: "conservative" } } });
			expect(body.memberships.map((m) => (m.party as Obj).key)).toEqual(["conservative", "liberal"]);
			expect(body.memberships[0]?.riding).toEqual({ edid: "35002", name_en: "Aurora—Oak Ridges—Richmond Hill", ocd_id: "ocd-division/country:ca/ed:35002-2013" });
			expect(body.latest_ballots.map((b) => [b.vote_number, b.ballot])).toEqual([[5, "No"], [4, "Yes"], [3, "Yes"], [2, "Didn't vote"], [1, "Yes"]]);
			expect(body.record).toMatchObject({ overall: { votes_cast: 4, missed: 1, votes_with_party_pct: 100 }, url: "/api/v1/politicians/gilles-belanger/record" });
			expect((await node.get("/api/v1/politicians/nobody-here")).status).toBe(404);
			expect((await node.get("/api/v1/politicians/Not_A_Slug")).status).toBe(422);
		});
	});

	describe("votes and ballots", () => {
		it.each([
			["", [5, 4, 3, 2, 1]],
			["session=44-1&sort=date", [1, 2, 3, 4, 5]],
			["result=Failed", [5, 4]],
			["bill=C-10", [1]],
			["date_after=2022-08-01&date_before=2022-09-30", [4, 3]],
			["session=43-2", []]
		])("filters %s", async (query, expected) => {
			expect(ids(await node.get(`/api/v1/votes?${query}`))).toEqual(expected);
		});

		it("gives a vote's result per party, each party's position and free votes", async () => {
			const party = async (n: number) => {
				const res = await node.get(`/api/v1/votes/44-1/${n}`);
				expect(res.status, res.text).toBe(200);
				const byKey: Record<string, Obj> = {};
				for (const r of (res.body as { party_results: Obj[] }).party_results) byKey[String((r.party as Obj | null)?.key)] = r;
				return byKey;
			};
			const one = await party(1);
			expect(one.liberal).toMatchObject({ yes: 3, no: 1, position: "Yes", free_vote: true });
			expect(one.conservative).toMatchObject({ yes: 0, no: 2, position: "No", free_vote: false });
			expect(one.independent).toMatchObject({ yes: 1, position: null, free_vote: false });
			const two = await party(2);
			expect(two.liberal).toMatchObject({ yes: 1, no: 1, paired: 1, didnt_vote: 1, position: null, free_vote: false });
			expect((await party(3)).conservative).toMatchObject({ yes: 2, no: 1, position: "Yes", free_vote: true });
			// A single Yes/No ballot is no party position.
			expect((await party(5)).liberal).toMatchObject({ yes: 1, no: 0, position: null });
			const vote = (await node.get("/api/v1/votes/44-1/1")).body as Obj;
			expect(vote).toMatchObject({ yea_total: 4, nay_total: 3, paired_total: 0, bill: { number: "C-10" } });
			expect((await node.get("/api/v1/votes/44-1/99")).status).toBe(404);
			expect((await node.get("/api/v1/votes/44-1/first")).status).toBe(422);
		});

		it("lists ballots of a vote or a member, by ballot and by dissent", async () => {
			expect(listOf(await node.get("/api/v1/ballots?vote=44-1/1")).pagination.total).toBe(7);
			const no = await node.get("/api/v1/ballots?vote=44-1/1&ballot=No");
			expect(listOf(no).objects.map((b) => (b.politician as Obj).slug).sort()).toEqual(["cleo-gagnon", "dan-smith", "eve-roy"]);
			const dissent = listOf(await node.get("/api/v1/ballots?vote=44-1/1&dissent=true")).objects;
			expect(dissent).toEqual([expect.objectContaining({ politician: expect.objectContaining({ slug: "cleo-gagnon" }), party: "liberal", party_position: "Yes", free_vote: true, dissent: true })]);
			const eve = listOf(await node.get("/api/v1/ballots?politician=eve-roy&dissent=true")).objects;
			expect(eve.map((b) => (b.vote as Obj).number)).toEqual([3]);
			const gilles = listOf(await node.get("/api/v1/ballots?politician=gilles-belanger&limit=2&offset=1"));
			expect(gilles.pagination).toMatchObject({ total: 5, next_url: "/api/v1/ballots?politician=gilles-belanger&limit=2&offset=3" });
			expect(gilles.objects.map((b) => [(b.vote as Obj).number, b.party])).toEqual([[4, "conservative"], [3, "conservative"]]);
			const both = listOf(await node.get("/api/v1/ballots?vote=44-1/1&politician=gilles-belanger")).objects;
			expect(both).toEqual([expect.objectContaining({ party: "liberal", ballot: "Yes", dissent: false })]);
			const neither = await node.get("/api/v1/ballots?ballot=Yes");
			expect(neither.status).toBe(422);
			expect(errorOf(neither).data).toEqual([expect.objectContaining({ field: "vote" })]);
			expect((await node.get("/api/v1/ballots?vote=44-1")).status).toBe(422);
		});
	});

	describe("parties, ridings, sessions", () => {
		it("lists parties with their current members", async () => {
			const parties = listOf(await node.get("/api/v1/parties")).objects;
			expect(parties.map((p) => [p.key, p.current_members])).toEqual([["conservative", 3], ["liberal", 3], ["independent", 1]]);
		});

		it("lists ridings from the real OCD files, by province and validity, and shows one with its current member", async () => {
			const csv2023 = readFileSync(path.join(OCD_FIXTURES, "ca_federal_electoral_districts-2023.csv"), "utf8");
			const quebec2023 = csv2023.split("\n").filter((l) => /^ocd-division\/country:ca\/ed:24\d{3}-2023,/.test(l)).length;
			const current = listOf(await node.get("/api/v1/ridings?province=QC&current=true&limit=1"));
			expect(current.pagination.total).toBe(quebec2023);
			const named = listOf(await node.get("/api/v1/ridings?name=Quebec%20Centre"));
			expect(named.objects.map((r) => r.ocd_id)).toEqual(["ocd-division/country:ca/ed:24059-2023"]);
			const old = await node.get("/api/v1/ridings/ocd-division%2Fcountry:ca%2Fed:24059-2013");
			expect(old.status, old.text).toBe(200);
			expect(old.body).toMatchObject({ name_en: "Québec", valid_through: "2024-04-23", current_member: { slug: "anais-levesque", party: { key: "liberal" } } });
			const fresh = (await node.get("/api/v1/ridings/ocd-division%2Fcountry:ca%2Fed:24059-2023")).body as Obj;
			expect(fresh).toMatchObject({ name_en: "Québec Centre", current_member: null });
			expect((await node.get("/api/v1/ridings/ocd-division%2Fcountry:ca%2Fed:99999-2023")).status).toBe(404);
			expect((await node.get("/api/v1/ridings/ed:24059")).status).toBe(422);
		});

		it("lists sessions newest first with their counts", async () => {
			expect(listOf(await node.get("/api/v1/sessions")).objects).toEqual([
				{ id: "44-1", parliament: 44, session: 1, bills: 4, votes: 5, first_vote: "2022-01-10", last_vote: "2022-10-10" },
				{ id: "43-2", parliament: 43, session: 2, bills: 1, votes: 0, first_vote: null, last_vote: null }
			]);
		});
	});

	describe("search", () => {
		it("finds Québec without the accent, in English, highlighted", async () => {
			const hits = listOf(await node.get("/api/v1/search?q=Quebec")).objects;
			expect(hits[0]).toMatchObject({ kind: "bill", id: "44-1/C-10", url: "/api/v1/bills/44-1/C-10" });
			expect(hits[0]?.snippet).toContain("<mark>Québec</mark>");
			// The title's "&" reaches the snippet escaped: snippets are HTML.
			expect(hits[0]?.snippet).toContain("&amp;");
		});

		it("searches French text, with French stemming", async () => {
			const hits = listOf(await node.get("/api/v1/search?q=patrimoine%20reconna%C3%AEtre")).objects;
			expect(hits.map((h) => h.id)).toEqual(["44-1/C-205"]);
			expect(hits[0]?.snippet).toContain("<mark>patrimoine</mark>");
			const water = listOf(await node.get("/api/v1/search?q=entente%20eau&kind=bill")).objects;
			expect(water.map((h) => h.id)).toEqual(["44-1/C-10"]);
		});

		it("matches prefixes for type-ahead, across bills and politicians, ranked", async () => {
			const people = listOf(await node.get("/api/v1/search?q=L%C3%A9v")).objects;
			expect(people.map((h) => h.id)).toEqual(["anais-levesque"]);
			expect(people[0]?.snippet).toBe("Anaïs <mark>Lévesque</mark>");
			const plain = listOf(await node.get("/api/v1/search?q=levesq&kind=politician")).objects;
			expect(plain.map((h) => h.id)).toEqual(["anais-levesque"]);
			const mixed = listOf(await node.get("/api/v1/search?q=act&limit=2"));
			expect(mixed.pagination.total).toBeGreaterThanOrEqual(3);
			const ranks = mixed.objects.map((h) => Number(h.rank));
			expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
			expect((await node.get("/api/v1/search")).status).toBe(422);
		});
	});

	it("says per source when data last arrived, its counts and its open data-quality issues", async () => {
		const sources = (await node.get("/api/v1/sources")).body as { objects: (Obj & { records: Record<string, number>; open_issues: { count: number; latest: Obj[] } })[] };
		const bySource = Object.fromEntries(sources.objects.map((s) => [s.source, s]));
		expect(bySource.ocd).toMatchObject({ last_success: { status: "succeeded" }, records: { ridings: 681, provinces: 13 } });
		expect(Number(bySource.ocd?.age_seconds)).toBeGreaterThanOrEqual(0);
		// bad-ridings.csv is there on purpose: its rows are the source's open issues.
		expect(bySource.ocd?.open_issues.count).toBeGreaterThan(0);
		expect(bySource.ocd?.open_issues.latest[0]).toMatchObject({ reason: expect.any(String) });
		expect(bySource.openparliament).toMatchObject({ records: { bills: 5, politicians: 8, votes: 5, ballots: 35 } });
		expect(bySource.legisinfo).toMatchObject({ last_success: null, age_seconds: null, records: {} });
	});

	it("answers an ETag and 304 to If-None-Match, and API-Version on every response", async () => {
		const first = await node.get("/api/v1/bills/44-1/C-11");
		const etag = first.headers.get("etag");
		expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
		expect(first.headers.get("api-version")).toBe("v1");
		// As a browser revalidates. fetch() alone would add `Cache-Control: no-cache` to a conditional
		// request (the Fetch standard), which asks for a full answer, and gets one.
		const revalidate = { "if-none-match": String(etag), "cache-control": "max-age=0" };
		const again = await node.get("/api/v1/bills/44-1/C-11", revalidate);
		expect(again.status).toBe(304);
		expect(again.text).toBe("");
		expect(again.headers.get("api-version")).toBe("v1");
		expect((await node.get("/api/v1/bills/44-1/C-11", { ...revalidate, "if-none-match": '"something-else"' })).status).toBe(200);
		expect((await node.get("/api/v1/bills?limit=1")).headers.get("etag")).not.toBe(etag);
		expect((await node.get("/api/v1/bills/44-1/C-404")).headers.get("api-version")).toBe("v1");
		expect((await node.get("/healthz")).headers.get("api-version")).toBe("v1");
	});

	it("serves cached answers until an ETL run commits a change, then the new data", async () => {
		const url = "/api/v1/bills/44-1/C-11";
		const before = await node.get(url);
		expect((before.body as Obj).short_title_en).toBe("Online Streaming Act");
		// A change behind the ETL's back is not seen: the answer comes from the cache.
		await db.query("UPDATE etl.bills SET short_title_en = 'Changed behind the cache' WHERE session = '44-1' AND number = 'C-11'");
		expect(((await node.get(url)).body as Obj).short_title_en).toBe("Online Streaming Act");

		const dir = await mkdtemp(path.join(tmpdir(), "web-cache-"));
		try {
			const { objects } = JSON.parse(readFileSync(CRAFTED_PARLIAMENT, "utf8")) as { objects: Obj[] };
			const bill = objects.find((o) => o.url === "/bills/44-1/C-11/");
			const file = path.join(dir, "c-11.json");
			writeFileSync(file, JSON.stringify({ objects: [{ ...bill, short_title: { en: "Online Streaming Act, amended", fr: "Loi sur la diffusion continue en ligne" } }] }));
			const run = await node.load("openparliament", file);
			expect(run).toMatchObject({ status: "succeeded", updated: 1 });
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
		const after = await node.get(url, { "if-none-match": String(before.headers.get("etag")), "cache-control": "max-age=0" });
		expect(after.status).toBe(200);
		expect((after.body as Obj).short_title_en).toBe("Online Streaming Act, amended");
		expect(listOf(await node.get("/api/v1/search?q=amended")).objects.map((h) => h.id)).toEqual(["44-1/C-11"]);
	});
});
