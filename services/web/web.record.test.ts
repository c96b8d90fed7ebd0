/**
 * The voting record's figures against a hand count (README.md, "The voting record"), on
 * PostgreSQL 15 and PGlite, over HTTP. The crafted parliament (fixtures/crafted-parliament.json),
 * session 44-1, five votes; Liberal (L), Conservative (C), one Independent (fay):
 *
 *   vote  anais  benoit  cleo    dan  eve     fay  gilles        L yes/no → position   C yes/no → position
 *   1     Yes    Yes     No      No   No      Yes  Yes (as L)    3/1 → Yes, free (25%)  0/2 → No
 *   2     Yes    No      Paired  Yes  Yes     No   Didn't (L)    1/1 → tie, none        2/0 → Yes
 *   3     Yes    Yes     Yes     Yes  No      DNV  Yes (as C)    3/0 → Yes              2/1 → Yes, free (33%)
 *   4     No     DNV     No      No   Paired  Yes  Yes (as C)    0/2 → No               1/1 → tie, none
 *   5     Yes    DNV     Paired  No   No      No   No (as C)     1/0 → fewer than two   0/3 → No
 *
 * gilles changed party on 2022-07-01: his vote 1 ballot counts with the Liberals (with them, not
 * dissent against the Conservatives' No); fay sits as an Independent and has no party position.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { CRAFTED_PARLIAMENT, startWebNode, type WebNode } from "../../test/kits/web-test-kit.ts";

interface Figures {
	votes_cast: number;
	paired: number;
	missed: number;
	votes_with_party_position: number;
	votes_with_party: number;
	votes_with_party_pct: number | null;
	missed_votes_pct: number | null;
}

const f = (votes_cast: number, paired: number, missed: number, withPosition: number, withParty: number, withPartyPct: number | null, missedPct: number): Figures => ({
	votes_cast,
	paired,
	missed,
	votes_with_party_position: withPosition,
	votes_with_party: withParty,
	votes_with_party_pct: withPartyPct,
	missed_votes_pct: missedPct
});

/** slug → [figures, dissenting votes as [number, ballot, position, free vote]] */
const EXPECTED: Record<string, [Figures, [number, string, string, boolean][]]> = {
	// 1 ✓, 2 no position, 3 ✓, 4 ✓, 5 fewer than two: 3 of 3.
	"anais-levesque": [f(5, 0, 0, 3, 3, 100, 0), []],
	// 1 ✓, 2 tie, 3 ✓; missed 2 of 5 = 40 %.
	"benoit-tremblay": [f(3, 0, 2, 2, 2, 100, 40), []],
	// 1 against the Liberals' Yes (a free vote), 3 ✓, 4 ✓: 2 of 3 = 66.7 %.
	"cleo-gagnon": [f(3, 2, 0, 3, 2, 66.7, 0), [[1, "No", "Yes", true]]],
	// 1 ✓, 2 ✓, 3 ✓, 4 tie, 5 ✓.
	"dan-smith": [f(5, 0, 0, 4, 4, 100, 0), []],
	// 1 ✓, 2 ✓, 3 against the Conservatives' Yes (free), 5 ✓: 3 of 4 = 75 %.
	"eve-roy": [f(4, 1, 0, 4, 3, 75, 0), [[3, "No", "Yes", true]]],
	// No party, so no position: the percentage has no denominator. Missed 1 of 5.
	"fay-ouellet": [f(4, 0, 1, 0, 0, null, 20), []],
	// 1 ✓ as a Liberal, 3 ✓ and 5 ✓ as a Conservative, 4 tie; missed 1 of 5.
	"gilles-belanger": [f(4, 0, 1, 3, 3, 100, 20), []]
};

describe.each(BACKENDS)("the voting record on $name", (backend) => {
	let created: TestDatabase;
	let node: WebNode;

	beforeAll(async () => {
		created = await backend.create();
		node = await startWebNode(created.config);
		const run = await node.load("openparliament", CRAFTED_PARLIAMENT);
		if (run.status !== "succeeded") throw new Error(`fixture run ${run.status}`);
	}, 120_000);
	afterAll(async () => {
		await node?.broker.stop();
		await created?.drop();
	});

	it.each(Object.entries(EXPECTED))("counts %s by hand's figures, overall and per session", async (slug, [figures, dissent]) => {
		const res = await node.get(`/api/v1/politicians/${slug}/record`);
		expect(res.status, res.text).toBe(200);
		const body = res.body as { overall: Figures; sessions: (Figures & { session: string })[]; dissent: { vote_number: number; ballot: string; party_position: string; free_vote: boolean; session: string }[] };
		expect(body.overall).toEqual(figures);
		expect(body.sessions).toEqual([{ session: "44-1", ...figures }]);
		expect(body.dissent.map((d) => [d.vote_number, d.ballot, d.party_position, d.free_vote])).toEqual(dissent);
	});

	it("agrees with the ballots list's dissent flag", async () => {
		for (const [slug, [, dissent]] of Object.entries(EXPECTED)) {
			const res = await node.get(`/api/v1/ballots?politician=${slug}&dissent=true`);
			const objects = (res.body as { objects: { vote: { number: number } }[] }).objects;
			expect(objects.map((b) => b.vote.number), slug).toEqual(dissent.map((d) => d[0]));
		}
	});

	it("answers 404 for an unknown member and 422 for a malformed slug", async () => {
		expect((await node.get("/api/v1/politicians/nobody/record")).status).toBe(404);
		expect((await node.get("/api/v1/politicians/No%20One/record")).status).toBe(422);
	});
});
