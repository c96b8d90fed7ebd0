/**
 * One schema per action (issue 10, docs/decisions/0012-zod-action-schemas.md): an action's params
 * are a zod schema, wrapped by `zodParams` so that
 * - the broker's validator (zod-validator.ts) checks and coerces them with zod,
 * - the handler's `ctx.params` type is `z.infer` of the same schema (`ParamsOf`),
 * - the registry carries a JSON Schema of them to other nodes, where the gateway's OpenAPI
 *   document reads it.
 *
 * The zod schema itself rides under a symbol, behind a function: Moleculer serialises action
 * definitions into its INFO packets with JSON, which skips symbol keys and functions, so only the
 * plain JSON Schema crosses NATS (a zod object would be large, and is not plain data); and
 * Moleculer deep-clones action definitions with lodash, which would strip a zod object's
 * non-enumerable internals but keeps a nested function as it is.
 */
import { z } from "zod";

export const ZOD_SCHEMA: unique symbol = Symbol.for("openpolicy.zod-schema");

/** JSON Schema as zod 4 emits it (draft 2020-12): plain data, safe to serialise. */
export type JsonSchema = Record<string, unknown>;

// A type alias, not an interface: only a type literal is assignable to Moleculer's `ActionParams` index signature.
export type ZodParams<S extends z.ZodType = z.ZodType> = {
	readonly [ZOD_SCHEMA]: () => S;
	/** The JSON Schema of what a caller sends (zod's input side: strings before coercion). */
	readonly jsonSchema: JsonSchema;
};

/** The type a handler sees in `ctx.params` for `params: zodParams(S)`. */
export type ParamsOf<P> = P extends ZodParams<infer S> ? z.output<S> : never;

/** What callers send, before coercion and defaults. */
export type InputOf<P> = P extends ZodParams<infer S> ? z.input<S> : never;

export function toJsonSchema(schema: z.ZodType): JsonSchema {
	// io "input": a query-string number is described as callers send it; transforms are not
	// representable in JSON Schema and become `{}` rather than failing the whole document.
	return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

export function zodParams<S extends z.ZodType>(schema: S): ZodParams<S> {
	return { [ZOD_SCHEMA]: () => schema, jsonSchema: toJsonSchema(schema) };
}

/** For an action that takes nothing: anything sent (an unknown query filter included) is a 422 naming it. */
export const NoParams = zodParams(z.strictObject({}));

export function isZodParams(value: unknown): value is ZodParams {
	return typeof value === "object" && value !== null && typeof (value as Partial<ZodParams>)[ZOD_SCHEMA] === "function";
}

export function schemaOf<S extends z.ZodType>(params: ZodParams<S>): S {
	return params[ZOD_SCHEMA]();
}
