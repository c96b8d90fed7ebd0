/**
 * The params of each export route: the format from the path, and the same filters as the list
 * route of that resource (README.md "Public data"), minus paging and sorting (an export is the
 * whole filtered set, in key order). An unknown filter is a 422 naming it.
 */
import { z } from "zod";
import { queryFlag, text } from "../../../runtime/validation/fields.ts";
import { zodParams } from "../../../runtime/validation/zod-params.ts";
import { ballotValue, billNumber, billRef, partyKey, politicianSlug, provinceCode, ridingRef, sessionId, voteRef } from "../identifiers.ts";

const format = z.enum(["csv", "ndjson"]);
const isoDate = z.iso.date();
/** A time with its offset, or a date (midnight UTC). */
const since = z.union([z.iso.datetime({ offset: true }), isoDate]);

export const BillsExport = z.strictObject({
	format,
	session: sessionId.optional(),
	status: text(60).regex(/^[A-Za-z0-9]+$/, "must be a status code like RoyalAssentGiven").optional(),
	chamber: z.enum(["House", "Senate"]).optional(),
	sponsor: politicianSlug.optional(),
	law: queryFlag().optional(),
	private_member: queryFlag().optional(),
	introduced_after: isoDate.optional(),
	introduced_before: isoDate.optional(),
	updated_since: since.optional(),
	q: text(200, 1).optional()
});

export const PoliticiansExport = z.strictObject({
	format,
	/** The whole set by default (an export is "everything"); `current` or `former` narrows it. */
	include: z.enum(["current", "former", "all"]).default("all"),
	party: partyKey.optional(),
	province: provinceCode.optional(),
	riding: ridingRef.optional(),
	name: text(100, 1).optional()
});

export const VotesExport = z.strictObject({
	format,
	session: sessionId.optional(),
	bill: z.union([billRef, billNumber]).optional(),
	result: z.enum(["Passed", "Failed", "Tie"]).optional(),
	date_after: isoDate.optional(),
	date_before: isoDate.optional(),
	updated_since: since.optional()
});

export const BallotsExport = z.strictObject({
	format,
	session: sessionId.optional(),
	vote: voteRef.optional(),
	politician: politicianSlug.optional(),
	ballot: ballotValue.optional(),
	dissent: queryFlag().optional()
});

export type BillsFilters = z.output<typeof BillsExport>;
export type PoliticiansFilters = z.output<typeof PoliticiansExport>;
export type VotesFilters = z.output<typeof VotesExport>;
export type BallotsFilters = z.output<typeof BallotsExport>;

export const BillsExportParams = zodParams(BillsExport);
export const PoliticiansExportParams = zodParams(PoliticiansExport);
export const VotesExportParams = zodParams(VotesExport);
export const BallotsExportParams = zodParams(BallotsExport);
