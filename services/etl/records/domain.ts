/**
 * The normalized domain records (issue 5 "Data model"). Each zod schema is both the validator a
 * transform's output must pass and, through `z.infer`, the TypeScript type the loader receives.
 *
 * Field conventions the loader relies on:
 * - `null` means the source says "none" (a bill with no short title);
 * - an absent (undefined) optional field means this source does not know it, so a loader merging
 *   openparliament and LEGISinfo rows for the same bill must keep the value it already has.
 * Dates are ISO calendar dates (YYYY-MM-DD); text is NFC plain text (see text.ts).
 */
import { z } from "zod";

const isoDate = z.iso.date();
const text = z.string().min(1);
/** "44-1": parliament 44, session 1. */
export const sessionId = z.string().regex(/^\d{1,2}-\d$/, "must look like 44-1");
/** openparliament politician slug (or numeric id when it has no slug). */
const politicianSlug = z.string().regex(/^[a-z0-9-]+$/, "must be a slug like justin-trudeau");
/** A federal electoral district number, the last part of an OCD riding id ("35001"). */
const edid = z.string().regex(/^\d{5}$/, "must be a five-digit electoral district number");
const provinceCode = z.enum(["NL", "PE", "NS", "NB", "QC", "ON", "MB", "SK", "AB", "BC", "YT", "NT", "NU"]);
const billNumber = z.string().regex(/^[CS]-\d{1,4}[A-Z]?$/, "must look like C-10 or S-203");
const partyKey = z.string().regex(/^[a-z0-9-]+$/, "must be a slug like liberal");

export const BallotValue = z.enum(["Yes", "No", "Paired", "Didn't vote"]);
export const PartyVoteValue = z.enum(["Yes", "No", "Paired", "Didn't vote", "Free vote"]);

export const Session = z.object({
	id: sessionId,
	parliament: z.number().int().positive(),
	session: z.number().int().positive()
});

export const Province = z.object({
	ocdId: z.string().regex(/^ocd-division\/country:ca\/(province|territory):[a-z]{2}$/),
	code: provinceCode,
	nameEn: text,
	abbreviationEn: text,
	abbreviationFr: text,
	sgc: z.string().regex(/^\d{2}$/)
});

export const Party = z.object({
	key: partyKey,
	nameEn: text.optional(),
	nameFr: text.optional(),
	shortNameEn: text,
	shortNameFr: text.optional()
});

export const Riding = z
	.object({
		ocdId: z.string().regex(/^ocd-division\/country:ca\/ed:\d{5}-\d{4}$/, "must be a federal OCD riding id"),
		edid,
		nameEn: text,
		nameFr: text,
		province: provinceCode,
		validFrom: isoDate.nullable(),
		validThrough: isoDate.nullable()
	})
	.refine((r) => r.validFrom === null || r.validThrough === null || r.validFrom <= r.validThrough, {
		message: "validThrough is before validFrom",
		path: ["validThrough"]
	});

export const Politician = z.object({
	slug: politicianSlug,
	name: text,
	givenName: text.nullable().optional(),
	familyName: text.nullable().optional(),
	gender: z.enum(["male", "female"]).nullable().optional(),
	imageUrl: z.url().nullable().optional(),
	/** The House of Commons' person id (ourcommons.ca `PersonId`, openparliament's `parl_mp_id`). */
	parlPersonId: z.string().regex(/^\d{1,9}$/, "must be a House of Commons person id").nullable().optional()
});

export const Membership = z.object({
	/** openparliament's membership id (from /politicians/memberships/<id>/). */
	id: z.string().regex(/^\d+$/),
	politicianSlug,
	partyKey,
	ridingEdid: edid,
	ridingNameEn: text,
	province: provinceCode,
	startDate: isoDate,
	endDate: isoDate.nullable()
});

export const Bill = z.object({
	session: sessionId,
	number: billNumber,
	chamber: z.enum(["House", "Senate"]),
	titleEn: text,
	titleFr: text.nullable().optional(),
	shortTitleEn: text.nullable().optional(),
	shortTitleFr: text.nullable().optional(),
	sponsorPoliticianSlug: politicianSlug.nullable().optional(),
	sponsorMembershipId: z.string().regex(/^\d+$/).nullable().optional(),
	/** The sponsor as LEGISinfo names them ("Hon. David Lametti"), when no politician link is known. */
	sponsorName: text.nullable().optional(),
	/** openparliament's status codes (e.g. RoyalAssentGiven); LEGISinfo statuses are mapped onto them. */
	statusCode: z.string().regex(/^[A-Za-z0-9]+$/).nullable().optional(),
	statusTextEn: text.nullable().optional(),
	statusDate: isoDate.nullable().optional(),
	introduced: isoDate.nullable().optional(),
	law: z.boolean().nullable().optional(),
	privateMember: z.boolean().nullable().optional(),
	governmentBill: z.boolean().nullable().optional(),
	legisinfoId: z.number().int().positive().nullable().optional()
});

export const BillStage = z.object({
	session: sessionId,
	billNumber,
	stage: z.enum([
		"house-first-reading",
		"house-second-reading",
		"house-third-reading",
		"senate-first-reading",
		"senate-second-reading",
		"senate-third-reading",
		"royal-assent"
	]),
	chamber: z.enum(["House", "Senate", "Crown"]),
	date: isoDate
});

export const Vote = z
	.object({
		session: sessionId,
		number: z.number().int().positive(),
		date: isoDate,
		descriptionEn: text,
		descriptionFr: text.nullable(),
		result: z.enum(["Passed", "Failed", "Tie"]),
		yeaTotal: z.number().int().nonnegative(),
		nayTotal: z.number().int().nonnegative(),
		pairedTotal: z.number().int().nonnegative(),
		billNumber: billNumber.nullable()
	})
	.refine((v) => v.result !== "Tie" || v.yeaTotal === v.nayTotal, {
		message: "a tie needs equal yea and nay totals",
		path: ["result"]
	});

export const Ballot = z.object({
	session: sessionId,
	voteNumber: z.number().int().positive(),
	politicianSlug,
	membershipId: z.string().regex(/^\d+$/).nullable(),
	ballot: BallotValue,
	/** Not in the source: set by `markDissent` once the member's party line is known. */
	dissent: z.boolean().optional()
});

export const PartyVote = z.object({
	session: sessionId,
	voteNumber: z.number().int().positive(),
	partyKey,
	vote: PartyVoteValue,
	/** Share of the party's members who voted against its line, 0..1 (openparliament's measure). */
	disagreement: z.number().min(0).max(1).nullable()
});

export type Session = z.infer<typeof Session>;
export type Province = z.infer<typeof Province>;
export type Party = z.infer<typeof Party>;
export type Riding = z.infer<typeof Riding>;
export type Politician = z.infer<typeof Politician>;
export type Membership = z.infer<typeof Membership>;
export type Bill = z.infer<typeof Bill>;
export type BillStage = z.infer<typeof BillStage>;
export type Vote = z.infer<typeof Vote>;
export type Ballot = z.infer<typeof Ballot>;
export type PartyVote = z.infer<typeof PartyVote>;
export type BallotValue = z.infer<typeof BallotValue>;
export type PartyVoteValue = z.infer<typeof PartyVoteValue>;
