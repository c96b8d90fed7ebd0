/**
 * The openparliament connector against a local HTTP server (127.0.0.1, port 0; no internet here)
 * serving fixtures in the API's published shapes, with bad records and failing requests mixed in.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openparliamentConnector } from "./openparliament.ts";
import { extractTransform, type TransformStep } from "./extract-transform.ts";
import { LOCAL_TEST_NETWORKS, sendJson, startLocalServer, type LocalTestServer } from "../../../test/kits/local-test-server.ts";
import { markDissent } from "../records/dissent.ts";
import type { DataQualityIssue } from "../records/data-quality.ts";
import type { NormalizedRecord, RecordKind, RecordOf } from "../records/normalized-record.ts";

const fixtures = (p: string) => fileURLToPath(new URL(`../fixtures/openparliament/${p}`, import.meta.url));

const PATHS = {
	politicians: "/politicians/?limit=2",
	bills: "/bills/?limit=3",
	votes: "/votes/?limit=2",
	ballots: "/votes/ballots/?vote=%2Fvotes%2F44-1%2F1%2F"
};
/** First request to each of these fails once; the fetcher must retry through it. */
const FAIL_ONCE: Record<string, [number, Record<string, string>]> = {
	"/bills/44-1/C-11/": [500, {}],
	"/politicians/?limit=2&offset=2": [429, { "retry-after": "0" }]
};

let server: LocalTestServer;
let steps: TransformStep[];
let extractIssues: DataQualityIssue[];

function all<K extends RecordKind>(kind: K): RecordOf<K>[] {
	return steps.flatMap((s) => s.records).filter((r): r is Extract<NormalizedRecord, { kind: K }> => r.kind === kind).map((r) => r.data as RecordOf<K>);
}
const allBallots = () => steps.flatMap((s) => s.ballots?.toArray() ?? []);
const allIssues = () => [...extractIssues, ...steps.flatMap((s) => s.issues)];

beforeAll(async () => {
	const routes = JSON.parse(await readFile(fixtures("routes.json"), "utf8")) as Record<string, unknown>;
	const failed = new Set<string>();
	server = await startLocalServer((_req, res, path) => {
		const failure = FAIL_ONCE[path];
		if (failure && !failed.has(path)) {
			failed.add(path);
			sendJson(res, failure[0], { error: "try again" }, failure[1]);
			return;
		}
		const body = routes[path];
		if (body === undefined) sendJson(res, 404, { error: "Not found" });
		// The fixtures write absolute links with HOST; they must point back at this server.
		else sendJson(res, 200, JSON.parse(JSON.stringify(body).replaceAll("http://HOST/", server.url)));
	});
	extractIssues = [];
	steps = [];
	const connector = openparliamentConnector({ paths: PATHS });
	for await (const step of extractTransform(connector, {
		url: server.url,
		http: { minIntervalMs: 0, backoffBaseMs: 5, timeoutMs: 5_000, allowPrivateNetworks: LOCAL_TEST_NETWORKS },
		onIssue: (i) => extractIssues.push(i)
	})) {
		steps.push(step);
	}
});
afterAll(() => server.close());

