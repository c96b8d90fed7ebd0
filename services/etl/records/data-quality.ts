/**
 * A data-quality issue: a record the pipeline could not accept. Recording it (rather than
 * throwing) is what lets one bad row in a 300-row export leave the other 299 loaded.
 */
import type { z } from "zod";

export interface DataQualityIssue {
	source: string;
	/** The record's natural key when it could be read (e.g. "44-1/C-10"). */
	recordKey?: string;
	reason: string;
	/** The raw input the issue is about, kept so an operator can see and replay it. */
	raw: unknown;
}

/** One line per problem, with the field path, e.g. `number: Invalid string: must match pattern`. */
export function describeZodError(error: z.ZodError): string {
	return error.issues
		.map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
		.join("; ");
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issue: DataQualityIssue };

/** A failed validation as an issue. */
export function zodIssue(error: z.ZodError, input: unknown, context: { source: string; recordKey?: string; raw?: unknown; what: string }): DataQualityIssue {
	const issue: DataQualityIssue = { source: context.source, reason: `invalid ${context.what}: ${describeZodError(error)}`, raw: context.raw ?? input };
	if (context.recordKey !== undefined) issue.recordKey = context.recordKey;
	return issue;
}

/** Validate against a schema and turn a failure into an issue instead of an exception. */
export function check<S extends z.ZodType>(
	schema: S,
	input: unknown,
	context: { source: string; recordKey?: string; raw?: unknown; what: string }
): Checked<z.output<S>> {
	const result = schema.safeParse(input);
	return result.success ? { ok: true, value: result.data } : { ok: false, issue: zodIssue(result.error, input, context) };
}
