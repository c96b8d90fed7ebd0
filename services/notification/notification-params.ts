/** The notification routes' params: one zod schema each, the validator and the handler's type (0012). */
import { z } from "zod";
import { pagination, queryFlag, text } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";
import { CHANNELS, LANGUAGES, WEBHOOK_KINDS } from "./notification.contract.ts";

export const InboxParams = zodParams(z.strictObject({ unread: queryFlag().optional(), ...pagination }));
export const EmptyParams = zodParams(z.strictObject({}));
export const MarkReadParams = zodParams(z.strictObject({ ids: z.array(text(64, 1)).min(1).max(500).optional() }));

const channelPreference = z.strictObject({ enabled: z.boolean().optional(), mode: z.enum(["immediate", "daily"]).optional() });

function isTimeZone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat("en", { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

export const PreferencesParams = zodParams(
	z.strictObject({
		language: z.enum(LANGUAGES).optional(),
		timeZone: text(64, 1).refine(isTimeZone, "must be an IANA time zone such as America/Toronto").optional(),
		digestHour: z.number().int().min(0).max(23).optional(),
		channels: z.strictObject(Object.fromEntries(CHANNELS.map((c) => [c, channelPreference.optional()])) as Record<(typeof CHANNELS)[number], z.ZodOptional<typeof channelPreference>>).optional()
	})
);

export const DeliveriesParams = zodParams(
	z.strictObject({
		status: z.enum(["pending", "sending", "sent", "failed", "skipped", "held", "digested"]).optional(),
		channel: z.enum(CHANNELS).optional(),
		...pagination
	})
);

export const CreateWebhookParams = zodParams(z.strictObject({ url: text(2000, 1), events: z.array(z.enum(WEBHOOK_KINDS)).min(1).max(WEBHOOK_KINDS.length) }));
export const WebhookIdParams = zodParams(z.strictObject({ id: text(64, 1) }));

/** Form fields a mail client's one-click POST sends (RFC 8058: List-Unsubscribe=One-Click). */
export const UnsubscribeParams = zodParams(z.object({ token: text(400, 1), "List-Unsubscribe": text(40).optional() }));

const language = z.enum(LANGUAGES).default("en");
export const BillFeedParams = zodParams(z.strictObject({ session: z.string().regex(/^\d{1,2}-\d$/, "must look like 44-1"), number: z.string().regex(/^[CS]-\d{1,4}[A-Z]?$/, "must look like C-10"), lang: language }));
export const PoliticianFeedParams = zodParams(z.strictObject({ slug: z.string().regex(/^[a-z0-9-]{1,100}$/, "must be a slug like justin-trudeau"), lang: language }));
export const SearchFeedParams = zodParams(z.strictObject({ q: text(200, 1), lang: language }));
