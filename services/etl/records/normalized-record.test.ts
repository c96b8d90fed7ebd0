import { describe, expect, it } from "vitest";
import { DuplicateGuard, RecordCollector, type NormalizedRecord } from "./normalized-record.ts";

const party = (data: { key: string; shortNameEn: string; nameEn?: string }): NormalizedRecord => ({ kind: "party", key: data.key, data });

describe("RecordCollector", () => {
	it("keeps valid records with their natural key and turns invalid ones into issues", () => {
		const raw = { any: "thing" };
		const out = new RecordCollector("openparliament", raw);
		out.add("vote", { session: "44-1", number: 7, date: "2022-01-31", descriptionEn: "Motion", descriptionFr: null, result: "Tie", yeaTotal: 150, nayTotal: 150, pairedTotal: 2, billNumber: null });
		out.add("vote", { session: "44-1", number: 8, date: "2022-01-31", descriptionEn: "Motion", descriptionFr: null, result: "Tie", yeaTotal: 151, nayTotal: 150, pairedTotal: 0, billNumber: null }, "44-1/8");
		out.add("bill", { session: "44-1", number: "C-10a", chamber: "House", titleEn: "T" }, "44-1/C-10a");
		expect(out.records.map((r) => `${r.kind} ${r.key}`)).toEqual(["vote 44-1/7"]);
		expect(out.issues).toEqual([
			{ source: "openparliament", recordKey: "44-1/8", reason: "invalid vote: result: a tie needs equal yea and nay totals", raw },
			{ source: "openparliament", recordKey: "44-1/C-10a", reason: expect.stringMatching(/^invalid bill: number: must look like C-10/), raw }
		]);
	});
});

describe("DuplicateGuard", () => {
	it("drops silent repeats, keeps repeats that add fields, and reports contradictions", () => {
		const guard = new DuplicateGuard();
		expect(guard.admit(party({ key: "bloc", shortNameEn: "Bloc" }), "s")).toEqual({ keep: true });
		expect(guard.admit(party({ key: "bloc", shortNameEn: "Bloc" }), "s")).toEqual({ keep: false });
		expect(guard.admit(party({ key: "bloc", shortNameEn: "Bloc", nameEn: "Bloc Québécois" }), "s")).toEqual({ keep: true });
		expect(guard.admit(party({ key: "bloc", shortNameEn: "Bloc" }), "s")).toEqual({ keep: false });
		const clash = guard.admit(party({ key: "bloc", shortNameEn: "Bloc", nameEn: "Bloc Quebecois" }), "s");
		expect(clash.keep).toBe(false);
		expect(clash.issue).toMatchObject({ source: "s", recordKey: "bloc", reason: expect.stringMatching(/disagrees on nameEn/) });
		// Another kind with the same key is another record.
		expect(guard.admit({ kind: "session", key: "bloc", data: { id: "44-1", parliament: 44, session: 1 } }, "s")).toEqual({ keep: true });
	});
});
