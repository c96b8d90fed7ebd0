/**
 * The behaviour every DocumentStore must have, written once and run against each implementation
 * (document-store.test.ts): PostgreSQL 15 and PGlite always, MongoDB when MONGO_URL is set.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DocumentStore } from "../../runtime/storage/document-store.ts";

export interface StoreUnderTest {
	store: DocumentStore;
	cleanup(): Promise<void>;
}

export function documentStoreConformance(open: () => Promise<StoreUnderTest>): void {
	let subject: StoreUnderTest;
	let store: DocumentStore;
	// A run id of its own, so a store shared between runs of the suite still gives exact answers.
	const run = `run-${randomBytes(4).toString("hex")}`;
	const source = `openparliament.bills.${run}`;

	beforeAll(async () => {
		subject = await open();
		store = subject.store;
	});
	afterAll(async () => subject?.cleanup());

	it("stores a raw document and reads it back as it was", async () => {
		const body = { objects: [{ number: "C-11", name: { en: "Online Streaming Act" } }], pagination: { next_url: null, offset: 0, limit: 20 } };
		const fetchedAt = new Date("2024-01-02T03:04:05.678Z");
		const { document, created } = await store.putRawDocument({ source, key: "/bills/?session=44-1", runId: run, url: "https://api.openparliament.ca/bills/?session=44-1", fetchedAt, body });
		expect(created).toBe(true);
		expect(document).toMatchObject({ source, key: "/bills/?session=44-1", runId: run, contentType: "application/json", fetchedAt, body });
		expect(document.checksum).toMatch(/^[0-9a-f]{64}$/);
		expect(await store.getRawDocument(document.id)).toEqual(document);
	});

	it("keeps the same content once, and a changed content as a new version", async () => {
		const key = "/bills/44-1/C-18/";
		const first = await store.putRawDocument({ source, key, runId: run, fetchedAt: new Date("2024-01-03T00:00:00Z"), body: { a: 1, b: [1, 2] } });
		// Same content, keys in another order: the same document.
		const again = await store.putRawDocument({ source, key, runId: run, fetchedAt: new Date("2024-01-04T00:00:00Z"), body: { b: [1, 2], a: 1 } });
		expect(again.created).toBe(false);
		expect(again.document.id).toBe(first.document.id);
		const changed = await store.putRawDocument({ source, key, runId: run, fetchedAt: new Date("2024-01-05T00:00:00Z"), body: { a: 2, b: [1, 2] } });
		expect(changed.created).toBe(true);
		const versions = await store.findRawDocuments({ source, key });
		expect(versions.map((d) => d.id)).toEqual([first.document.id, changed.document.id]);
	});

	it("stores a batch once: a repeated batch adds nothing, a changed body is a new version", async () => {
		const batch = `batch-${run}`;
		const docs = [0, 1, 2].map((i) => ({ source, key: `${batch}/${i}`, runId: batch, body: { n: i } }));
		expect(await store.putRawDocuments(docs)).toBe(3);
		expect(await store.putRawDocuments(docs)).toBe(0);
		expect(await store.putRawDocuments([{ ...docs[0], body: { n: 10 } } as (typeof docs)[number]])).toBe(1);
		expect((await store.findRawDocuments({ runId: batch })).map((d) => d.key).sort()).toEqual([`${batch}/0`, `${batch}/0`, `${batch}/1`, `${batch}/2`]);
	});

	it("keeps text bodies as text", async () => {
		const csv = "id,name\nocd-division/country:ca/ed:35001-2013,Ajax\n";
		const { document } = await store.putRawDocument({ source: `${source}.csv`, key: "country-ca.csv", contentType: "text/csv", body: csv });
		expect((await store.getRawDocument(document.id))?.body).toBe(csv);
	});

	it("keeps a document sent as received text as that text, read back as its body (JSON parsed, XML as is)", async () => {
		const json = '{"objects": [{"b": 2, "a": 1}],  "pagination": {"next_url": null}}';
		const page = await store.putRawDocument({ source, key: `text-page-${run}`, runId: run, text: json, checksum: `sha-of-page-${run}` });
		const xml = '<?xml version="1.0" encoding="utf-8"?>\n<ArrayOfVote><Vote><DecisionDivisionNumber>1</DecisionDivisionNumber></Vote></ArrayOfVote>';
		const house = await store.putRawDocument({ source, key: `text-xml-${run}`, runId: run, contentType: "application/xml", text: xml, checksum: `sha-of-xml-${run}` });
		const [readPage, readXml] = await Promise.all([store.getRawDocument(page.document.id), store.getRawDocument(house.document.id)]);
		// The bytes as received, spacing and key order included: anyone can hash them again.
		expect(readPage).toMatchObject({ text: json, checksum: `sha-of-page-${run}`, body: { objects: [{ a: 1, b: 2 }], pagination: { next_url: null } } });
		expect(readXml).toMatchObject({ text: xml, contentType: "application/xml", body: xml });
		expect(await store.putRawDocuments([{ source, key: `text-xml-${run}`, contentType: "application/xml", text: xml, checksum: `sha-of-xml-${run}` }])).toBe(0);
	});

	it("lists a run's documents oldest first for replay, with a limit and a since", async () => {
		const replay = `replay-${run}`;
		for (let i = 0; i < 5; i++) {
			await store.putRawDocument({ source, key: `page-${i}`, runId: replay, fetchedAt: new Date(Date.UTC(2024, 1, 1, 0, 0, 5 - i)), body: { page: i } });
		}
		const all = await store.findRawDocuments({ runId: replay });
		expect(all.map((d) => d.key)).toEqual(["page-4", "page-3", "page-2", "page-1", "page-0"]);
		expect((await store.findRawDocuments({ runId: replay, limit: 2 })).map((d) => d.key)).toEqual(["page-4", "page-3"]);
		const since = await store.findRawDocuments({ runId: replay, since: new Date(Date.UTC(2024, 1, 1, 0, 0, 3)) });
		expect(since.map((d) => d.key)).toEqual(["page-2", "page-1", "page-0"]);
		expect(await store.getRawDocument("00000000-0000-7000-8000-000000000000")).toBeUndefined();
	});

	it("appends audit events and finds them newest first by actor, action, target and time", async () => {
		const actor = `user-${run}`;
		const at = new Date("2024-05-01T10:00:00Z");
		const login = await store.appendAudit({ actor, action: "auth.login", requestId: "req-1", data: { ip: "203.0.113.5", mfa: true }, at });
		expect(login).toMatchObject({ actor, action: "auth.login", target: null, requestId: "req-1", data: { ip: "203.0.113.5", mfa: true }, at });
		// Several in the same millisecond keep their order.
		const same = new Date("2024-05-01T10:00:01Z");
		const edits = [];
		for (let i = 0; i < 3; i++) edits.push(await store.appendAudit({ actor, action: "config.set", target: `key-${i}`, at: same }));
		await store.appendAudit({ actor: `other-${run}`, action: "config.set", target: "key-0", at: same });

		const mine = await store.findAudit({ actor });
		expect(mine.map((e) => e.id)).toEqual([edits[2]?.id, edits[1]?.id, edits[0]?.id, login.id]);
		expect((await store.findAudit({ actor, action: "auth.login" })).map((e) => e.id)).toEqual([login.id]);
		expect((await store.findAudit({ actor, target: "key-1" })).map((e) => e.id)).toEqual([edits[1]?.id]);
		expect((await store.findAudit({ actor, until: same })).map((e) => e.id)).toEqual([login.id]);
		expect((await store.findAudit({ actor, since: same, limit: 2 })).map((e) => e.id)).toEqual([edits[2]?.id, edits[1]?.id]);
		expect(await store.findAudit({ actor: `nobody-${run}` })).toEqual([]);
	});

	it("answers a ping", async () => {
		await expect(store.ping(2_000)).resolves.toBeUndefined();
	});
}
