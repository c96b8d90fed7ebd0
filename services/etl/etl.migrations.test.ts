/**
 * The migrations that move data: ballots loaded as one row each (001) become one row per vote
 * (004), applied over a database migrated to 003 and holding ballots of the old shape; and the
 * record's derived tables (009) filled for ballots loaded before it, then kept by its triggers.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../runtime/storage/database.ts";
import { DOCUMENTS_OWNER, migrationSetOf } from "../../runtime/storage/migration-sets.ts";
import { applyMigrations } from "../../runtime/storage/migrations.ts";
import { BACKENDS, openTestDatabase } from "../../test/storage/test-databases.ts";

/** A copy of a migration folder holding only the files up to `last`. */
function upTo(owner: string, last: number): { owner: string; dir: string } {
	const source = migrationSetOf(owner).dir;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), `migrations-${owner}-`));
	for (const file of fs.readdirSync(source)) if (file.endsWith(".sql") && Number(file.slice(0, 3)) <= last) fs.copyFileSync(path.join(source, file), path.join(dir, file));
	return { owner, dir };
}

describe.each(BACKENDS)("etl migration 004 (ballots per vote) on $name", (backend) => {
	let db: Database;
	let drop: () => Promise<void>;
	const temporary: string[] = [];

	beforeAll(async () => {
		({ db, drop } = await openTestDatabase(backend));
		const before = [migrationSetOf(DOCUMENTS_OWNER), upTo("etl", 3)];
		temporary.push(before[1]?.dir ?? "");
		await applyMigrations(db, before, "migration-test");
		const ballot = (vote: number, slug: string, membership: string | null, value: string, dissent: boolean, page: string) => [
			"44-1",
			vote,
			slug,
			membership,
			value,
			dissent,
			"openparliament",
			`https://api.openparliament.ca/votes/ballots/?offset=${page}`,
			`hash-${page}`,
			`content-${slug}`,
			"run-1"
		];
		const rows = [
			ballot(1, "member-b", "2", "No", true, "0"),
			ballot(1, "member-a", "1", "Yes", false, "0"),
			ballot(1, "member-c", null, "Didn't vote", false, "5"),
			ballot(2, "member-a", "1", "Paired", false, "5")
		];
		for (const row of rows) {
			await db.query(
				"INSERT INTO etl.ballots (session, vote_number, politician_slug, membership_id, ballot, dissent, source, document_key, document_hash, content_hash, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
				row
			);
		}
		await applyMigrations(db, [migrationSetOf(DOCUMENTS_OWNER), migrationSetOf("etl")], "migration-test");
	});

	afterAll(async () => {
		await drop?.();
		for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
	});

	it("moves each vote's ballots into one row in politician order, with each ballot's page", async () => {
		const { rows } = await db.query("SELECT session, vote_number, politician_slugs, membership_ids, ballots, dissent, document_index, document_keys, document_hashes, content_hash FROM etl.vote_ballots ORDER BY vote_number");
		expect(rows).toEqual([
			{
				session: "44-1",
				vote_number: 1,
				politician_slugs: ["member-a", "member-b", "member-c"],
				membership_ids: ["1", "2", null],
				ballots: ["Yes", "No", "Didn't vote"],
				dissent: [false, true, false],
				document_index: [1, 1, 2],
				document_keys: ["https://api.openparliament.ca/votes/ballots/?offset=0", "https://api.openparliament.ca/votes/ballots/?offset=5"],
				document_hashes: ["hash-0", "hash-5"],
				content_hash: "migrated"
			},
			{
				session: "44-1",
				vote_number: 2,
				politician_slugs: ["member-a"],
				membership_ids: ["1"],
				ballots: ["Paired"],
				dissent: [false],
				document_index: [1],
				document_keys: ["https://api.openparliament.ca/votes/ballots/?offset=5"],
				document_hashes: ["hash-5"],
				content_hash: "migrated"
			}
		]);
	});

	it("keeps etl.ballots readable as one row per ballot, lineage included", async () => {
		const { rows } = await db.query("SELECT vote_number, politician_slug, membership_id, ballot, dissent, document_key, document_hash FROM etl.ballots ORDER BY vote_number, politician_slug");
		expect(rows).toEqual([
			{ vote_number: 1, politician_slug: "member-a", membership_id: "1", ballot: "Yes", dissent: false, document_key: "https://api.openparliament.ca/votes/ballots/?offset=0", document_hash: "hash-0" },
			{ vote_number: 1, politician_slug: "member-b", membership_id: "2", ballot: "No", dissent: true, document_key: "https://api.openparliament.ca/votes/ballots/?offset=0", document_hash: "hash-0" },
			{ vote_number: 1, politician_slug: "member-c", membership_id: null, ballot: "Didn't vote", dissent: false, document_key: "https://api.openparliament.ca/votes/ballots/?offset=5", document_hash: "hash-5" },
			{ vote_number: 2, politician_slug: "member-a", membership_id: "1", ballot: "Paired", dissent: false, document_key: "https://api.openparliament.ca/votes/ballots/?offset=5", document_hash: "hash-5" }
		]);
	});

	it("gives a member's ballots in a session through etl.politician_ballots, as the view has them", async () => {
		const viaView = await db.query("SELECT * FROM etl.ballots WHERE session = '44-1' AND politician_slug = 'member-a' ORDER BY vote_number");
		const viaFunction = await db.query("SELECT * FROM etl.politician_ballots('44-1', 'member-a')");
		expect(viaFunction.rows).toEqual(viaView.rows);
		expect(viaFunction.rows.map((r) => [r.vote_number, r.ballot, r.document_hash])).toEqual([
			[1, "Yes", "hash-0"],
			[2, "Paired", "hash-5"]
		]);
		expect((await db.query("SELECT * FROM etl.politician_ballots('44-1', 'nobody')")).rows).toEqual([]);
	});
});

