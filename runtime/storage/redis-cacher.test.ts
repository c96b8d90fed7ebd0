/** The broker's cacher (moleculer.config.ts): Redis shared by nodes when REDIS_URL is set, memory otherwise. */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { afterAll, describe, expect, it } from "vitest";
import { createBrokerOptions } from "../../moleculer.config.ts";
import { loadEnv } from "../env.ts";
import { waitFor } from "../../test/storage/wait-for.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const namespace = `op-cache-${randomBytes(5).toString("hex")}`;

function counterService(): ServiceSchema {
	let calls = 0;
	return { name: "counter", actions: { next: { cache: { keys: ["topic"] }, handler: () => ++calls } } };
}

async function startNode(nodeID: string, redisUrl: string | undefined): Promise<ServiceBroker> {
	const env = loadEnv({ NODE_ENV: "test", NAMESPACE: namespace, NODE_ID: nodeID, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) });
	const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
	broker.createService(counterService());
	await broker.start();
	// Until its connection is up the Redis cacher calls the handler uncached (it fails open).
	if (redisUrl) await waitFor("the Redis cacher to connect", async () => (broker.cacher as unknown as { connected: boolean }).connected || undefined);
	return broker;
}

afterAll(async () => {
	const redis = new Redis(REDIS_URL);
	const keys = await redis.keys(`openpolicy-${namespace}*`);
	if (keys.length > 0) await redis.del(...keys);
	await redis.quit();
});

describe("broker cacher", () => {
	it("shares cached results between nodes through Redis", async () => {
		const a = await startNode("cache-a", REDIS_URL);
		const b = await startNode("cache-b", REDIS_URL);
		const redis = new Redis(REDIS_URL);
		try {
			expect(await a.call("counter.next", { topic: "bills" })).toBe(1);
			// Moleculer writes the cache entry after answering: wait until it is in Redis.
			await waitFor("the cache entry", async () => (await redis.keys(`openpolicy-${namespace}*`)).length === 1 || undefined);
			// b's own handler was never called: the value comes from a's entry in Redis.
			expect(await b.call("counter.next", { topic: "bills" })).toBe(1);
			expect(await b.call("counter.next", { topic: "votes" })).toBe(1);
			await waitFor("the second cache entry", async () => (await redis.keys(`openpolicy-${namespace}*`)).length === 2 || undefined);
			expect(await a.call("counter.next", { topic: "votes" })).toBe(1);
			expect(await a.call("counter.next", { topic: "ridings" })).toBe(2);
		} finally {
			await redis.quit();
			await a.stop();
			await b.stop();
		}
	});

	it("caches in memory per node without REDIS_URL", async () => {
		const a = await startNode("mem-a", undefined);
		const b = await startNode("mem-b", undefined);
		try {
			expect([await a.call("counter.next", { topic: "bills" }), await a.call("counter.next", { topic: "bills" })]).toEqual([1, 1]);
			expect(await b.call("counter.next", { topic: "bills" })).toBe(1);
			expect(await b.call("counter.next", { topic: "votes" })).toBe(2);
		} finally {
			await a.stop();
			await b.stop();
		}
	});
});
