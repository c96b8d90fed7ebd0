/**
 * Issue 9, "client input that opens a breaker for everyone", on PostgreSQL 15 and PGlite 18: a
 * database error that a caller's values cause leaves a DbMixin service as a 4xx with a message of
 * our own (no SQL, table or echoed value), and a flood of them does not open the circuit breaker of
 * the platform's real broker configuration, while a flood of real faults still does.
 */
import { type Context, ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerOptions, isServerFault } from "../moleculer.config.ts";
import { loadEnv } from "../runtime/env.ts";
import { DatabaseInputError } from "../runtime/storage/errors.ts";
import { BACKENDS, type TestDatabase } from "../test/storage/test-databases.ts";
import { FIXTURE_MIGRATIONS } from "../test/storage/fixture-services.ts";
import { randomNamespace } from "../test/kits/gateway-test-kit.ts";
import { DbMixin, type DbService } from "./db.mixin.ts";

/** The broker's own minimum before a breaker may open (moleculer.config.ts). */
const FLOOD = 60;

type Failure = Error & { code?: unknown; type?: unknown; data?: unknown };

async function failureOf(promise: Promise<unknown>): Promise<Failure> {
	try {
		await promise;
	} catch (err) {
		if (err instanceof Error) return err;
		throw new Error(`expected an Error, got ${String(err)}`, { cause: err });
	}
	throw new Error("expected the call to fail");
}

function expectNoLeak(err: Failure, ...values: string[]): void {
	const visible = JSON.stringify({ message: err.message, type: err.type, data: err.data });
	for (const secret of ["things", "fixture", "SELECT", "INSERT", "OFFSET", "constraint", "\\u0000", ...values]) expect(visible).not.toContain(secret);
}

describe.each(BACKENDS)("client-caused database errors on $name", (backend) => {
	let created: TestDatabase;
	let broker: ServiceBroker;

	beforeAll(async () => {
		created = await backend.create();
		// The platform's own options: the circuit breaker, its check, the validator, the middlewares.
		broker = new ServiceBroker({ ...createBrokerOptions(loadEnv({ NODE_ENV: "test", NAMESPACE: randomNamespace(), LOG_LEVEL: "fatal" })), logger: false });
		broker.createService({
			name: "inputs",
			mixins: [DbMixin({ database: created.config, migrations: FIXTURE_MIGRATIONS, schema: "fixture" })],
			actions: {
				// No params schema on purpose: what the coming validator refuses must also be safe here.
				add: {
					async handler(this: DbService, ctx: Context<{ name: string }>) {
						const { rows } = await this.db.query<{ id: number }>("INSERT INTO fixture.things (name) VALUES ($1) RETURNING id", [ctx.params.name]);
						return rows[0]?.id;
					}
				},
				page: {
					async handler(this: DbService, ctx: Context<{ offset: number; at?: string }>) {
						const { rows } = await this.db.query("SELECT name FROM fixture.things WHERE created_at < coalesce($2::timestamptz, now() + interval '1 day') ORDER BY id LIMIT 10 OFFSET $1", [
							ctx.params.offset,
							ctx.params.at ?? null
						]);
						return rows.length;
					}
				},
				broken: {
					async handler(this: DbService) {
						await this.db.query("SELECT * FROM fixture.no_such_table");
					}
				}
			}
		});
		await broker.start();
		await (broker.getLocalService("inputs") as unknown as DbService).dbReady(10_000);
	});
	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	it("answers NUL, a number past bigint, a bad date and a duplicate with 4xx and a message of its own", async () => {
		const nul = await failureOf(broker.call("inputs.add", { name: "bad\u0000name" }));
		expect(nul).toBeInstanceOf(DatabaseInputError);
		expect(nul).toMatchObject({ code: 422, type: "INVALID_VALUE", data: { sqlstate: "22021" } });
		expectNoLeak(nul, "bad");

		const huge = await failureOf(broker.call("inputs.page", { offset: 1e300 }));
		expect(huge).toMatchObject({ code: 422, type: "INVALID_VALUE", data: { sqlstate: "22P02" } });
		expectNoLeak(huge, "1e+300", "bigint");

		expect(await failureOf(broker.call("inputs.page", { offset: -1 }))).toMatchObject({ code: 422, data: { sqlstate: "2201X" } });
		expect(await failureOf(broker.call("inputs.page", { offset: 0, at: "2026-13-45" }))).toMatchObject({ code: 422, data: { sqlstate: expect.stringMatching(/^2200[78]$/) } });

		const duplicate = await failureOf(broker.call("inputs.add", { name: "first" }));
		expect(duplicate).toMatchObject({ code: 409, type: "CONFLICT", data: { sqlstate: "23505" } });
		expectNoLeak(duplicate, "first", "things_name_key");
	});

	it("keeps a real fault a 5xx-class error that the breaker counts", async () => {
		const fault = await failureOf(broker.call("inputs.broken"));
		expect(fault).not.toBeInstanceOf(DatabaseInputError);
		expect(isServerFault(fault)).toBe(true);
	});

	it("a flood of bad values leaves the breaker closed; a flood of faults opens it", async () => {
		for (let i = 0; i < FLOOD; i++) {
			const err = await failureOf(broker.call("inputs.add", { name: `flood\u0000${i}` }));
			expect(err.code).toBe(422);
		}
		for (let i = 0; i < FLOOD; i++) expect((await failureOf(broker.call("inputs.page", { offset: 1e300 }))).code).toBe(422);
		// Legitimate callers are still served, not refused by an open circuit.
		expect(await broker.call("inputs.add", { name: "legitimate" })).toEqual(expect.any(Number));
		expect(await broker.call("inputs.page", { offset: 0 })).toBeGreaterThan(0);

		// The same count of genuine faults does open it: the breaker is on and counting in this setup.
		const codes = new Set<string>();
		for (let i = 0; i < FLOOD; i++) codes.add((await failureOf(broker.call("inputs.broken"))).name);
		expect(codes).toContain("ServiceNotAvailableError");
	});
});
