/**
 * The gateway's rate limits: per client IP, per signed-in user or API key, and a stricter one on the
 * sign-in routes per IP. With REDIS_URL set they share one counter across every gateway node through
 * Redis (moleculer-web's own store counts per node); without it, or while Redis is away, they count
 * on this node. They run in the gateway's request handler rather than as moleculer-web's `rateLimit`
 * so the event stream and /metrics are limited too and a refusal says when to come back (Retry-After).
 *
 * Windows are fixed and aligned to the epoch (window index = floor(now / window)), so every node
 * agrees on when a window starts without talking to the others: one INCR plus PEXPIRE per count.
 *
 * One Redis client serves the three limits. It is used only while its status is "ready": when Redis
 * is down a request must not wait for the command timeout up to three times, so it counts locally at
 * once (fail open, logged) and goes back to Redis as soon as ioredis has reconnected.
 */
import { Redis } from "ioredis";
import type { ServiceBroker } from "moleculer";
import { redisOptionsFromUrl } from "../runtime/storage/redis-options.ts";

export interface RateLimitConfig {
	redisUrl: string | undefined;
	/** Separates clusters sharing one Redis. */
	prefix: string;
	perIpPerMinute: number;
	perPrincipalPerMinute: number;
	signInPer10Minutes: number;
}

export type LimitDecision = { allowed: true } | { allowed: false; limit: number; retryAfterSeconds: number; scope: string };

/** Where the counts go right now; tests and logs read it. */
export type CountingMode = "local" | "redis";

/** Counts of one window length on this node; cleared when the window moves on, so it stays small. */
class WindowCounter {
	#index = -1;
	readonly #hits = new Map<string, number>();

	inc(key: string, index: number): number {
		if (index !== this.#index) {
			this.#hits.clear();
			this.#index = index;
		}
		const count = (this.#hits.get(key) ?? 0) + 1;
		this.#hits.set(key, count);
		return count;
	}
}

interface Counter {
	windowMs: number;
	limit: number;
	local: WindowCounter;
}

/** How long start-up waits for the first answer from Redis before counting locally. */
const FIRST_CONNECT_WAIT_MS = 2_000;

export class GatewayRateLimits {
	readonly #perIp: Counter;
	readonly #perPrincipal: Counter;
	readonly #signIn: Counter;
	readonly #prefix: string;
	readonly #redis: Redis | undefined;
	readonly #broker: ServiceBroker | undefined;
	#lastWarning = 0;

	constructor(config: RateLimitConfig, broker?: ServiceBroker) {
		this.#prefix = `openpolicy:${config.prefix}:ratelimit`;
		this.#broker = broker;
		this.#perIp = { windowMs: 60_000, limit: config.perIpPerMinute, local: new WindowCounter() };
		this.#perPrincipal = { windowMs: 60_000, limit: config.perPrincipalPerMinute, local: new WindowCounter() };
		this.#signIn = { windowMs: 600_000, limit: config.signInPer10Minutes, local: new WindowCounter() };
		if (config.redisUrl) {
			this.#redis = new Redis(redisOptionsFromUrl(config.redisUrl, { lazyConnect: false }));
			// Without a listener ioredis reports connection errors as unhandled; counting logs instead.
			this.#redis.on("error", () => undefined);
		}
	}

	/** New limits from the central configuration (gateway.config.ts); counts so far in the window stay. */
	setLimits(limits: Partial<Pick<RateLimitConfig, "perIpPerMinute" | "perPrincipalPerMinute" | "signInPer10Minutes">>): void {
		if (limits.perIpPerMinute !== undefined) this.#perIp.limit = limits.perIpPerMinute;
		if (limits.perPrincipalPerMinute !== undefined) this.#perPrincipal.limit = limits.perPrincipalPerMinute;
		if (limits.signInPer10Minutes !== undefined) this.#signIn.limit = limits.signInPer10Minutes;
	}

	get mode(): CountingMode {
		return this.#redis?.status === "ready" ? "redis" : "local";
	}

	/**
	 * Resolves once the first connection attempt to Redis has succeeded or failed (bounded), so a
	 * gateway that just started shares its counts from the first request when Redis is there.
	 */
	async settled(): Promise<void> {
		const redis = this.#redis;
		if (!redis || redis.status === "ready" || redis.status === "end") return;
		await new Promise<void>((resolve) => {
			const done = (): void => {
				clearTimeout(timer);
				redis.off("ready", done);
				redis.off("error", done);
				redis.off("end", done);
				resolve();
			};
			const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS);
			redis.once("ready", done);
			redis.once("error", done);
			redis.once("end", done);
		});
	}

	ip(ip: string): Promise<LimitDecision> {
		return this.#hit(this.#perIp, `ip:${ip}`, "ip");
	}

	principal(id: string): Promise<LimitDecision> {
		return this.#hit(this.#perPrincipal, id, "user");
	}

	signIn(ip: string): Promise<LimitDecision> {
		return this.#hit(this.#signIn, `sign-in:${ip}`, "sign-in");
	}

	async close(): Promise<void> {
		const redis = this.#redis;
		if (redis && redis.status !== "end") await redis.quit().catch(() => redis.disconnect());
	}

	async #hit(counter: Counter, key: string, scope: string): Promise<LimitDecision> {
		const now = Date.now();
		const index = Math.floor(now / counter.windowMs);
		const resetTime = (index + 1) * counter.windowMs;
		const count = await this.#count(counter, key, index, now, resetTime);
		if (count <= counter.limit) return { allowed: true };
		const retryAfterSeconds = Math.max(1, Math.ceil((resetTime - Date.now()) / 1000));
		return { allowed: false, limit: counter.limit, retryAfterSeconds, scope };
	}

	async #count(counter: Counter, key: string, index: number, now: number, resetTime: number): Promise<number> {
		const redis = this.#redis;
		if (!redis) return counter.local.inc(key, index);
		if (redis.status !== "ready") {
			this.#warn(now, `Redis is ${redis.status}`);
			return counter.local.inc(key, index);
		}
		const redisKey = `${this.#prefix}:${counter.windowMs}:${index}:${key}`;
		try {
			const results = await redis
				.multi()
				.incr(redisKey)
				// Kept a little past the window's end so clocks a few ms apart still share the counter.
				.pexpire(redisKey, resetTime - now + 1_000)
				.exec();
			const count = results?.[0]?.[1];
			if (typeof count !== "number") throw new Error("Redis returned no count");
			return count;
		} catch (err) {
			// Redis went away mid-command: this one waited, the next ones see the status and do not.
			this.#warn(now, err instanceof Error ? err.message : String(err));
			return counter.local.inc(key, index);
		}
	}

	#warn(now: number, reason: string): void {
		if (now - this.#lastWarning <= 60_000) return;
		this.#lastWarning = now;
		this.#broker?.logger.warn(`Rate limits counted on this node only: Redis failed (${reason})`);
	}
}
