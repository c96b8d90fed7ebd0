/**
 * Field builders every action schema shares, so the rules of issue 9 (bounded strings, numbers
 * with a range) and of query strings (everything arrives as text) are written once.
 */
import { z } from "zod";

/** Text of at most `max` characters (control characters are refused for every string by input-guard.ts). */
export function text(max: number, min = 0): z.ZodString {
	return z.string().min(min).max(max);
}

/**
 * An integer that may arrive as a query-string. Coercion then the range: `"1e300"` is refused by
 * the maximum, `"abc"` and `"2.5"` by the type. The JSON Schema (and so OpenAPI) says integer with
 * its range, which is what a caller must send.
 */
export function queryInt(min: number, max: number): z.ZodCoercedNumber<unknown> {
	return z.coerce.number().int().min(min).max(max);
}

/** A boolean that may arrive as a query-string: true/false/1/0 (z.coerce.boolean would read "false" as true). */
export function queryFlag() {
	return z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);
}

/** limit/offset as README.md fixes them: limit defaults to 20, at most 500; offset from 0. */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 500;
/** Far past any real table, and inside what PostgreSQL's OFFSET (bigint) and JS numbers hold exactly. */
export const MAX_OFFSET = 10_000_000;

export const pagination = {
	limit: queryInt(1, MAX_LIMIT).default(DEFAULT_LIMIT),
	offset: queryInt(0, MAX_OFFSET).default(0)
};
