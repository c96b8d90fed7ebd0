/**
 * The published shapes of openparliament.ca's API (api.openparliament.ca), as its Django views
 * serialise them (`to_api_dict` in parliament/bills/models.py and parliament/core/models.py).
 * List items carry a subset of the detail fields, so every detail-only field is optional here.
 * Unknown fields are ignored: the API adds fields over time and that must not fail a run.
 */
import { z } from "zod";

/** openparliament's bilingual text: `fr` is often missing, and either side may be null or "". */
const bilingual = z.object({ en: z.string().nullable().optional(), fr: z.string().nullable().optional() });
const path = z.string().min(1);

export const PageShape = z.object({
	objects: z.array(z.unknown()),
	pagination: z.object({
		offset: z.number().int().nonnegative().optional(),
		limit: z.number().int().nonnegative().optional(),
		next_url: z.string().nullable(),
		previous_url: z.string().nullable().optional()
	})
});
export type PageShape = z.infer<typeof PageShape>;

const partyRef = z.object({ name: bilingual.optional(), short_name: bilingual });

export const MembershipShape = z.object({
	url: path,
	start_date: z.string(),
	end_date: z.string().nullable(),
	party: partyRef,
	riding: z.object({ name: bilingual, province: z.string(), id: z.number().int() })
});

export const PoliticianShape = z.object({
	url: path,
	name: z.string(),
	image: z.string().nullable().optional(),
	current_party: z.object({ short_name: bilingual }).nullable().optional(),
	current_riding: z.object({ province: z.string(), name: bilingual }).nullable().optional(),
	given_name: z.string().nullable().optional(),
	family_name: z.string().nullable().optional(),
	gender: z.string().nullable().optional(),
	/** Detail pages: `{ "parl_mp_id": ["88394"], ... }`, the House of Commons' person id among others. */
	other_info: z.object({ parl_mp_id: z.array(z.union([z.string(), z.number()])).optional() }).nullable().optional(),
	memberships: z.array(z.unknown()).optional()
});

export const BillShape = z.object({
	url: path,
	session: z.string(),
	number: z.string(),
	legisinfo_id: z.number().int().nullable().optional(),
	introduced: z.string().nullable().optional(),
	name: bilingual,
	short_title: bilingual.nullable().optional(),
	home_chamber: z.string().nullable().optional(),
	law: z.boolean().nullable().optional(),
	sponsor_politician_url: z.string().nullable().optional(),
	sponsor_politician_membership_url: z.string().nullable().optional(),
	vote_urls: z.array(z.string()).optional(),
	private_member_bill: z.boolean().nullable().optional(),
	status_code: z.string().nullable().optional(),
	status: bilingual.nullable().optional()
});

export const VoteShape = z.object({
	url: path,
	session: z.string(),
	number: z.number().int(),
	date: z.string(),
	description: bilingual,
	result: z.string(),
	yea_total: z.number().int(),
	nay_total: z.number().int(),
	paired_total: z.number().int(),
	bill_url: z.string().nullable().optional(),
	party_votes: z
		.array(z.object({ vote: z.string(), disagreement: z.number().nullable().optional(), party: partyRef }))
		.optional()
});

export const BallotShape = z.object({
	vote_url: path,
	politician_url: path,
	politician_membership_url: z.string().nullable().optional(),
	ballot: z.string()
});

/** Fields only a detail page has: a list item without them needs its detail fetched. */
export const DETAIL_ONLY_FIELDS = {
	politicians: "memberships",
	bills: "status_code",
	votes: "party_votes"
} as const;
