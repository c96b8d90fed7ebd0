/**
 * The migration that moves data: ballots loaded as one row each (001) become one row per vote
 * (004), applied over a database migrated to 003 and holding ballots of the old shape.
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
