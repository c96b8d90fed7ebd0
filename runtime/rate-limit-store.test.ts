/** The shared rate-limit store: counts across gateway nodes through Redis, in memory without it. */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import type { ApiSettingsSchema } from "moleculer-web";
import { afterAll, describe, expect, it } from "vitest";
import { type SharedRateLimitStore, createRateLimitStoreFactory } from "./rate-limit-store.ts";
import { waitFor } from "./storage/test-fixtures/wait-for.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `op-test-${randomBytes(5).toString("hex")}`;

function storeOf(factory: ReturnType<typeof createRateLimitStoreFactory>, windowMs: number): SharedRateLimitStore {
	// moleculer-web types the factory as its abstract class; at run time it is our concrete one.
	const Store = factory as unknown as new (clearPeriod: number) => SharedRateLimitStore;
	return new Store(windowMs);
}

afterAll(async () => {
	const redis = new Redis(REDIS_URL);
	const keys = await redis.keys(`${prefix}*`);
	if (keys.length > 0) await redis.del(...keys);
	await redis.quit();
});

describe("rate-limit store", () => {
	it("counts one key across two gateway nodes through Redis, per window", async () => {
		const factory = createRateLimitStoreFactory({ redisUrl: REDIS_URL, prefix: `${prefix}:a` });
		const [a, b] = [storeOf(factory, 60_000), storeOf(factory, 60_000)];
		try {
			const counts = [await a.inc("203.0.113.7"), await b.inc("203.0.113.7"), await a.inc("203.0.113.7"), await b.inc("198.51.100.1")];
			expect(counts).toEqual([1, 2, 3, 1]);
			expect(a.resetTime % 60_000).toBe(0);
			expect(a.resetTime).toBeGreaterThan(Date.now());
		} finally {
			await a.close();
			await b.close();
		}
	});

	it("starts a new count when the window ends, and Redis forgets the old one", async () => {
		const factory = createRateLimitStoreFactory({ redisUrl: REDIS_URL, prefix: `${prefix}:b` });
		const store = storeOf(factory, 300);
		try {
			// Begin right after a window starts, so two calls fall in the same window.
			await waitFor("a fresh window", async () => Date.now() % 300 < 100 || undefined, 5_000, 5);
			expect([await store.inc("k"), await store.inc("k")]).toEqual([1, 2]);
			const end = store.resetTime;
			await waitFor("the window to end", async () => Date.now() >= end || undefined, 5_000, 20);
			expect(await store.inc("k")).toBe(1);
			const redis = new Redis(REDIS_URL);
			try {
				await waitFor("expired keys to go", async () => (await redis.keys(`${prefix}:b:*`)).length <= 1 || undefined, 10_000);
			} finally {
				await redis.quit();
			}
		} finally {
			await store.close();
		}
	});

	it("counts in memory when no Redis is configured", async () => {
		const store = storeOf(createRateLimitStoreFactory(), 60_000);
		expect([await store.inc("x"), await store.inc("x"), await store.inc("y")]).toEqual([1, 2, 1]);
	});

	it("falls back to counting on this node when Redis is unreachable, without hanging", async () => {
		const store = storeOf(createRateLimitStoreFactory({ redisUrl: "redis://127.0.0.1:1", prefix }), 60_000);
		try {
			expect([await store.inc("x"), await store.inc("x")]).toEqual([1, 2]);
		} finally {
			await store.close();
		}
	});

	it("plugs into moleculer-web: two gateways share one limit", async () => {
		const factory = createRateLimitStoreFactory({ redisUrl: REDIS_URL, prefix: `${prefix}:web` });
		const brokers: ServiceBroker[] = [];
		const ports: number[] = [];
		try {
			for (let i = 0; i < 2; i++) {
				const broker = new ServiceBroker({ nodeID: `rl-${i}-${process.pid}`, logger: false });
				const gateway: ServiceSchema<ApiSettingsSchema> = {
					name: "api",
					mixins: [ApiGateway],
					settings: {
						port: 0,
						ip: "127.0.0.1",
						logRequest: null,
						logResponse: null,
						rateLimit: { window: 60_000, limit: 3, headers: true, key: () => "one-client", StoreFactory: factory },
						routes: [{ path: "/", aliases: { "GET ping": "greeter.ping" } }]
					}
				};
				broker.createService(gateway);
				broker.createService({ name: "greeter", actions: { ping: () => "pong" } });
				await broker.start();
				const server = (broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } }).server;
				ports.push(server.address().port);
				brokers.push(broker);
			}
			const statuses: number[] = [];
			for (let i = 0; i < 5; i++) {
				const res = await fetch(`http://127.0.0.1:${ports[i % 2]}/ping`);
				statuses.push(res.status);
				await res.arrayBuffer();
			}
			expect(statuses).toEqual([200, 200, 200, 429, 429]);
		} finally {
			for (const b of brokers) await b.stop();
		}
	});
});
