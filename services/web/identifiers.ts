/**
 * The identifiers citizens know (README.md "Public data"), as zod fields for the web routes'
 * params: a session `44-1`, a bill `C-10` or `44-1/C-10`, a vote `44-1/123`, a politician's slug,
 * a party key, a riding as its OCD division id or district number. Each is bounded and patterned,
 * so a malformed one is a 422 naming the field before any SQL runs.
 */
import { z } from "zod";

export const sessionId = z.string().max(5).regex(/^\d{1,2}-\d$/, "must look like 44-1");
export const billNumber = z.string().max(8).regex(/^[CS]-\d{1,4}[A-Z]?$/, "must look like C-10 or S-203");
export const politicianSlug = z.string().max(100).regex(/^[a-z0-9-]+$/, "must be a slug like justin-trudeau");
export const partyKey = z.string().max(60).regex(/^[a-z0-9-]+$/, "must be a party key like liberal");
export const provinceCode = z.enum(["NL", "PE", "NS", "NB", "QC", "ON", "MB", "SK", "AB", "BC", "YT", "NT", "NU"]);

export interface BillRef {
	session: string;
	number: string;
}

/** `44-1/C-10`: a bill in its session. */
export const billRef = z
	.string()
	.max(16)
	.regex(/^\d{1,2}-\d\/[CS]-\d{1,4}[A-Z]?$/, "must look like 44-1/C-10")
	.transform((ref): BillRef => {
		const [session = "", number = ""] = ref.split("/");
		return { session, number };
	});

/** `44-1/123`: a vote by its number in its session. */
export const voteRef = z
	.string()
	.max(14)
	.regex(/^\d{1,2}-\d\/\d{1,6}$/, "must look like 44-1/123")
	.transform((ref) => {
		const [session = "", number = "0"] = ref.split("/");
		return { session, number: Number(number) };
	});

/** A riding by its OCD id (`ocd-division/country:ca/ed:35001-2013`) or district number (`35001`); read as the number. */
export const ridingRef = z
	.string()
	.max(60)
	.regex(/^(\d{5}|ocd-division\/country:ca\/ed:\d{5}(-\d{4})?)$/, "must be a riding's OCD id or five-digit district number")
	.transform((ref) => /(\d{5})(-\d{4})?$/.exec(ref)?.[1] ?? ref);

export const ballotValue = z.enum(["Yes", "No", "Paired", "Didn't vote"]);
