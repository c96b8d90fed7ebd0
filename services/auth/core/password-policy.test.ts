import { describe, expect, it } from "vitest";
import { MIN_PASSWORD_LENGTH, checkPasswordPolicy, parseCommonPasswords, shippedCommonPasswords, visiblePassword } from "./password-policy.ts";

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

	describe("judges what a person sees (OWASP ASVS 2.1)", () => {
		it("refuses twelve spaces, twelve zero-width spaces and twelve NULs", () => {
			expect(codes(" ".repeat(12))).toEqual(["too-short"]);
			expect(codes("\u200B".repeat(12))).toEqual(["invisible-characters", "too-short"]);
			expect(codes("\u0000".repeat(12))).toEqual(["invisible-characters", "too-short"]);
			// Other spaces NFKC folds to a plain one, and the Hangul filler that renders as nothing.
			expect(codes("\u00A0\u2003\u3000".repeat(4))).toEqual(["too-short"]);
			expect(codes("\u3164".repeat(12))).toEqual(["invisible-characters", "too-short"]);
		});

		it("refuses control and format characters anywhere, even in a long password", () => {
			for (const bad of ["\u0000", "\t", "\n", "\u001B", "\u007F", "\u200B", "\u200D", "\u2060", "\uFEFF", "\u202E", "\u00AD", "\uD800"]) {
				expect(codes(`ottawa river${bad}in january`), JSON.stringify(bad)).toContain("invisible-characters");
			}
			// Emoji keep their variation selector.
			expect(codes("ottawa river in january \u2764\uFE0F")).toEqual([]);
		});

		it("catches a listed password with spaces around or inside it, or an invisible character in it", () => {
			expect(codes("Password1234 ")).toEqual(["common"]);
			expect(codes("  password1234\t")).toEqual(["invisible-characters", "common"]);
			expect(codes("pass\u200Bword1234")).toEqual(["invisible-characters", "common"]);
			expect(codes("ｐａｓｓｗｏｒｄ１２３４")).toEqual(["common"]);
			const list = parseCommonPasswords("correct horse battery\n");
			expect(checkPasswordPolicy("correct   horse\u00A0battery", { commonPasswords: list })).toMatchObject({ ok: false, problems: [{ code: "common" }] });
		});

		it("counts the length after collapsing whitespace runs and trimming", () => {
			expect(visiblePassword("  a  b\u3000\u3000c  ")).toBe("a b c");
			expect(codes("short   pass")).toEqual(["too-short"]); // 10 once collapsed
			expect(codes("a longer   passphrase")).toEqual([]);
		});

		it("compares with the email in its normalised form", () => {
			expect(codes("ｊｅａｎ.ｔｒｅｍｂｌａｙ.ｍｐ", " Jean.Tremblay.MP@parl.gc.ca ")).toEqual(["matches-email"]);
		});
	});
});
