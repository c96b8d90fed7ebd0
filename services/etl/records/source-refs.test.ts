/** openparliament's relation URLs, relative (what the API serves) and absolute, read back into ids. */
import { describe, expect, it } from "vitest";
import { billRefFromUrl, membershipIdFromUrl, politicianSlugFromUrl, voteRefFromUrl } from "./source-refs.ts";

describe("source refs", () => {
	it("reads relative and absolute URLs, ignoring query strings, fragments and repeated slashes", () => {
		expect(politicianSlugFromUrl("/politicians/justin-trudeau/")).toBe("justin-trudeau");
		expect(politicianSlugFromUrl("https://api.openparliament.ca/politicians/justin-trudeau/?format=json")).toBe("justin-trudeau");
		expect(politicianSlugFromUrl("/politicians//justin-trudeau#top")).toBe("justin-trudeau");
		expect(membershipIdFromUrl("/politicians/memberships/4529/")).toBe("4529");
		expect(voteRefFromUrl("/votes/44-1/123/?x=1#y")).toEqual({ session: "44-1", number: 123 });
		expect(billRefFromUrl("/bills/44-1/C-10/")).toEqual({ session: "44-1", number: "C-10" });
	});

	it("answers undefined for paths of another shape", () => {
		expect(politicianSlugFromUrl("/politicians/memberships/")).toBeUndefined();
		expect(politicianSlugFromUrl("/politicians/a/b/")).toBeUndefined();
		expect(politicianSlugFromUrl("/bills/44-1/C-10/")).toBeUndefined();
		expect(membershipIdFromUrl("/politicians/memberships/abc/")).toBeUndefined();
		expect(voteRefFromUrl("/votes/44-1/")).toBeUndefined();
		expect(voteRefFromUrl("/votes/44-1/12a/")).toBeUndefined();
		expect(billRefFromUrl("not a url")).toBeUndefined();
		expect(voteRefFromUrl("")).toBeUndefined();
	});
});
