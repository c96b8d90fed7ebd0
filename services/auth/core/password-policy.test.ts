import { describe, expect, it } from "vitest";
import { MIN_PASSWORD_LENGTH, checkPasswordPolicy, parseCommonPasswords, shippedCommonPasswords } from "./password-policy.ts";

function codes(password: string, email?: string): string[] {
	const result = checkPasswordPolicy(password, email === undefined ? {} : { email });
	return result.ok ? [] : result.problems.map((p) => p.code);
}

describe("password policy", () => {
	it("accepts a long uncommon passphrase", () => {
		expect(checkPasswordPolicy("ottawa river in january")).toEqual({ ok: true });
	});

	it(`needs ${MIN_PASSWORD_LENGTH} code points after NFKC, not UTF-16 units`, () => {
		expect(codes("short-pass1")).toEqual(["too-short"]); // 11
		expect(codes("😀😀😀😀😀😀")).toEqual(["too-short"]); // 12 UTF-16 units, 6 code points
		expect(codes("😀😀😀😀😀😀😀😀😀😀😀😀")).toEqual([]);
		// The ﬃ ligature is one code point typed but three after NFKC.
		expect(codes("ﬃﬃﬃﬃ")).toEqual([]);
		expect(codes("x".repeat(1025))).toEqual(["too-long"]);
	});

	it("refuses common passwords whatever their case", () => {
		expect(codes("password1234")).toEqual(["common"]);
		expect(codes("QwertyUiop123")).toEqual(["common"]);
		const result = checkPasswordPolicy("password1234");
		expect(result.ok ? "" : result.problems[0]?.message).toMatch(/common passwords/);
	});

	it("ships a list of thousands of entries, header comments excluded", () => {
		const list = shippedCommonPasswords();
		expect(list.size).toBeGreaterThan(10_000);
		expect(list.has("123456")).toBe(true);
		expect([...list].some((entry) => entry.startsWith("# "))).toBe(false);
	});

	it("refuses the email address or its local part", () => {
		expect(codes("Jean.Tremblay.MP@parl.gc.ca", "jean.tremblay.mp@parl.gc.ca")).toEqual(["matches-email"]);
		expect(codes("jean.tremblay.mp", "Jean.Tremblay.MP@parl.gc.ca")).toEqual(["matches-email"]);
		expect(codes("jean.tremblay.mp and more", "jean.tremblay.mp@parl.gc.ca")).toEqual([]);
	});

	it("reports every problem at once", () => {
		const list = parseCommonPasswords("# comment\nhunter2\n");
		expect(checkPasswordPolicy("Hunter2", { email: "hunter2@example.org", commonPasswords: list })).toMatchObject({
			ok: false,
			problems: [{ code: "too-short" }, { code: "common" }, { code: "matches-email" }]
		});
	});
});
