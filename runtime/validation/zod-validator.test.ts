/** The zod validator on a real broker, and across NATS: coercion, 422 shape, guards, start-up check. */
import { randomUUID } from "node:crypto";
import { type Context, Errors, type ServiceSchema, ServiceBroker } from "moleculer";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { type ParamsOf, zodParams } from "./zod-params.ts";
import { UnboundedSchemaError, ZodValidator, unboundedFields } from "./zod-validator.ts";

const ListParams = zodParams(
	z.strictObject({
		limit: z.coerce.number().int().min(1).max(500).default(20),
		name: z.string().min(1).max(40).optional(),
		tags: z.array(z.string().max(10)).max(5).optional()
	})
);

const lister: ServiceSchema = {
	name: "lister",
	mixins: [{ actions: { ping: { handler: () => "pong" } } }],
	actions: {
		list: {
			params: ListParams,
			handler(ctx: Context<ParamsOf<typeof ListParams>>) {
				// Runs only with zod's output: a number, defaults applied.
				return { limit: ctx.params.limit, limitType: typeof ctx.params.limit, name: ctx.params.name ?? null };
			}
		}
	}
};

async function rejection(promise: Promise<unknown>): Promise<Errors.ValidationError> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(Errors.ValidationError);
	return err as Errors.ValidationError;
}

describe("ZodValidator on one broker", () => {
	const broker = new ServiceBroker({ logger: false, validator: new ZodValidator() });
	beforeAll(async () => {
		broker.createService(lister);
		await broker.start();
	});
	afterAll(() => broker.stop());

	it("hands the handler zod's output: coerced and defaulted", async () => {
		expect(await broker.call("lister.list", { limit: "25" })).toEqual({ limit: 25, limitType: "number", name: null });
		expect(await broker.call("lister.list", {})).toEqual({ limit: 20, limitType: "number", name: null });
	});

	it("answers 422 with the field path and the rule, and never the value", async () => {
		const err = await rejection(broker.call("lister.list", { limit: "1e300" }));
		expect(err.code).toBe(422);
		expect(err.data).toEqual(expect.arrayContaining([expect.objectContaining({ field: "limit", type: "too_big" })]));
		const huge = "x".repeat(10_000);
		const long = await rejection(broker.call("lister.list", { name: huge }));
		expect(JSON.stringify(long.data)).not.toContain("xxxxxxxxxx");
		const nested = await rejection(broker.call("lister.list", { tags: ["ok", 3] }));
		expect(nested.data).toEqual([expect.objectContaining({ field: "tags.1" })]);
	});

	it("names an unknown field", async () => {
		const err = await rejection(broker.call("lister.list", { colour: "red" }));
		expect(err.data).toEqual([expect.objectContaining({ field: "colour", type: "unrecognized_keys" })]);
	});

	it("refuses NUL and control characters in any string, and deep nesting, before the schema", async () => {
		for (const name of ["a\u0000b", "bell\u0007", "c1\u0085"]) {
			const err = await rejection(broker.call("lister.list", { name }));
			expect(err.data).toEqual([expect.objectContaining({ field: "name", type: "controlCharacter" })]);
		}
		let deep: unknown = "leaf";
		for (let i = 0; i < 5_000; i++) deep = { d: deep };
		const err = await rejection(broker.call("lister.list", { deep }));
		expect(err.data).toEqual([expect.objectContaining({ type: "tooDeep" })]);
		// Tabs and newlines are text, not control input.
		expect(await broker.call("lister.list", { name: "two\nlines\t!" })).toMatchObject({ name: "two\nlines\t!" });
	});

	it("keeps a mixin's actions working beside zod ones", async () => {
		expect(await broker.call("lister.ping")).toBe("pong");
	});
});

describe("ZodValidator start-up check", () => {
	it.each([
		["a string without a maximum", z.strictObject({ q: z.string() })],
		["a number without a maximum", z.strictObject({ n: z.coerce.number().min(0) })],
		["an array without a maximum", z.strictObject({ ids: z.array(z.string().max(5)) })]
	])("refuses %s when the service is created", (_label, schema) => {
		const broker = new ServiceBroker({ logger: false, validator: new ZodValidator() });
		expect(() => broker.createService({ name: "loose", actions: { go: { params: zodParams(schema), handler: () => 1 } } })).toThrow(UnboundedSchemaError);
	});
});

describe("ZodValidator across NATS", () => {
	const namespace = `zod-${randomUUID()}`;
	const transporter = { type: "NATS" as const, options: { url: "nats://127.0.0.1:4222" } };
	const server = new ServiceBroker({ namespace, nodeID: "server", transporter, logger: false, validator: new ZodValidator() });
	const client = new ServiceBroker({ namespace, nodeID: "client", transporter, logger: false, validator: new ZodValidator() });
	beforeAll(async () => {
		server.createService(lister);
		await Promise.all([server.start(), client.start()]);
		await client.waitForServices(["lister"], 10_000);
	});
	afterAll(() => Promise.all([client.stop(), server.stop()]));

	it("carries the JSON Schema, not the zod object, to other nodes, and validates on the serving node", async () => {
		const remote = await waitFor(() => client.registry.actions.get("lister.list")?.endpoints.find((ep) => !ep.local), { timeoutMs: 10_000 });
		const params = (remote.action as { params?: { jsonSchema?: { properties?: Record<string, unknown> } } }).params;
		expect(Object.keys(params?.jsonSchema?.properties ?? {})).toEqual(["limit", "name", "tags"]);
		expect(await client.call("lister.list", { limit: "7" })).toMatchObject({ limit: 7 });
		const err = await client.call("lister.list", { limit: 0 }).then(
			() => undefined,
			(e: unknown) => e as { code?: number; data?: unknown }
		);
		expect(err?.code).toBe(422);
		expect(err?.data).toEqual([expect.objectContaining({ field: "limit" })]);
	});
});

describe("query-string fields", async () => {
	const { pagination, queryFlag } = await import("./fields.ts");
	const Query = z.strictObject({ ...pagination, former: queryFlag().optional() });
	it.each([
		[{}, { limit: 20, offset: 0 }],
		[{ limit: "500", offset: "40", former: "false" }, { limit: 500, offset: 40, former: false }],
		[{ limit: 3, former: "1" }, { limit: 3, offset: 0, former: true }]
	])("reads %o", (input, expected) => {
		expect(Query.parse(input)).toEqual(expected);
	});
	it.each([{ limit: "501" }, { limit: "1e300" }, { offset: "-1" }, { limit: "abc" }, { limit: "2.5" }, { former: "yes" }])("refuses %o", (input) => {
		expect(Query.safeParse(input).success).toBe(false);
	});
	it("is bounded for the start-up check", () => {
		expect(unboundedFields(zodParams(Query).jsonSchema)).toEqual([]);
	});
});
