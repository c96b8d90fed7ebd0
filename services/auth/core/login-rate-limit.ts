/**
 * Per-IP limit on login attempts, independent of accounts, so one address cannot spray passwords
 * across many accounts. The interface is what the gateway's Redis limiter also provides; this
 * in-memory sliding-window version serves one node and tests.
 */

export interface RateLimitDecision {
	allowed: boolean;
	remaining: number;
	/** 0 when allowed; otherwise how long until the oldest counted attempt leaves the window (for Retry-After). */
	retryAfterMs: number;
}

export interface LoginRateLimiter {
	/** Counts an attempt for `key` (an IP) and says whether it may proceed. */
	hit(key: string, now: number): Promise<RateLimitDecision>;
}

export interface SlidingWindowSettings {
	limit: number;
	windowMs: number;
	/** Memory bound: the least recently hit keys are forgotten beyond this. */
	maxKeys: number;
}

export const DEFAULT_LOGIN_RATE_LIMIT: Readonly<SlidingWindowSettings> = Object.freeze({
	limit: 20,
	windowMs: 10 * 60_000,
	maxKeys: 100_000
});

export class MemoryLoginRateLimiter implements LoginRateLimiter {
	readonly #settings: SlidingWindowSettings;
	readonly #hits = new Map<string, number[]>();

	constructor(settings: SlidingWindowSettings = DEFAULT_LOGIN_RATE_LIMIT) {
		this.#settings = settings;
	}

	hit(key: string, now: number): Promise<RateLimitDecision> {
		const { limit, windowMs, maxKeys } = this.#settings;
		const inWindow = (this.#hits.get(key) ?? []).filter((at) => at > now - windowMs);
		// Re-inserting moves the key to the end of the Map's order, making eviction least-recently-used.
		this.#hits.delete(key);
		let decision: RateLimitDecision;
		if (inWindow.length >= limit) {
			const oldest = inWindow[0] ?? now;
			decision = { allowed: false, remaining: 0, retryAfterMs: oldest + windowMs - now };
		} else {
			inWindow.push(now);
			decision = { allowed: true, remaining: limit - inWindow.length, retryAfterMs: 0 };
		}
		this.#hits.set(key, inWindow);
		while (this.#hits.size > maxKeys) {
			const first = this.#hits.keys().next();
			if (first.done) break;
			this.#hits.delete(first.value);
		}
		return Promise.resolve(decision);
	}
}
