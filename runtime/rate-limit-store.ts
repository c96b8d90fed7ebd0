/**
 * A rate-limit store for moleculer-web that counts across every gateway node (issue 3, item 5):
 * Redis when REDIS_URL is set, in memory otherwise. moleculer-web's own MemoryStore counts per
 * gateway instance (FACTS.md), so N gateways would allow N times the limit.
 *
 * Windows are fixed and aligned to the epoch (window index = floor(now / window)), so every node
 * agrees on when a window starts without talking to the others: one INCR plus PEXPIRE per request,
 * pipelined in one round trip. If Redis fails, the store counts in memory on this node until it
 * is back (fail open, logged): a cache outage must not turn every request into an error.
 *
 * Usage in the gateway: `rateLimit: { window, limit, StoreFactory: createRateLimitStoreFactory({ redisUrl }) }`.
 */
import { Redis } from "ioredis";
import type { ServiceBroker } from "moleculer";
import type { RateLimitSettings, RateLimitStore } from "moleculer-web";
import { redisOptionsFromUrl } from "./storage/redis-options.ts";

export interface RateLimitStoreOptions {
	/** Unset: counts in memory on this node. */
	redisUrl?: string;
	/** Key prefix in Redis; separates clusters (NAMESPACE) sharing one Redis. */
	prefix?: string;
}

/** The instance side of moleculer-web's RateLimitStore contract. */
export interface SharedRateLimitStore {
	/** When the current window ends (ms since epoch); moleculer-web sends it as X-Rate-Limit-Reset. */
	resetTime: number;
	/** Counts one request for `key` and returns the count in the current window. */
	inc(key: string): Promise<number>;
	close(): Promise<void>;
}

class WindowCounter {
	private index = -1;
	private readonly hits = new Map<string, number>();

	inc(key: string, index: number): number {
		if (index !== this.index) {
			this.hits.clear();
			this.index = index;
		}
		const count = (this.hits.get(key) ?? 0) + 1;
		this.hits.set(key, count);
		return count;
	}
}

export function createRateLimitStoreFactory(options: RateLimitStoreOptions = {}): typeof RateLimitStore {
	const prefix = options.prefix ?? "openpolicy:ratelimit";

	class Store implements SharedRateLimitStore {
		resetTime: number;
		private readonly windowMs: number;
		private readonly local = new WindowCounter();
		private readonly redis: Redis | undefined;
		private readonly broker: ServiceBroker | undefined;
		private lastWarning = 0;

		constructor(clearPeriod: number, _opts?: RateLimitSettings, broker?: ServiceBroker) {
			this.windowMs = Math.max(1, clearPeriod);
			this.resetTime = this.windowEnd(Date.now());
			this.broker = broker;
			if (options.redisUrl) {
				this.redis = new Redis(redisOptionsFromUrl(options.redisUrl, { lazyConnect: false }));
				// Without a listener ioredis reports connection errors as unhandled; the counting path logs instead.
				this.redis.on("error", () => undefined);
				broker?.localBus.once("$broker.stopped", () => void this.close());
			}
		}

		private windowEnd(now: number): number {
			return (Math.floor(now / this.windowMs) + 1) * this.windowMs;
		}

		async inc(key: string): Promise<number> {
			const now = Date.now();
			const index = Math.floor(now / this.windowMs);
			this.resetTime = this.windowEnd(now);
			if (!this.redis) return this.local.inc(key, index);
			const redisKey = `${prefix}:${this.windowMs}:${index}:${key}`;
			try {
				const results = await this.redis
					.multi()
					.incr(redisKey)
					// Kept a little past the window's end so clocks a few ms apart still share the counter.
					.pexpire(redisKey, this.resetTime - now + 1_000)
					.exec();
				const count = results?.[0]?.[1];
				if (typeof count !== "number") throw new Error("Redis returned no count");
				return count;
			} catch (err) {
				if (now - this.lastWarning > 60_000) {
					this.lastWarning = now;
					this.broker?.logger.warn(`Rate limits counted on this node only: Redis failed (${err instanceof Error ? err.message : String(err)})`);
				}
				return this.local.inc(key, index);
			}
		}

		async close(): Promise<void> {
			if (this.redis && this.redis.status !== "end") await this.redis.quit().catch(() => this.redis?.disconnect());
		}
	}

	return Store;
}
