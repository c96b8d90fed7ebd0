/**
 * What a published action answers, declared once with zod beside its params (issue 10,
 * docs/decisions/0013-openapi-and-response-schemas.md): `response: zodResponse(Schema)` on the
 * action, and the handler returns `Promise<ResultOf<typeof Response>>`, so the compiler holds the
 * handler to the schema. Like `zodParams`, the zod object rides under a symbol behind a function
 * and only its JSON Schema crosses NATS, where a gateway's OpenAPI document reads it.
 *
 * Not checked at run time: a handler that drifted would turn a correct answer into a 500 for the
 * client, and parsing every answer costs on the hot path. The type check above and the route
 * fuzzer (test/fuzz/), which parses every 2xx body with the declared schema, hold it instead.
 */
import { z } from "zod";
import { type JsonSchema, ZOD_SCHEMA } from "./zod-params.ts";

export type ZodResponse<S extends z.ZodType = z.ZodType> = {
	readonly [ZOD_SCHEMA]: () => S;
	/** The JSON Schema of what the client receives (zod's output side). */
	readonly jsonSchema: JsonSchema;
};

declare module "moleculer" {
	interface ActionSchema {
		/** The answer's schema, for the OpenAPI document and the fuzzer; see zod-response.ts. */
		response?: ZodResponse;
	}
}

/** What a handler with `response: zodResponse(S)` must return (awaited). */
export type ResultOf<R> = R extends ZodResponse<infer S> ? z.output<S> : never;

export function zodResponse<S extends z.ZodType>(schema: S): ZodResponse<S> {
	return { [ZOD_SCHEMA]: () => schema, jsonSchema: z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema };
}

export function isZodResponse(value: unknown): value is ZodResponse {
	return typeof value === "object" && value !== null && typeof (value as Partial<ZodResponse>)[ZOD_SCHEMA] === "function";
}

export function responseSchemaOf<S extends z.ZodType>(response: ZodResponse<S>): S {
	return response[ZOD_SCHEMA]();
}
