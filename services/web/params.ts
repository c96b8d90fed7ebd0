/**
 * Every web action's params, one zod schema each (docs/decisions/0012-zod-action-schemas.md): the
 * validator, the handler's type and the OpenAPI description. Strict objects, so an unknown filter
 * is a 422 naming it. Identifiers are the ones citizens know (README.md): a session `44-1`, a bill
 * `C-10`, a vote's number in its session, a politician's slug, a riding's OCD division id.
 */
import { z } from "zod";
import { pagination, queryFlag, queryInt, text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";
import { billNumber, session, slug } from "../shared/identifiers.ts";

const partyKey = z.string().max(60).regex(/^[a-z0-9-]+$/, "must be a party key like liberal");
const province = z.enum(["NL", "PE", "NS", "NB", "QC", "ON", "MB", "SK", "AB", "BC", "YT", "NT", "NU"]);
const isoDate = z.iso.date();
/** An instant (ISO 8601 with offset) or a calendar date (midnight UTC). */
const since = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const words = text(200, 1);
const ballotValue = z.enum(["Yes", "No", "Paired", "Didn't vote"]);
/** A vote as `44-1/12`: its session and its number in it. */
const voteRef = z.string().max(12).regex(/^\d{1,2}-\d\/\d{1,5}$/, "must look like 44-1/12");

export const BILL_SORTS = ["introduced", "-introduced", "number", "-number", "updated", "-updated", "status_date", "-status_date"] as const;

export const BillsParams = zodParams(
	z.strictObject({
		session: session.optional(),
		status: z.string().max(60).regex(/^[A-Za-z0-9]+$/, "must be a status code like RoyalAssentGiven").optional(),
		chamber: z.enum(["House", "Senate"]).optional(),
		sponsor: slug.optional(),
		law: queryFlag().optional(),
		private_member: queryFlag().optional(),
		introduced_after: isoDate.optional(),
		introduced_before: isoDate.optional(),
		updated_since: since.optional(),
		q: words.optional(),
		sort: z.enum(BILL_SORTS).optional(),
		...pagination
	})
);

export const BillParams = zodParams(z.strictObject({ session, number: billNumber }));

export const PoliticiansParams = zodParams(
	z.strictObject({
		include: z.enum(["current", "former", "all"]).default("current"),
		party: partyKey.optional(),
		province: province.optional(),
		/** A riding's five-digit number or its OCD division id. */
		riding: z.string().max(60).regex(/^(\d{5}|ocd-division\/country:ca\/ed:\d{5}-\d{4})$/, "must be a riding number like 35001 or an OCD id").optional(),
		name: words.optional(),
		...pagination
	})
);

export const PoliticianParams = zodParams(z.strictObject({ slug }));

export const VotesParams = zodParams(
	z.strictObject({
		session: session.optional(),
		bill: billNumber.optional(),
		result: z.enum(["Passed", "Failed", "Tie"]).optional(),
		date_after: isoDate.optional(),
		date_before: isoDate.optional(),
		sort: z.enum(["date", "-date"]).optional(),
		...pagination
	})
);

export const VoteParams = zodParams(z.strictObject({ session, number: queryInt(1, 99_999) }));

export const BallotsParams = zodParams(
	z
		.strictObject({
			vote: voteRef.optional(),
			politician: slug.optional(),
			ballot: ballotValue.optional(),
			dissent: queryFlag().optional(),
			...pagination
		})
		.refine((p) => p.vote !== undefined || p.politician !== undefined, { message: "give vote or politician (or both)", path: ["vote"] })
);

export const PartiesParams = zodParams(z.strictObject({ ...pagination }));

export const RidingsParams = zodParams(
	z.strictObject({
		province: province.optional(),
		/** Only ridings in force today (no end of validity). */
		current: queryFlag().optional(),
		name: words.optional(),
		...pagination
	})
);

export const RidingParams = zodParams(z.strictObject({ ocd_id: z.string().max(60).regex(/^ocd-division\/country:ca\/ed:\d{5}-\d{4}$/, "must be a federal riding OCD id like ocd-division/country:ca/ed:35001-2023") }));

export const SessionsParams = zodParams(z.strictObject({ ...pagination }));

export const SearchParams = zodParams(
	z.strictObject({
		q: words,
		kind: z.enum(["bill", "politician"]).optional(),
		...pagination
	})
);

export const SourcesParams = zodParams(z.strictObject({}));