describe("openparliament connector over HTTP", () => {
	it("walks every list, fetching detail pages only for items that lack detail fields", () => {
		const paths = server.requests.map((r) => r.path);
		expect(paths).toContain("/politicians/melanie-joly/");
		expect(paths).toContain("/bills/44-1/C-10/");
		expect(paths).toContain("/votes/44-1/1/");
		// Vote 2's list item already has party_votes, and C-999 already has status_code.
		expect(paths).not.toContain("/votes/44-1/2/");
		expect(paths).not.toContain("/bills/44-1/C-999/");
		// The two failures were retried, not skipped.
		expect(paths.filter((p) => p === "/bills/44-1/C-11/")).toHaveLength(2);
		expect(paths.filter((p) => p === "/politicians/?limit=2&offset=2")).toHaveLength(2);
	});

	it("normalizes politicians, keeping accents in NFC and resolving image paths", () => {
		const joly = all("politician").find((p) => p.slug === "melanie-joly");
		expect(joly?.name).toBe("M\u00e9lanie Joly");
		expect(joly?.givenName).toBe("M\u00e9lanie");
		expect(joly?.imageUrl).toBe(`${server.url}media/polpics/melanie-joly.jpg`);
		expect(all("politician").find((p) => p.slug === "francois-philippe-champagne")?.givenName).toBe("François-Philippe");
		expect(all("politician").find((p) => p.slug === "yves-francois-blanchet")?.imageUrl).toBeNull();
	});

	it("keeps a list item whose detail page is missing, and says so", () => {
		const plamondon = all("politician").find((p) => p.slug === "louis-plamondon");
		expect(plamondon?.name).toBe("Louis Plamondon");
		expect(plamondon && "givenName" in plamondon).toBe(false);
		expect(extractIssues.find((i) => i.recordKey === "/politicians/louis-plamondon/")?.reason).toMatch(/detail page not fetched.*404/);
	});

	it("derives memberships and parties from politician details, each party once", () => {
		expect(all("membership").map((m) => m.id).sort()).toEqual(["4101", "4529", "4533", "4540"]);
		expect(all("membership").find((m) => m.id === "4101")).toEqual({
			id: "4101",
			politicianSlug: "melanie-joly",
			partyKey: "liberal",
			ridingEdid: "24003",
			ridingNameEn: "Ahuntsic-Cartierville",
			province: "QC",
			startDate: "2019-10-21",
			endDate: "2021-08-15"
		});
		expect(all("party")).toEqual([
			{ key: "liberal", nameEn: "Liberal Party of Canada", shortNameEn: "Liberal" },
			{ key: "bloc", nameEn: "Bloc Québécois", shortNameEn: "Bloc" }
		]);
		expect(all("session")).toEqual([{ id: "44-1", parliament: 44, session: 1 }]);
	});

	it("merges bill details and strips HTML from titles", () => {
		const bills = all("bill");
		expect(bills.map((b) => b.number)).toEqual(["C-10", "C-11", "S-2"]);
		const c10 = bills[0];
		expect(c10).toMatchObject({ chamber: "House", law: true, statusCode: "RoyalAssentGiven", sponsorPoliticianSlug: "francois-philippe-champagne", sponsorMembershipId: "4533", shortTitleEn: null, legisinfoId: 11435421 });
		expect(bills[1]?.titleEn).toBe("An Act to amend the Broadcasting Act & to make related amendments");
		expect(bills[1]?.titleFr).toBe("Loi modifiant la Loi sur la radiodiffusion");
		expect(bills[2]).toMatchObject({ chamber: "Senate", shortTitleEn: null, sponsorPoliticianSlug: null, law: null });
	});

	it("turns malformed bills and votes into issues naming the field, and goes on", () => {
		const reasons = allIssues().map((i) => i.reason);
		expect(reasons).toContainEqual(expect.stringMatching(/invalid openparliament bill: legisinfo_id/));
		expect(reasons).toContainEqual(expect.stringMatching(/invalid openparliament bill: number/));
		expect(reasons).toContainEqual(expect.stringMatching(/invalid openparliament vote: yea_total/));
		expect(all("vote").map((v) => v.number)).toEqual([1]);
	});

	it("follows through an empty page and stops at a next_url loop with an issue", () => {
		expect(all("bill").some((b) => b.number === "S-2")).toBe(true);
		const loop = extractIssues.filter((i) => /next_url loop/.test(i.reason));
		expect(loop).toHaveLength(1);
		expect(loop[0]?.raw).toMatchObject({ next_url: `${server.url}votes/?limit=2` });
		expect(server.requests.filter((r) => r.path === "/votes/?limit=2")).toHaveLength(1);
	});

	it("reads votes with party results", () => {
		expect(all("vote")[0]).toEqual({
			session: "44-1",
			number: 1,
			date: "2021-12-02",
			descriptionEn: "3rd reading and adoption of Bill C-10",
			descriptionFr: "3e lecture et adoption du projet de loi C-10",
			result: "Passed",
			yeaTotal: 3,
			nayTotal: 1,
			pairedTotal: 0,
			billNumber: "C-10"
		});
		expect(all("partyVote").map((p) => [p.partyKey, p.vote, p.disagreement])).toEqual([
			["liberal", "Yes", 0],
			["bloc", "No", 0.5]
		]);
	});

	it("reads ballots, rejecting unknown values, missing links and conflicting duplicates", () => {
		const ballots = allBallots();
		expect(ballots.map((b) => `${b.politicianSlug}:${b.ballot}`)).toEqual([
			"melanie-joly:Yes",
			"francois-philippe-champagne:Yes",
			"yves-francois-blanchet:Yes",
			"louis-plamondon:No",
			"elizabeth-may:Didn't vote"
		]);
		expect(ballots.find((b) => b.politicianSlug === "elizabeth-may")?.membershipId).toBeNull();
		const reasons = allIssues().map((i) => i.reason);
		expect(reasons).toContainEqual(expect.stringMatching(/duplicate ballot 44-1\/1\/louis-plamondon disagrees on ballot/));
		expect(reasons).toContainEqual(expect.stringMatching(/invalid ballot: ballot/));
		expect(reasons).toContainEqual(expect.stringMatching(/invalid openparliament ballot: vote_url/));
	});

	it("marks dissent against the party line once memberships are known", () => {
		const partyOf = new Map(all("membership").map((m) => [m.id, m.partyKey]));
		const marked = markDissent(allBallots(), all("partyVote"), (id) => partyOf.get(id));
		const dissent = Object.fromEntries(marked.map((b) => [b.politicianSlug, b.dissent]));
		expect(dissent).toEqual({
			"melanie-joly": false,
			"francois-philippe-champagne": false,
			"yves-francois-blanchet": true,
			"louis-plamondon": false,
			"elizabeth-may": false
		});
	});

	it("gives every raw document its source, URL and a hash of its body", () => {
		const c10 = steps.find((s) => s.document.url === `${server.url}bills/44-1/C-10/`)?.document;
		expect(c10).toMatchObject({ source: "openparliament", resource: "bills", contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
		expect(new Date(c10?.fetchedAt ?? "invalid").getTime()).not.toBeNaN();
		expect(c10?.body).toMatchObject({ status_code: "RoyalAssentGiven", number: "C-10" });
	});
});

describe("openparliament connector on local files", () => {
	it("reads saved pages and bare arrays, classifying each item by its fields", async () => {
		const issues: DataQualityIssue[] = [];
		const docs = [];
		for await (const doc of openparliamentConnector().extract({ file: fixtures("export"), onIssue: (i) => issues.push(i) })) docs.push(doc);
		// A file's ballots are one page document (the unit read), counting the ballots it holds.
		expect(docs.map((d) => d.resource)).toEqual(["ballots", "bills"]);
		expect(docs[0]?.url).toMatch(/^file:\/\/.*\/export\/ballots\.json#ballots$/);
		expect(docs[0]?.items).toBe(2);
		expect(issues).toHaveLength(1);
		expect(issues[0]?.reason).toMatch(/not an openparliament/);
		const results = docs.map((d) => openparliamentConnector().transform(d));
		expect(results.reduce((n, r) => n + (r.ballots?.length ?? 0), 0)).toBe(2);
		const records = results.flatMap((r) => r.records);
		expect(records.find((r) => r.kind === "bill")?.key).toBe("44-1/C-10");
	});

	it("hashes the same content the same way on every read", async () => {
		const read = async () => {
			const hashes: string[] = [];
			for await (const doc of openparliamentConnector().extract({ file: fixtures("export") })) hashes.push(doc.contentHash);
			return hashes;
		};
		const [a, b] = [await read(), await read()];
		expect(a).toEqual(b);
		expect(new Set(a).size).toBe(a.length);
	});
});

describe("openparliament connector cancellation", () => {
	it("stops an endless pagination when the run's signal is aborted", async () => {
		let served = 0;
		const endless = await startLocalServer((_req, res, path) => {
			served++;
			const offset = Number(new URL(path, "http://x").searchParams.get("offset") ?? 0);
			sendJson(res, 200, {
				objects: [{ vote_url: "/votes/44-1/1/", politician_url: `/politicians/mp-${offset}/`, politician_membership_url: null, ballot: "Yes" }],
				pagination: { offset, limit: 1, next_url: `/votes/ballots/?offset=${offset + 1}`, previous_url: null }
			});
		});
		try {
			const controller = new AbortController();
			const seen: string[] = [];
			const consume = async () => {
				const docs = openparliamentConnector({ resources: ["ballots"] }).extract({ url: endless.url, signal: controller.signal, http: { minIntervalMs: 0, allowPrivateNetworks: LOCAL_TEST_NETWORKS } });
				for await (const doc of docs) {
					seen.push(doc.url);
					if (seen.length === 3) controller.abort(new Error("cancelled by operator"));
				}
			};
			await expect(consume()).rejects.toThrow("cancelled by operator");
			expect(seen).toHaveLength(3);
			expect(served).toBe(3);
		} finally {
			await endless.close();
		}
	});
});
