/**
 * The broker's validator: actions declare `params: zodParams(Schema)` (zod-params.ts) and this
 * checks them with zod, replaces `ctx.params` with zod's output (coerced query strings,
 * defaults), and refuses what no client may send (input-guard.ts) before any schema runs.
 * Failures are Moleculer's ValidationError (422) with `[{ field, type, message }]`, the shape the
 * gateway already answers. Values are never echoed back: a message names the field and the rule.
 *
 * Start-up check, like the permissions middleware's: a zod schema whose strings have no maximum
 * length or whose numbers have no range is refused when the service starts, so an unbounded
 * field cannot be declared by accident (issue 9: an `offset` of 1e300 reached the database).
 *
 * Actions still declared with fastest-validator objects go to Moleculer's own validator (this
 * class extends it) until they are converted.
 */
import type { Context, ServiceBroker } from "moleculer";
import { Errors, Validators } from "moleculer";
import type { z } from "zod";
import { findInputProblem } from "./input-guard.ts";
import { type JsonSchema, type ZodParams, isZodParams, schemaOf } from "./zod-params.ts";

export interface FieldIssue {
	field: string;
	type: string;
	message: string;
}

export class UnboundedSchemaError extends Error {
	override name = "UnboundedSchemaError";
}

/** A field path as the 422 body names it: `a.b.0`, or `(params)` for the whole object. */
function fieldOf(path: readonly PropertyKey[]): string {
	return path.length === 0 ? "(params)" : path.map(String).join(".");
}

export function zodIssues(error: z.ZodError): FieldIssue[] {
	return error.issues.map((issue) => {
		if (issue.code === "unrecognized_keys") {
			const keys = issue.keys.join(", ");
			return { field: issue.path.length ? `${fieldOf(issue.path)}.${issue.keys[0] ?? ""}` : (issue.keys[0] ?? "(params)"), type: issue.code, message: `Unknown field${issue.keys.length > 1 ? "s" : ""}: ${keys}` };
		}
		return { field: fieldOf(issue.path), type: issue.code, message: issue.message };
	});
}

export function validationError(issues: FieldIssue[]): Errors.ValidationError {
	return new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", issues);
}

/** Every unbounded field of a JSON Schema, as paths; empty when all strings and numbers are bounded. */
export function unboundedFields(schema: JsonSchema, path = "(params)"): string[] {
	const found: string[] = [];
	const visit = (node: unknown, at: string): void => {
		if (typeof node !== "object" || node === null) return;
		const s = node as Record<string, unknown>;
		const types = Array.isArray(s.type) ? s.type : [s.type];
		const constrained = s.enum !== undefined || s.const !== undefined || s.format !== undefined || s.pattern !== undefined;
		if (types.includes("string") && s.maxLength === undefined && !constrained) found.push(at);
		if ((types.includes("number") || types.includes("integer")) && (s.maximum === undefined && s.exclusiveMaximum === undefined || s.minimum === undefined && s.exclusiveMinimum === undefined) && s.enum === undefined && s.const === undefined) {
			found.push(at);
		}
		if (types.includes("array") && s.maxItems === undefined) found.push(`${at}[]`);
		const properties = s.properties;
		if (typeof properties === "object" && properties !== null) {
			for (const [key, child] of Object.entries(properties)) visit(child, at === "(params)" ? key : `${at}.${key}`);
		}
		for (const key of ["items", "additionalProperties"]) visit(s[key], `${at}[]`);
		for (const key of ["anyOf", "oneOf", "allOf"]) {
			const list = s[key];
			if (Array.isArray(list)) for (const child of list) visit(child, at);
		}
	};
	visit(schema, path);
	return [...new Set(found)];
}

type Checked = { ok: true; value: unknown } | { ok: false; issues: FieldIssue[] };

export function checkParams(params: ZodParams, raw: unknown): Checked {
	const problem = findInputProblem(raw);
	if (problem) return { ok: false, issues: [problem] };
	const result = schemaOf(params).safeParse(raw ?? {});
	return result.success ? { ok: true, value: result.data } : { ok: false, issues: zodIssues(result.error) };
}

interface Declared {
	name?: string;
	params?: unknown;
}

export class ZodValidator extends Validators.Fastest {
	/** Refuses unbounded schemas at start-up; returns the checked declaration. */
	private compileZod(declared: Declared): ZodParams {
		const params = declared.params as ZodParams;
		const unbounded = unboundedFields(params.jsonSchema);
		if (unbounded.length > 0) {
			throw new UnboundedSchemaError(
				`${declared.name ?? "an action"}: every string needs a maximum length and every number a range (${unbounded.join(", ")})`
			);
		}
		return params;
	}

	override middleware(broker: ServiceBroker): ReturnType<Validators.Fastest["middleware"]> {
		const fastest = super.middleware(broker) as {
			localAction: (handler: (ctx: Context) => unknown, action: Declared) => (ctx: Context) => unknown;
			localEvent: (handler: (ctx: Context) => unknown, event: Declared) => (ctx: Context) => unknown;
		};
		const wrap = (kind: "localAction" | "localEvent") =>
			(handler: (ctx: Context) => unknown, declared: Declared): ((ctx: Context) => unknown) => {
				if (!isZodParams(declared.params)) return fastest[kind](handler, declared);
				const params = this.compileZod(declared);
				return function validateWithZod(ctx: Context): unknown {
					const checked = checkParams(params, ctx.params);
					if (!checked.ok) return Promise.reject(validationError(checked.issues));
					ctx.params = checked.value;
					return handler(ctx);
				};
			};
		return { name: "Validator", localAction: wrap("localAction"), localEvent: wrap("localEvent") };
	}
}
