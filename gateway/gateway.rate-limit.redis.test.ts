/**
 * One rate limit shared by two gateway nodes through Redis (REDIS_URL): a client spreading its
 * requests over both is refused once their sum reaches the limit, with 429 and Retry-After.
 * The nodes share a random namespace, which is also the key prefix in Redis, so runs stay apart.
 */
import type { ServiceBroker } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../runtime/env.ts";
import { probeService } from "../services/auth/auth-test-kit.ts";
import { errorOf, randomNamespace, request, startGatewayNode } from "./gateway-test-kit.ts";

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
