/** The v1 actions' params, one zod schema each (docs/decisions/0012-zod-action-schemas.md). */
import { z } from "zod";
import { queryInt, text } from "../../../runtime/validation/fields.ts";
import { zodParams } from "../../../runtime/validation/zod-params.ts";
import { PLATFORMS } from "../mobile.contract.ts";
import { billNumber, session, slug } from "../../shared/identifiers.ts";

/** Room for the longest position a cursor encodes (a bill key and a filter), signed. */
const cursor = text(512, 1);

export const LIST_DEFAULT_LIMIT = 50;
export const LIST_MAX_LIMIT = 200;
export const CHANGES_DEFAULT_LIMIT = 500;
export const CHANGES_MAX_LIMIT = 2000;

const listLimit = queryInt(1, LIST_MAX_LIMIT).default(LIST_DEFAULT_LIMIT);

export const BillsListParams = zodParams(z.strictObject({ session: session.optional(), cursor: cursor.optional(), limit: listLimit }));
export const VotesListParams = zodParams(z.strictObject({ session: session.optional(), cursor: cursor.optional(), limit: listLimit }));
export const PoliticiansListParams = zodParams(z.strictObject({ cursor: cursor.optional(), limit: listLimit }));

export const BillDetailParams = zodParams(z.strictObject({ session, number: billNumber }));
export const VoteDetailParams = zodParams(z.strictObject({ session, number: queryInt(1, 99_999) }));
export const PoliticianDetailParams = zodParams(z.strictObject({ slug }));

export const ChangesParams = zodParams(z.strictObject({ since: cursor.optional(), limit: queryInt(1, CHANGES_MAX_LIMIT).default(CHANGES_DEFAULT_LIMIT) }));


export const RegisterDeviceParams = zodParams(
	z.strictObject({
		platform: z.enum(PLATFORMS),
		/** APNs tokens are 64 hex characters, FCM tokens about 160; Web Push subscriptions are JSON-encoded endpoints. */
		token: text(4096, 8),
		name: text(100, 1).optional()
	})
);

export const DeviceIdParams = zodParams(z.strictObject({ id: z.uuid() }));
export const ListDevicesParams = zodParams(z.strictObject({}));
