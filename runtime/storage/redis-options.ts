/**
 * ioredis options from REDIS_URL, tuned so a missing Redis costs a bounded wait, not a hang:
 * one retry per command and a command timeout, while the connection keeps reconnecting in the
 * background. Shared by the cacher (moleculer.config.ts) and the rate-limit store.
 */
import type { RedisOptions } from "ioredis";

export function redisOptionsFromUrl(url: string, overrides: RedisOptions = {}): RedisOptions {
	const u = new URL(url);
	if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error(`REDIS_URL must start with redis:// or rediss://, got "${u.protocol}"`);
	const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
	return {
		host: u.hostname || "127.0.0.1",
		port: u.port ? Number(u.port) : 6379,
		...(u.username ? { username: decodeURIComponent(u.username) } : {}),
		...(u.password ? { password: decodeURIComponent(u.password) } : {}),
		db: Number.isInteger(db) ? db : 0,
		...(u.protocol === "rediss:" ? { tls: {} } : {}),
		connectTimeout: 2_000,
		commandTimeout: 1_000,
		maxRetriesPerRequest: 1,
		retryStrategy: (times: number) => Math.min(times * 200, 2_000),
		...overrides
	};
}