type Tally = { session: string; vote_number: number; party_key: string | null; yes: number; no: number; paired: number; didnt_vote: number; position: string | null; free_vote: boolean };
type MemberRow = { politician_slug: string; session: string; vote_number: number; membership_id: string | null; ballot: string; party_key: string | null; party_position: string | null; free_vote: boolean };

/**
 * What 009's tables should hold, worked out here in JavaScript from the ballots and memberships
 * as stored (README.md, "The voting record"), independently of the migration's SQL.
 */
async function expectedDerived(db: Database): Promise<{ tallies: Tally[]; members: MemberRow[] }> {
	const ballots = (await db.query<{ session: string; vote_number: number; politician_slug: string; membership_id: string | null; ballot: string }>(
		"SELECT session, vote_number, politician_slug, membership_id, ballot FROM etl.ballots"
	)).rows;
	const partyOf = new Map((await db.query<{ id: string; party_key: string }>("SELECT id, party_key FROM etl.memberships")).rows.map((r) => [r.id, r.party_key]));
	const tallies = new Map<string, Tally>();
	const key = (session: string, vote: number, party: string | null) => `${session}/${vote}/${party ?? ""}`;
	for (const b of ballots) {
		const party = b.membership_id === null ? null : (partyOf.get(b.membership_id) ?? null);
		const k = key(b.session, b.vote_number, party);
		const t = tallies.get(k) ?? { session: b.session, vote_number: b.vote_number, party_key: party, yes: 0, no: 0, paired: 0, didnt_vote: 0, position: null, free_vote: false };
		if (b.ballot === "Yes") t.yes++;
		else if (b.ballot === "No") t.no++;
		else if (b.ballot === "Paired") t.paired++;
		else t.didnt_vote++;
		tallies.set(k, t);
	}
	for (const t of tallies.values()) {
		if (t.party_key === null || t.party_key === "independent" || t.yes + t.no < 2 || t.yes === t.no) continue;
		t.position = t.yes > t.no ? "Yes" : "No";
		t.free_vote = Math.min(t.yes, t.no) / (t.yes + t.no) >= 0.15;
	}
	const members = ballots.map((b): MemberRow => {
		const party = b.membership_id === null ? null : (partyOf.get(b.membership_id) ?? null);
		const t = party === null ? undefined : tallies.get(key(b.session, b.vote_number, party));
		return { ...b, party_key: party, party_position: t?.position ?? null, free_vote: t?.free_vote ?? false };
	});
	const order = (a: { session: string; vote_number: number }, b: { session: string; vote_number: number }) => a.session.localeCompare(b.session) || a.vote_number - b.vote_number;
	return {
		tallies: [...tallies.values()].sort((a, b) => order(a, b) || (a.party_key ?? "").localeCompare(b.party_key ?? "")),
		members: members.sort((a, b) => order(a, b) || a.politician_slug.localeCompare(b.politician_slug))
	};
}

