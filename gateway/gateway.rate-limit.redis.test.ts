/**
 * One rate limit shared by two gateway nodes through Redis (REDIS_URL): a client spreading its
 * requests over both is refused once their sum reaches the limit, with 429 and Retry-After.
 * The nodes share a random namespace, which is also the key prefix in Redis, so runs stay apart.
 */
import net from "node:net";
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../runtime/env.ts";
import { probeService } from "../test/kits/auth-test-kit.ts";
import { freePort } from "../test/helpers/free-port.ts";
import { waitFor } from "../test/helpers/wait-for.ts";
import { errorOf, randomNamespace, request, startGatewayNode } from "../test/kits/gateway-test-kit.ts";
import { GatewayRateLimits } from "./rate-limits.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const LIMIT = 6;
const nodes: { broker: ServiceBroker; baseUrl: string }[] = [];

beforeAll(async () => {
	const namespace = randomNamespace();
	const env = loadEnv({ NODE_ENV: "test", NAMESPACE: namespace, REDIS_URL, RATE_LIMIT_PER_IP: String(LIMIT) });
	for (const nodeID of ["gw-a", "gw-b"]) nodes.push(await startGatewayNode([probeService], { namespace, nodeID: `${nodeID}-${namespace}` }, { env }));
});
afterAll(async () => {
	for (const node of nodes) await node.broker.stop();
});

describe("rate limits across gateway nodes", () => {
	it("counts one client's requests to both nodes against one limit", async () => {
		for (let tries = 0; tries < 3; tries++) {
			const window = Math.floor(Date.now() / 60_000);
			const answers = [];
			// Alternating nodes; with per-node counting neither would reach the limit.
			for (let i = 0; i <= LIMIT; i++) answers.push(await request(`${nodes[i % 2]?.baseUrl ?? ""}/api/v1/probe/relay`));
			// A run that straddled the minute boundary counted in two windows: run it again.
			if (Math.floor(Date.now() / 60_000) !== window) continue;
			expect(answers.slice(0, LIMIT).map((a) => a.status)).toEqual(Array<number>(LIMIT).fill(401));
			const refused = answers[LIMIT];
			expect(refused?.status).toBe(429);
			if (!refused) return;
			expect(errorOf(refused)).toMatchObject({ type: "RATE_LIMITED", code: 429 });
			expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
			// The other node refuses too: the count is shared.
			expect((await request(`${nodes[(LIMIT + 1) % 2]?.baseUrl ?? ""}/api/v1/probe/relay`)).status).toBe(429);
			return;
		}
		throw new Error("every run straddled a minute boundary");
	});
});

describe("rate limits while Redis is down", () => {
	// The command timeout (redis-options.ts) each count would wait for if it tried Redis anyway.
	const COMMAND_TIMEOUT_MS = 1_000;

	it("counts locally at once instead of waiting for Redis on every request", async () => {
		const port = await freePort();
		const namespace = randomNamespace();
		const env = loadEnv({ NODE_ENV: "test", NAMESPACE: namespace, REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_PER_IP: "2" });
		const node = await startGatewayNode([probeService], { namespace, nodeID: `gw-down-${namespace}` }, { env });
		try {
			const answers = [];
			for (let i = 0; i < 3; i++) {
				const started = performance.now();
				const answer = await request(`${node.baseUrl}/api/v1/probe/relay`);
				// Two limits (IP, then the principal's or sign-in's) each waiting would take 2 s; a wide margin.
				expect(performance.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS * 0.9);
				answers.push(answer);
			}
			expect(answers.slice(0, 2).map((a) => a.status)).toEqual([401, 401]);
			// The third is over the per-IP limit of 2, counted on this node.
			expect(answers[2]?.status).toBe(429);
			if (answers[2]) expect(errorOf(answers[2])).toMatchObject({ type: "RATE_LIMITED", code: 429 });
		} finally {
			await node.broker.stop();
		}
	});

	it("goes back to Redis once it is reachable again", async () => {
		// A port with nothing behind it at first, later a TCP relay to the real Redis: the outage ends.
		const port = await freePort();
		const redis = new URL(REDIS_URL);
		const limits = new GatewayRateLimits({ redisUrl: `redis://127.0.0.1:${port}`, prefix: randomNamespace(), perIpPerMinute: 1, perPrincipalPerMinute: 1, signInPer10Minutes: 1 });
		const sockets = new Set<net.Socket>();
		const relay = net.createServer((client) => {
			const upstream = net.connect({ host: redis.hostname, port: Number(redis.port || 6379) });
			for (const s of [client, upstream]) {
				sockets.add(s);
				s.on("error", () => s.destroy());
				s.on("close", () => sockets.delete(s));
			}
			client.pipe(upstream).pipe(client);
		});
		try {
			await limits.settled();
			expect(limits.mode).toBe("local");
			expect((await limits.ip("203.0.113.7")).allowed).toBe(true);
			await new Promise<void>((resolve) => relay.listen(port, "127.0.0.1", resolve));
			await waitFor(() => limits.mode === "redis", { message: "the rate limiter to reconnect to Redis" });
			// A fresh count in Redis (the local one stays behind), then the limit of 1 applies there.
			expect((await limits.ip("203.0.113.7")).allowed).toBe(true);
			expect((await limits.ip("203.0.113.7")).allowed).toBe(false);
		} finally {
			await limits.close();
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => relay.close(() => resolve()));
		}
	});
});
