/**
 * The config service and the config mixin on one broker with the platform's own options (zod
 * validator, permissions middleware), on PostgreSQL 15 and on PGlite: validation with the reason,
 * roles per key, versions, history, rollback, live application, restart-required keys, and a node
 * that catches up on a change it never heard.
 */
import { randomUUID } from "node:crypto";
import { type Service, type ServiceSchema, ServiceBroker } from "moleculer";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { ConfigMixin, configKey, configOf, declareConfig, ConfigDeclarationError } from "../../mixins/config.mixin.ts";
import { loadEnv } from "../../runtime/env.ts";
import type { DbService } from "../../mixins/db.mixin.ts";
import { BACKENDS, type TestDatabase } from "../../test/storage/test-databases.ts";
import { waitFor } from "../../test/helpers/wait-for.ts";
import { GATEWAY_CONFIG } from "../../gateway/gateway.config.ts";
import { ETL_CONFIG } from "../etl/etl.config.ts";
import { MONITORING_CONFIG } from "../monitoring/monitoring.config.ts";
import { appendVersion } from "./config-store.ts";
import { ConfigService } from "./config.service.ts";
import { type ConfigEntry, type HistoryItem, type Page, type SetAnswer } from "./config.contract.ts";

const FIXTURE_CONFIG = declareConfig("fixture", {
	"fixture.limit": configKey({ schema: z.number().int().min(1).max(1_000), default: 100, description: "A limit", changeableBy: "operator" }),
	"fixture.origins": configKey({
		schema: z.array(z.string().max(100).regex(/^https?:\/\/[^/\s]+$/)).max(5),
		default: [],
		description: "Origins",
		changeableBy: "admin"
	}),
	"fixture.poolSize": configKey({ schema: z.number().int().min(1).max(50), default: 5, description: "Read at start only", changeableBy: "operator", restartRequired: true })
});

function fixtureService(onLimit?: (value: number) => void): ServiceSchema {
	return {
		name: "fixture",
		mixins: [ConfigMixin(FIXTURE_CONFIG, { defaults: () => ({ "fixture.limit": 120 }), syncIntervalMs: 200, startTimeoutMs: 1_000 })],
		started(this: Service): void {
			if (onLimit) configOf(this, FIXTURE_CONFIG).onChange("fixture.limit", onLimit);
		}
	};
}

const user = (role: string) => ({ meta: { principal: { kind: "user", userId: `u-${role}`, role } } });
const operator = user("operator");
const admin = user("admin");

function makeBroker(): ServiceBroker {
	const env = loadEnv({ NODE_ENV: "test", NODE_ID: `config-test-${randomUUID().slice(0, 6)}`, LOG_LEVEL: "fatal" });
	return new ServiceBroker({ ...createBrokerOptions(env), logger: false, skipProcessEventRegistration: true });
}

async function failure(promise: Promise<unknown>): Promise<{ code?: number; type?: string; message?: string; data?: unknown }> {
	return promise.then(
		() => {
			throw new Error("expected a refusal");
		},
		(err: unknown) => err as { code?: number; type?: string; message?: string; data?: unknown }
	);
}

describe("declarations", () => {
	it("refuse secret-looking names, unbounded schemas, a default off the schema and a foreign prefix", () => {
		const spec = { schema: z.string().max(10), default: "x", description: "", changeableBy: "admin" as const };
		expect(() => declareConfig("smtp", { "smtp.password": configKey(spec) })).toThrow(/secret/);
		expect(() => declareConfig("auth", { "auth.jwtToken": configKey(spec) })).toThrow(ConfigDeclarationError);
		expect(() => declareConfig("a", { "a.text": configKey({ ...spec, schema: z.string() }) })).toThrow(/maximum length/);
		expect(() => declareConfig("a", { "a.text": configKey({ ...spec, default: "far too long" }) })).toThrow(/default/);
		expect(() => declareConfig("a", { "b.text": configKey(spec) })).toThrow(/owner/);
	});

	it("of the gateway, ETL and monitoring read back from their JSON form, defaults and rules included", () => {
		for (const declaration of [GATEWAY_CONFIG, ETL_CONFIG, MONITORING_CONFIG]) {
			for (const descriptor of declaration.descriptors) {
				const validator = z.fromJSONSchema(descriptor.schema as Parameters<typeof z.fromJSONSchema>[0]);
				expect(validator.safeParse(descriptor.default).success, descriptor.key).toBe(true);
			}
		}
		const origins = z.fromJSONSchema(GATEWAY_CONFIG.descriptors.find((d) => d.key === "gateway.cors.allowedOrigins")?.schema ?? {});
		expect(origins.safeParse(["https://a.example"]).success).toBe(true);
		expect(origins.safeParse(["*"]).success).toBe(false);
		const schedules = z.fromJSONSchema(ETL_CONFIG.descriptors.find((d) => d.key === "etl.schedules")?.schema ?? {});
		expect(schedules.safeParse([{ source: "ocd", cron: "0 3 * * *" }]).success).toBe(true);
		expect(schedules.safeParse([{ source: "ocd", cron: "every day" }]).success).toBe(false);
		expect(schedules.safeParse([{ source: "elsewhere", cron: "0 3 * * *" }]).success).toBe(false);
	});
});