async function storedDerived(db: Database): Promise<{ tallies: Tally[]; members: MemberRow[] }> {
	const tallies = (await db.query<Tally>("SELECT session, vote_number, party_key, yes, no, paired, didnt_vote, position, free_vote FROM etl.vote_party_positions")).rows;
	const members = (await db.query<MemberRow>("SELECT politician_slug, session, vote_number, membership_id, ballot, party_key, party_position, free_vote FROM etl.member_ballots")).rows;
	const order = (a: { session: string; vote_number: number }, b: { session: string; vote_number: number }) => a.session.localeCompare(b.session) || a.vote_number - b.vote_number;
	return {
		tallies: tallies.sort((a, b) => order(a, b) || (a.party_key ?? "").localeCompare(b.party_key ?? "")),
		members: members.sort((a, b) => order(a, b) || a.politician_slug.localeCompare(b.politician_slug))
	};
}

describe.each(BACKENDS)("etl migration 009 (the record's derived tables) on $name", (backend) => {
	let db: Database;
	let drop: () => Promise<void>;
	const temporary: string[] = [];
	const LINEAGE = "'test', 'doc', 'hash', 'content'";

	async function voteRow(number: number, slugs: string[], memberships: (string | null)[], ballots: string[]): Promise<void> {
		await db.query(
			`INSERT INTO etl.vote_ballots (session, vote_number, politician_slugs, membership_ids, ballots, dissent, document_index, document_keys, document_hashes, source, content_hash)
			 VALUES ('44-1', $1::int, $2, $3, $4, $5, $6, ARRAY['doc'], ARRAY['hash'], 'test', 'h' || $1::int)`,
			[number, slugs, memberships, ballots, slugs.map(() => false), slugs.map(() => 1)]
		);
	}

	beforeAll(async () => {
		({ db, drop } = await openTestDatabase(backend));
		const before = [migrationSetOf(DOCUMENTS_OWNER), upTo("etl", 8)];
		temporary.push(before[1]?.dir ?? "");
		await applyMigrations(db, before, "migration-test");
		await db.exec(`INSERT INTO etl.parties (key, short_name_en, source, document_key, document_hash, content_hash) VALUES
			('a', 'A', ${LINEAGE}), ('b', 'B', ${LINEAGE}), ('independent', 'Ind.', ${LINEAGE})`);
		for (let i = 1; i <= 7; i++) {
			await db.query(`INSERT INTO etl.politicians (slug, name, source, document_key, document_hash, content_hash) VALUES ($1, $1, ${LINEAGE})`, [`p${i}`]);
		}
		const parties = ["a", "a", "a", "b", "b", "independent"];
		for (const [i, party] of parties.entries()) {
			await db.query(
				`INSERT INTO etl.memberships (id, politician_slug, party_key, riding_edid, riding_name_en, province, start_date, source, document_key, document_hash, content_hash)
				 VALUES ($1, $2, $3, 'r', 'R', 'ON', '2021-09-20', ${LINEAGE})`,
				[`m${i + 1}`, `p${i + 1}`, party]
			);
		}
		const slugs = ["p1", "p2", "p3", "p4", "p5", "p6"];
		const memberships = ["m1", "m2", "m3", "m4", "m5", "m6"];
		await voteRow(1, slugs, memberships, ["Yes", "Yes", "No", "No", "Yes", "Yes"]);
		await voteRow(2, [...slugs, "p7"], [...memberships, null], ["No", "No", "No", "Paired", "Didn't vote", "No", "Yes"]);
		await applyMigrations(db, [migrationSetOf(DOCUMENTS_OWNER), migrationSetOf("etl")], "migration-test");
	});

	afterAll(async () => {
		await drop?.();
		for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
	});

	it("fills the party positions and member rows for the ballots loaded before it", async () => {
		const stored = await storedDerived(db);
		expect(stored).toEqual(await expectedDerived(db));
		// By hand: on vote 1 party a is 2 Yes to 1 No (a position, free: 1 in 3 against), b ties 1-1 (none).
		expect(stored.tallies.filter((t) => t.vote_number === 1).map((t) => [t.party_key, t.position, t.free_vote])).toEqual([
			["a", "Yes", true],
			["b", null, false],
			["independent", null, false]
		]);
		expect(stored.members.find((m) => m.vote_number === 2 && m.politician_slug === "p7")).toMatchObject({ party_key: null, party_position: null });
		expect(stored.members.find((m) => m.vote_number === 2 && m.politician_slug === "p1")).toMatchObject({ party_key: "a", party_position: "No", free_vote: false });
	});

	it("follows a membership that changes party, one that arrives after its ballots, and one removed", async () => {
		await db.query("UPDATE etl.memberships SET party_key = 'b' WHERE id = 'm3'");
		let stored = await storedDerived(db);
		expect(stored).toEqual(await expectedDerived(db));
		expect(stored.tallies.find((t) => t.vote_number === 1 && t.party_key === "b")).toMatchObject({ yes: 1, no: 2, position: "No" });

		await db.query("UPDATE etl.vote_ballots SET membership_ids[7] = 'm7' WHERE vote_number = 2");
		await db.query(
			`INSERT INTO etl.memberships (id, politician_slug, party_key, riding_edid, riding_name_en, province, start_date, source, document_key, document_hash, content_hash)
			 VALUES ('m7', 'p7', 'a', 'r', 'R', 'ON', '2021-09-20', ${LINEAGE})`
		);
		stored = await storedDerived(db);
		expect(stored).toEqual(await expectedDerived(db));
		expect(stored.members.find((m) => m.vote_number === 2 && m.politician_slug === "p7")).toMatchObject({ party_key: "a", party_position: "No" });

		await db.query("DELETE FROM etl.memberships WHERE id = 'm7'");
		expect(await storedDerived(db)).toEqual(await expectedDerived(db));
	});

	it("follows ballots rewritten, a member dropped from a vote, a new vote and a deleted one", async () => {
		await db.query("UPDATE etl.vote_ballots SET politician_slugs = politician_slugs[1:5], membership_ids = membership_ids[1:5], ballots = ARRAY['No', 'No', 'No', 'No', 'Yes'], dissent = dissent[1:5], document_index = document_index[1:5] WHERE vote_number = 1");
		let stored = await storedDerived(db);
		expect(stored).toEqual(await expectedDerived(db));
		expect(stored.members.some((m) => m.vote_number === 1 && m.politician_slug === "p6")).toBe(false);

		await voteRow(3, ["p1", "p2"], ["m1", "m2"], ["Yes", "No"]);
		expect(await storedDerived(db)).toEqual(await expectedDerived(db));

		await db.query("DELETE FROM etl.vote_ballots WHERE vote_number IN (2, 3)");
		stored = await storedDerived(db);
		expect(stored).toEqual(await expectedDerived(db));
		expect(new Set(stored.members.map((m) => m.vote_number))).toEqual(new Set([1]));

		// TRUNCATE fires no DELETE trigger; a vote loaded again afterwards must not meet its old rows.
		await db.exec("TRUNCATE etl.vote_ballots");
		expect(await storedDerived(db)).toEqual({ tallies: [], members: [] });
		await voteRow(1, ["p1", "p2"], ["m1", "m2"], ["No", "No"]);
		expect(await storedDerived(db)).toEqual(await expectedDerived(db));
	});
});
