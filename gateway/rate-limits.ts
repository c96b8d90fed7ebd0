/**
 * The gateway's rate limits: per client IP, per signed-in user or API key, and a stricter one on the
 * sign-in routes per IP. They count in runtime/rate-limit-store.ts, which shares one counter across
 * every gateway node through Redis when REDIS_URL is set (moleculer-web's own store counts per node).
 * They run in the gateway's request handler rather than as moleculer-web's `rateLimit` so the event
 * stream and /metrics are limited too and a refusal says when to come back (Retry-After).
 */
import type { ServiceBroker } from "moleculer";
import type { RateLimitSettings } from "moleculer-web";
import { type SharedRateLimitStore, createRateLimitStoreFactory } from "../runtime/rate-limit-store.ts";

export interface RateLimitConfig {
	redisUrl: string | undefined;
	/** Separates clusters sharing one Redis. */
	prefix: string;
	perIpPerMinute: number;
	perPrincipalPerMinute: number;
	signInPer10Minutes: number;
}

export type LimitDecision = { allowed: true } | { allowed: false; limit: number; retryAfterSeconds: number; scope: string };

type StoreConstructor = new (clearPeriod: number, opts?: RateLimitSettings, broker?: ServiceBroker) => SharedRateLimitStore;

interface Counter {
	store: SharedRateLimitStore;
	limit: number;
}

export class GatewayRateLimits {
	readonly #perIp: Counter;
	readonly #perPrincipal: Counter;
	readonly #signIn: Counter;

	constructor(config: RateLimitConfig, broker: ServiceBroker) {
		const Store = createRateLimitStoreFactory({
			...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
			prefix: `openpolicy:${config.prefix}:ratelimit`
		}) as unknown as StoreConstructor;
		this.#perIp = { store: new Store(60_000, {}, broker), limit: config.perIpPerMinute };
		this.#perPrincipal = { store: new Store(60_000, {}, broker), limit: config.perPrincipalPerMinute };
		this.#signIn = { store: new Store(600_000, {}, broker), limit: config.signInPer10Minutes };
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
		await Promise.all([this.#perIp, this.#perPrincipal, this.#signIn].map((c) => c.store.close()));
	}

	async #hit(counter: Counter, key: string, scope: string): Promise<LimitDecision> {
		const count = await counter.store.inc(key);
		if (count <= counter.limit) return { allowed: true };
		const retryAfterSeconds = Math.max(1, Math.ceil((counter.store.resetTime - Date.now()) / 1000));
		return { allowed: false, limit: counter.limit, retryAfterSeconds, scope };
	}
}
