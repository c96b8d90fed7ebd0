import { describe, expect, it } from "vitest";
import { MemoryLoginRateLimiter } from "./login-rate-limit.ts";

const T0 = Date.UTC(2025, 10, 3, 14, 0, 0);

describe("per-IP login limit", () => {
	it("allows `limit` attempts per window per key, then answers with a Retry-After", async () => {
		const limiter = new MemoryLoginRateLimiter({ limit: 3, windowMs: 60_000, maxKeys: 100 });
		const decisions = [];
		for (let i = 0; i < 4; i++) decisions.push(await limiter.hit("203.0.113.7", T0 + i * 1000));
		expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
		expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
		expect(decisions[3]?.retryAfterMs).toBe(57_000);
		expect((await limiter.hit("198.51.100.1", T0 + 3000)).allowed).toBe(true);
		expect((await limiter.hit("203.0.113.7", T0 + 60_001)).allowed).toBe(true);
	});

	it("forgets the least recently seen keys beyond its bound", async () => {
		const limiter = new MemoryLoginRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 2 });
		await limiter.hit("a", T0);
		await limiter.hit("b", T0);
		expect((await limiter.hit("a", T0 + 1)).allowed).toBe(false);
		await limiter.hit("c", T0 + 2); // evicts "b", the least recently hit
		expect((await limiter.hit("b", T0 + 3)).allowed).toBe(true);
	});
});
