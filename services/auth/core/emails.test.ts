import { describe, expect, it } from "vitest";
import { normalizeEmail } from "./emails.ts";

function key(input: string): string {
	const result = normalizeEmail(input);
	if (!result.ok) throw new Error(`refused: ${result.message}`);
	return result.email;
}

describe("email addresses in one form", () => {
	it("makes look-alike spellings of one address the same key", () => {
		const one = key("ada@example.test");
		for (const alike of ["Ada@Example.TEST", "  ada@example.test ", "ａｄａ@ｅｘａｍｐｌｅ.ｔｅｓｔ", "\u00A0ada@example.test\u3000"]) expect(key(alike), alike).toBe(one);
		expect(key("Émile@Example.test")).toBe("émile@example.test");
		// Composed and decomposed accents are one address.
		expect(key("E\u0301mile@example.test")).toBe(key("\u00C9mile@example.test"));
	});

	it("refuses control and invisible characters and inner spaces", () => {
		for (const bad of ["ada\u0000@example.test", "ada@example.test\u200B", "a\u200Dda@example.test", "ada@exa\u00ADmple.test", "ada@exa\tmple.test", "ada @example.test", "\u2066ada@example.test"]) {
			expect(normalizeEmail(bad).ok, JSON.stringify(bad)).toBe(false);
		}
	});
});
