/**
 * Generated openparliament data in the API's published shapes (records/openparliament-shapes.ts),
 * for tests and the benchmark: politicians with their memberships, bills with detail fields,
 * votes with party results, and one ballot per politician per vote. Deterministic, so two loads
 * of the same size are row-for-row comparable. `servePages` answers API paths the way
 * openparliament does (objects + pagination with next_url), so the real connector walks it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface ParliamentSize {
	politicians: number;
	bills: number;
	votes: number;
	/** Ballots of each vote: the first `ballotsPerVote` politicians (default all). */
	ballotsPerVote?: number;
}

const PARTIES = [
	{ en: "Liberal", name: "Liberal Party of Canada" },
	{ en: "Conservative", name: "Conservative Party of Canada" },
	{ en: "NDP", name: "New Democratic Party" },
	{ en: "Bloc", name: "Bloc Québécois" }
];
const GIVEN = ["Élise", "François", "Anaïs", "Jérôme", "Zoë", "Noël", "Maëlle", "Benoît"];
const SESSION = "44-1";

export function politicianItem(i: number): Record<string, unknown> {
	const party = PARTIES[i % PARTIES.length] ?? PARTIES[0];
	const given = GIVEN[i % GIVEN.length] ?? "Alex";
	const family = `Côté${i}`;
	return {
		name: `${given} ${family}`,
		url: `/politicians/member-${i}/`,
		given_name: given,
		family_name: family,
		gender: i % 2 === 0 ? "female" : "male",
		image: `/media/polpics/member-${i}.jpg`,
		current_party: { short_name: { en: party?.en } },
		memberships: [
			{
				url: `/politicians/memberships/${10_000 + i}/`,
				start_date: "2021-09-20",
				end_date: null,
				party: { name: { en: party?.name }, short_name: { en: party?.en } },
				riding: { name: { en: `Riding ${i}` }, province: "ON", id: 35_000 + (i % 999) + 1 }
			}
		]
	};
}

export function billItem(i: number, titleSuffix = ""): Record<string, unknown> {
	return {
		url: `/bills/${SESSION}/C-${i + 1}/`,
		session: SESSION,
		number: `C-${i + 1}`,
		legisinfo_id: 11_000_000 + i,
		introduced: "2022-02-01",
		name: { en: `An Act respecting <em>example</em> matters number ${i + 1}${titleSuffix}`, fr: `Loi concernant des questions d’exemple numéro ${i + 1}` },
		short_title: { en: `Example Act ${i + 1}`, fr: `Loi d’exemple ${i + 1}` },
		home_chamber: "House",
		law: i % 3 === 0,
		sponsor_politician_url: `/politicians/member-${i % 7}/`,
		sponsor_politician_membership_url: `/politicians/memberships/${10_000 + (i % 7)}/`,
		private_member_bill: i % 4 === 0,
		status_code: i % 3 === 0 ? "RoyalAssentGiven" : "HouseAt2ndReading",
		status: { en: i % 3 === 0 ? "Royal assent received" : "At second reading in the House of Commons" }
	};
}

export function voteItem(i: number): Record<string, unknown> {
	return {
		url: `/votes/${SESSION}/${i + 1}/`,
		session: SESSION,
		number: i + 1,
		date: "2022-03-01",
		description: { en: `Motion ${i + 1}`, fr: `Motion ${i + 1}` },
		result: i % 2 === 0 ? "Passed" : "Failed",
		yea_total: 170,
		nay_total: 150,
		paired_total: 0,
		bill_url: `/bills/${SESSION}/C-${(i % 5) + 1}/`,
		party_votes: PARTIES.map((p, k) => ({ vote: (i + k) % 2 === 0 ? "Yes" : "No", disagreement: 0, party: { name: { en: p.name }, short_name: { en: p.en } } }))
	};
}

export function ballotItem(vote: number, politician: number): Record<string, unknown> {
	return {
		vote_url: `/votes/${SESSION}/${vote + 1}/`,
		politician_url: `/politicians/member-${politician}/`,
		politician_membership_url: `/politicians/memberships/${10_000 + politician}/`,
		ballot: (vote + politician) % 5 === 0 ? "No" : (vote + politician) % 11 === 0 ? "Didn't vote" : "Yes"
	};
}

export function ballotCount(size: ParliamentSize): number {
	return size.votes * Math.min(size.ballotsPerVote ?? size.politicians, size.politicians);
}

/** The i-th ballot in list order (vote by vote). */
export function ballotAt(size: ParliamentSize, i: number): Record<string, unknown> {
	const per = Math.min(size.ballotsPerVote ?? size.politicians, size.politicians);
	return ballotItem(Math.floor(i / per), i % per);
}

export type Resource = "politicians" | "bills" | "votes" | "ballots";

export interface ServeOptions {
	size: ParliamentSize;
	pageSize: number;
	/** Changes an item before it is served (a test editing a bill between runs). */
	edit?: (resource: Resource, index: number, item: Record<string, unknown>) => Record<string, unknown>;
}

const ROOTS: Record<string, Resource> = { "/politicians/": "politicians", "/bills/": "bills", "/votes/": "votes", "/votes/ballots/": "ballots" };

/** Answers a list path (`/bills/?limit=100&offset=200`) with one page; undefined for other paths. */
export function pageFor(path: string, options: ServeOptions): unknown {
	const url = new URL(path, "http://local.invalid");
	const resource = ROOTS[url.pathname];
	if (!resource) return undefined;
	const { size } = options;
	const total = resource === "politicians" ? size.politicians : resource === "bills" ? size.bills : resource === "votes" ? size.votes : ballotCount(size);
	const limit = options.pageSize;
	const offset = Number(url.searchParams.get("offset") ?? 0);
	const objects: unknown[] = [];
	for (let i = offset; i < Math.min(total, offset + limit); i++) {
		const item = resource === "politicians" ? politicianItem(i) : resource === "bills" ? billItem(i) : resource === "votes" ? voteItem(i) : ballotAt(size, i);
		objects.push(options.edit ? options.edit(resource, i, item) : item);
	}
	const next = offset + limit < total ? `${url.pathname}?limit=${limit}&offset=${offset + limit}` : null;
	return { objects, pagination: { offset, limit, next_url: next, previous_url: offset > 0 ? `${url.pathname}?limit=${limit}&offset=${Math.max(0, offset - limit)}` : null } };
}

/** A request handler for startLocalServer: pages, with an optional delay per request (a slow server). */
export function servePages(options: ServeOptions & { delayMs?: () => number }) {
	return (_req: IncomingMessage, res: ServerResponse, path: string): void => {
		const answer = (): void => {
			const body = pageFor(path, options);
			res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json; charset=utf-8" });
			res.end(JSON.stringify(body ?? { error: "Not found" }));
		};
		const delay = options.delayMs?.() ?? 0;
		if (delay > 0) setTimeout(answer, delay);
		else answer();
	};
}
