/** Params of the citizen routes, one zod schema each (decision 0012). */
import { z } from "zod";
import { pagination, text } from "../../../runtime/validation/fields.ts";
import { zodParams } from "../../../runtime/validation/zod-params.ts";
import { billNumber, billRef, politicianSlug, sessionId } from "../identifiers.ts";

/** Words are compared as the same text: NFC, trimmed, single spaces, lower case. */
export function normaliseSearch(words: string): string {
	return words.normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
}

export const CreateFollow = z
	.strictObject({
		bill: billRef.optional(),
		politician: politicianSlug.optional(),
		search: text(200, 1)
			.transform(normaliseSearch)
			.refine((words) => words.length > 0, "must hold at least one word")
			.optional()
	})
	.superRefine((body, ctx) => {
		const named = [body.bill, body.politician, body.search].filter((v) => v !== undefined).length;
		if (named !== 1) ctx.addIssue({ code: "custom", path: [], message: "Name exactly one of bill, politician or search" });
	});

export const FollowId = z.strictObject({ id: z.uuid() });
export const ListFollows = z.strictObject({ ...pagination });

const billPath = { session: sessionId, number: billNumber };
export const PutStance = z.strictObject({ ...billPath, stance: z.enum(["support", "oppose"]) });
export const DeleteStance = z.strictObject(billPath);

export const CreateFollowParams = zodParams(CreateFollow);
export const FollowIdParams = zodParams(FollowId);
export const ListFollowsParams = zodParams(ListFollows);
export const PutStanceParams = zodParams(PutStance);
export const DeleteStanceParams = zodParams(DeleteStance);