describe.each(BACKENDS)("config service on $name", (backend) => {
	let created: TestDatabase;
	let broker: ServiceBroker;
	const limitsSeen: number[] = [];
	const fixture = (): Service => {
		const service = broker.getLocalService("fixture");
		if (!service) throw new Error("no fixture service");
		return service;
	};
	const limit = () => configOf(fixture(), FIXTURE_CONFIG).get("fixture.limit");

	beforeAll(async () => {
		created = await backend.create();
		broker = makeBroker();
		broker.createService(ConfigService({ database: created.config }));
		broker.createService(fixtureService((v) => limitsSeen.push(v)));
		await broker.start();
	});
	afterAll(async () => {
		await broker?.stop();
		await created?.drop();
	});

	it("lists the declared keys with their defaults; the node uses its own default", async () => {
		const list = await broker.call<Page<ConfigEntry>, Record<string, unknown>>("config.list", {}, operator);
		expect(list.objects.map((e) => e.key)).toEqual(["fixture.limit", "fixture.origins", "fixture.poolSize"]);
		expect(list.objects[0]).toMatchObject({ owner: "fixture", value: 100, isDefault: true, version: 0, changeableBy: "operator", declared: true });
		expect(list.pagination).toMatchObject({ total: 3, offset: 0, limit: 20, next_url: null });
		expect(limit()).toBe(120);
		// Both services start together: the fixture fetches once the config service is registered.
		await waitFor(() => configOf(fixture(), FIXTURE_CONFIG).status().source === "config", { message: "the fixture to fetch its configuration" });
	});

	it("applies a valid change live, and records who and why", async () => {
		const answer = await broker.call<SetAnswer, Record<string, unknown>>("config.set", { key: "fixture.limit", value: 7, reason: "load test" }, operator);
		expect(answer).toMatchObject({ key: "fixture.limit", value: 7, isDefault: false, changedBy: "user:u-operator", reason: "load test", restartRequired: false, previousVersion: null });
		expect(answer.message).toMatch(/applied live/);
		await waitFor(() => limit() === 7, { message: "the fixture to apply the new limit" });
		expect(limitsSeen).toContain(7);
		const got = await broker.call<ConfigEntry, Record<string, unknown>>("config.get", { key: "fixture.limit" }, operator);
		expect(got).toMatchObject({ value: 7, version: answer.version });
	});

	it("refuses an invalid value with the reason (422), an unknown key (404), a secret (422), and keeps the value", async () => {
		const bad = await failure(broker.call("config.set", { key: "fixture.limit", value: 5_000, reason: "too much" }, operator));
		expect(bad.code).toBe(422);
		expect(bad.message).toMatch(/fixture\.limit: .*1000/);
		expect(bad.data).toEqual([expect.objectContaining({ field: "value", type: "too_big" })]);
		const wrongType = await failure(broker.call("config.set", { key: "fixture.origins", value: ["ftp://x"], reason: "bad origin" }, admin));
		expect(wrongType.data).toEqual([expect.objectContaining({ field: "value.0" })]);
		expect((await failure(broker.call("config.set", { key: "fixture.nope", value: 1, reason: "typo" }, admin))).code).toBe(404);
		const secret = await failure(broker.call("config.set", { key: "fixture.apiToken", value: "x", reason: "store a token" }, admin));
		expect(secret).toMatchObject({ code: 422, data: [expect.objectContaining({ field: "key", type: "secret" })] });
		expect((await failure(broker.call("config.set", { key: "fixture.limit", reason: "no value" }, admin))).code).toBe(422);
		expect(limit()).toBe(7);
	});

	it("lets operators change operator keys, admins every key, and nobody else", async () => {
		const forbidden = await failure(broker.call("config.set", { key: "fixture.origins", value: ["https://a.example"], reason: "cors" }, operator));
		expect(forbidden).toMatchObject({ code: 403, data: { changeableBy: "admin" } });
		await broker.call("config.set", { key: "fixture.origins", value: ["https://a.example"], reason: "cors" }, admin);
		expect((await failure(broker.call("config.set", { key: "fixture.limit", value: 9, reason: "x" }, user("editor")))).code).toBe(403);
		expect((await failure(broker.call("config.list", {}, { meta: { principal: { kind: "anonymous" } } }))).code).toBe(401);
		await waitFor(() => configOf(fixture(), FIXTURE_CONFIG).get("fixture.origins")[0] === "https://a.example");
	});

	it("answers 409 when the key changed since the version the caller saw", async () => {
		const current = await broker.call<ConfigEntry, Record<string, unknown>>("config.get", { key: "fixture.limit" }, operator);
		const conflict = await failure(broker.call("config.set", { key: "fixture.limit", value: 8, reason: "stale", expectedVersion: current.version - 1 }, operator));
		expect(conflict).toMatchObject({ code: 409, type: "CONFIG_VERSION_CONFLICT" });
		await broker.call("config.set", { key: "fixture.limit", value: 8, reason: "fresh", expectedVersion: current.version }, operator);
		await waitFor(() => limit() === 8);
	});

	it("keeps the history newest first, and rolls back as a new version, everywhere", async () => {
		const history = await broker.call<Page<HistoryItem>, Record<string, unknown>>("config.history", { key: "fixture.limit", limit: 1 }, operator);
		expect(history.pagination.total).toBe(2);
		expect(history.objects[0]).toMatchObject({ value: 8, kind: "set", reason: "fresh" });
		expect(history.pagination.next_url).toBe("/api/v1/config/fixture.limit/history?limit=1&offset=1");

		const back = await broker.call<SetAnswer, Record<string, unknown>>("config.rollback", { key: "fixture.limit", reason: "8 was wrong" }, operator);
		expect(back).toMatchObject({ value: 7, isDefault: false });
		await waitFor(() => limit() === 7, { message: "the rollback to reach the fixture" });
		const first = (await broker.call<Page<HistoryItem>, Record<string, unknown>>("config.history", { key: "fixture.limit" }, operator)).objects.at(-1);
		const toFirst = await broker.call<SetAnswer, Record<string, unknown>>("config.rollback", { key: "fixture.limit", version: first?.version, reason: "again" }, operator);
		expect(toFirst.value).toBe(7);

		const toDefault = await broker.call<SetAnswer, Record<string, unknown>>("config.set", { key: "fixture.limit", value: null, reason: "reset" }, operator);
		expect(toDefault).toMatchObject({ isDefault: true, value: 100 });
		// The node goes back to its own default, not the declared one.
		await waitFor(() => limit() === 120, { message: "the reset to reach the fixture" });
		const latest = (await broker.call<Page<HistoryItem>, Record<string, unknown>>("config.history", { key: "fixture.limit" }, operator)).objects;
		expect(latest.map((h) => h.kind)).toEqual(["set", "rollback", "rollback", "set", "set"]);
		expect(latest[1]).toMatchObject({ rollbackOf: first?.version });
		expect((await failure(broker.call("config.rollback", { key: "fixture.limit", version: 999_999, reason: "nope" }, operator))).code).toBe(404);
	});

	it("stores a restart-required key without applying it, and applies it when the service restarts", async () => {
		const answer = await broker.call<SetAnswer, Record<string, unknown>>("config.set", { key: "fixture.poolSize", value: 9, reason: "bigger pool" }, operator);
		expect(answer.restartRequired).toBe(true);
		expect(answer.message).toMatch(/takes effect when fixture restarts/);
		await waitFor(() => configOf(fixture(), FIXTURE_CONFIG).status().pendingRestart.includes("fixture.poolSize"));
		expect(configOf(fixture(), FIXTURE_CONFIG).get("fixture.poolSize")).toBe(5);
		await broker.destroyService(fixture());
		broker.createService(fixtureService());
		await broker.waitForServices("fixture", 5_000);
		expect(configOf(fixture(), FIXTURE_CONFIG).get("fixture.poolSize")).toBe(9);
		expect(configOf(fixture(), FIXTURE_CONFIG).status().pendingRestart).toEqual([]);
	});

	it("catches up on a change it never heard (a write without a broadcast) at the revision check", async () => {
		// The service's own connection: an in-memory PGlite is one per process-wide registry entry.
		const db = (broker.getLocalService("config") as unknown as DbService).db;
		await appendVersion(db, "fixture.limit", async () => ({
			key: "fixture.limit",
			owner: "fixture",
			value: 42,
			kind: "set",
			rollbackOf: null,
			changedBy: "test",
			reason: "missed broadcast",
			requestId: null,
			clientIp: null
		}));
		await waitFor(() => limit() === 42, { timeoutMs: 5_000, message: "the periodic check to apply the missed change" });
	});
});

describe("a service whose config service is unreachable", () => {
	it("starts with its defaults within the bounded wait, and takes the stored values once config appears", async () => {
		// PostgreSQL: an in-memory PGlite would not outlive the first broker.
		const created = await BACKENDS[0]?.create();
		if (!created) throw new Error("no PostgreSQL backend");
		const first = makeBroker();
		first.createService(ConfigService({ database: created.config }));
		first.createService(fixtureService());
		await first.start();
		await first.call("config.set", { key: "fixture.limit", value: 33, reason: "stored earlier" });
		await first.stop();

		const broker = makeBroker();
		broker.createService(fixtureService());
		try {
			const started = performance.now();
			await broker.start();
			expect(performance.now() - started).toBeLessThan(2_000);
			const service = broker.getLocalService("fixture") as Service;
			expect(configOf(service, FIXTURE_CONFIG).get("fixture.limit")).toBe(120);
			expect(configOf(service, FIXTURE_CONFIG).status().source).toBe("defaults");
			broker.createService(ConfigService({ database: created.config }));
			await waitFor(() => configOf(service, FIXTURE_CONFIG).get("fixture.limit") === 33, { message: "the stored value once config started" });
		} finally {
			await broker.stop();
			await created.drop();
		}
	});
});
