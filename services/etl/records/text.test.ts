import { describe, expect, it } from "vitest";
import { cleanText, slugify, toIsoDate } from "./text.ts";
import { canonicalJson, contentHash, makeRawDocument } from "./raw-document.ts";

describe("cleanText", () => {
	it("turns HTML titles into plain text: tags out, script bodies out, entities decoded", () => {
		expect(cleanText("An Act to amend the <i>Criminal Code</i> &amp; the <b>Judges&nbsp;Act</b>")).toBe("An Act to amend the Criminal Code & the Judges Act");
		expect(cleanText("Title<script type='x'>alert(1)</script> <!-- note -->end")).toBe("Title end");
		expect(cleanText("Loi sur l&#39;hymne national (&Ocirc; Canada)")).toBe("Loi sur l'hymne national (Ô Canada)");
		// Text that only looks like a tag's start is kept.
		expect(cleanText("a < b and c > d")).toBe("a < b and c > d");
	});

	it("composes accents (NFC) so é, ç and Ô compare equal however they were encoded", () => {
		const decomposed = "Fran\u0063\u0327ois Ge\u0301rin, O\u0302ttawa";
		expect(decomposed).not.toBe("François Gérin, Ôttawa");
		expect(cleanText(decomposed)).toBe("François Gérin, Ôttawa");
	});

	it("treats blank, markup-only and non-string values as missing", () => {
		expect(cleanText("   ")).toBeNull();
		expect(cleanText("<i></i>")).toBeNull();
		expect(cleanText(42)).toBeNull();
		expect(cleanText(undefined)).toBeNull();
	});
});

describe("slugify and toIsoDate", () => {
	it("folds accents into ASCII slugs", () => {
		expect(slugify("Bloc Québécois")).toBe("bloc-quebecois");
		expect(slugify("  Ça — Ôh!  ")).toBe("ca-oh");
	});

	it("keeps the written calendar date and rejects impossible ones", () => {
		expect(toIsoDate("2021-11-29")).toBe("2021-11-29");
		expect(toIsoDate("2026-04-29T23:30:00-04:00")).toBe("2026-04-29");
		expect(toIsoDate("2022-02-30")).toBeNull();
		expect(toIsoDate("29/11/2021")).toBeNull();
		expect(toIsoDate(20211129)).toBeNull();
	});
});

describe("raw documents", () => {
	it("hash the body's canonical JSON: key order does not matter, content does", () => {
		expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
		expect(contentHash({ a: 1, b: "é" })).toBe(contentHash({ b: "é", a: 1 }));
		expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: 2 }));
		const doc = makeRawDocument("legisinfo", "legisinfo-bills", "https://example.invalid/x", { a: 1 }, new Date("2026-01-02T03:04:05Z"));
		expect(doc).toEqual({
			source: "legisinfo",
			resource: "legisinfo-bills",
			url: "https://example.invalid/x",
			fetchedAt: "2026-01-02T03:04:05.000Z",
			contentHash: contentHash({ a: 1 }),
			body: { a: 1 }
		});
	});
});
