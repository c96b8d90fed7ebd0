/** The chart actions' params (zod, strict: an unknown parameter is a 422 naming it). */
import { z } from "zod";
import { queryInt } from "../../runtime/validation/fields.ts";
import { zodParams } from "../../runtime/validation/zod-params.ts";
import { session, slug } from "../shared/identifiers.ts";

const lang = z.enum(["en", "fr"]).default("en");

export const VoteChartParams = zodParams(z.strictObject({ session, number: queryInt(1, 99_999), lang }));
export const BillStagesParams = zodParams(z.strictObject({ session: session.optional(), lang }));
export const AgreementParams = zodParams(z.strictObject({ slug, lang }));
export const ActivityParams = zodParams(z.strictObject({ session: session.optional(), lang }));
