/**
 * Issue 9's ETL cases on PostgreSQL 15 and PGlite 18, through the platform's real broker options:
 * a NUL in a run id and an `offset` of 1e300 reach the database and answer 422 (not a 500 that
 * would count toward the circuit breaker), and the runs API keeps answering afterwards.
 */
import { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { loadEnv } from "../../runtime/env.ts";
import { randomNamespace } from "../../test/kits/gateway-test-kit.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { EtlService } from "./etl.service.ts";

async function statusOf(call: Promise<unknown>): Promise<{ code: unknown; message: string }> {
	try {
		await call;
	} catch (err) {
		if (err instanceof Error) return { code: (err as Error & { code?: unknown }).code, message: err.message };
	}
	throw new Error("expected the call to fail");
}

describe.each(BACKENDS)("etl runs API with bad input on $name", (backend) => {
	let created: TestDatabase;
	let broker: ServiceBroker;

	beforeAll(async () => {
		created = await backend.create();
		broker = new ServiceBroker({ ...createBrokerOptions(loadEnv({ NODE_ENV: "test", NAMESPACE: randomNamespace() })), logger: false });
		broker.createService(EtlService({ database: created.config, settings: { schedules: [] } }));
		await broker.start();
		await (broker.getLocalService("etl") as unknown as DbService).dbReady(10_000);
	});
	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	it("answers 422 for a NUL in a run id and an offset of 1e300, forty times over, and still serves", async () => {
		for (let i = 0; i < 40; i++) {
			const calls = [() => broker.call("etl.get", { id: `run\u0000${i}` }), () => broker.call("etl.cancel", { id: "\u0000" }), () => broker.call("etl.runs", { offset: 1e300 })];
			for (const call of calls) {
				const failure = await statusOf(call());
				expect(failure.code, failure.message).toBe(422);
				expect(failure.message).not.toMatch(/etl\.|runs|bigint|SELECT/);
			}
		}
		expect(await broker.call("etl.runs", { offset: 0 })).toEqual({ runs: [] });
		expect((await statusOf(broker.call("etl.get", { id: "no-such-run" }))).code).toBe(404);
	});
});
