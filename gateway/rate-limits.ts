/**
 * The gateway's rate limits: per client IP, per signed-in user or API key, and a stricter one per
 * IP on the actions that check a password or a second factor (edge-policies.ts). With REDIS_URL set
 * they share one count across every gateway node through Redis (moleculer-web's own store counts per
 * node); without it, or while Redis is away, they count on this node. They run in the gateway's
 * request handler rather than as moleculer-web's `rateLimit` so the event stream and /metrics are
 * limited too and a refusal says when to come back (Retry-After).
 *
 * Sliding windows: a window is cut into SUB_WINDOWS slices aligned to the epoch (so every node agrees
 * on them without talking), and a request is admitted while the last SUB_WINDOWS slices, the current
 * one included, hold fewer than the limit. A fixed window let a client spend its limit at the end of
 * one window and again at the start of the next: twice the limit within a second (issue 9). Here
 * spending the limit again takes at least (SUB_WINDOWS - 1) / SUB_WINDOWS of a window. Only admitted
 * requests count, so a client that keeps knocking gets in at the limit's rate, no faster.
 *
 * In Redis each client is one hash (slice index -> count) read and updated by one Lua script, so the
 * check and the count are atomic across nodes. One Redis client serves the three limits. It is used
 * only while its status is "ready": when Redis is down a request must not wait for the command
 * timeout up to three times, so it counts locally at once (fail open, logged) and goes back to Redis
 * as soon as ioredis has reconnected.
 */
import { createHash } from "node:crypto";
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
	/** The clock windows are cut by; tests move it across a window's edge. */
	now?: () => number;
}

export type LimitDecision = { allowed: true } | { allowed: false; limit: number; retryAfterSeconds: number; scope: string };

/** Where the counts go right now; tests and logs read it. */
export type CountingMode = "local" | "redis";

/** Slices per window: ten keeps each client's state at ten numbers and a refill step at a tenth. */
export const SUB_WINDOWS = 10;

/** Clients tracked on this node at most; past it the least recently seen are forgotten. */
const LOCAL_KEYS_LIMIT = 100_000;

interface Take {
	allowed: boolean;
	/** The oldest slice still counted: the limit eases when it leaves the window. */
	oldestSlice: number;
}

/** The sliding window of one limit, counted on this node. */
class LocalSlidingWindow {
	readonly #slices = new Map<string, Map<number, number>>();

	take(key: string, slice: number, limit: number): Take {
		const counts = this.#slices.get(key) ?? new Map<number, number>();
		let total = 0;
		let oldestSlice = slice;
		for (const [index, count] of counts) {
			if (index <= slice - SUB_WINDOWS) counts.delete(index);
			else {
				total += count;
				oldestSlice = Math.min(oldestSlice, index);
			}
		}
		// Re-inserted last: the map's order is then least recently seen first.
		this.#slices.delete(key);
		if (total < limit) counts.set(slice, (counts.get(slice) ?? 0) + 1);
		if (counts.size > 0) this.#slices.set(key, counts);
		while (this.#slices.size > LOCAL_KEYS_LIMIT) {
			const oldest = this.#slices.keys().next();
			if (oldest.done) break;
			this.#slices.delete(oldest.value);
		}
		return { allowed: total < limit, oldestSlice };
	}
}

/**
 * KEYS[1]: the client's hash. ARGV: current slice, slices per window, limit, TTL in ms.
 * Returns { 1 if admitted else 0, oldest slice still counted }.
 */
const TAKE_SCRIPT = `
local slice = tonumber(ARGV[1])
local slices = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
local oldest = slice
for i = 1, #fields, 2 do
  local index = tonumber(fields[i])
  if index <= slice - slices then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    total = total + tonumber(fields[i + 1])
    if index < oldest then oldest = index end
  end
end
if total >= limit then return {0, oldest} end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, oldest}
`;
const TAKE_SHA = createHash("sha1").update(TAKE_SCRIPT).digest("hex");

interface Limit {
	windowMs: number;
	limit: number;
	local: LocalSlidingWindow;
}

/** How long start-up waits for the first answer from Redis before counting locally. */
const FIRST_CONNECT_WAIT_MS = 2_000;

export class GatewayRateLimits {
	readonly #perIp: Limit;
	readonly #perPrincipal: Limit;
	readonly #signIn: Limit;
	readonly #prefix: string;
	readonly #redis: Redis | undefined;
	readonly #broker: ServiceBroker | undefined;
	readonly #now: () => number;
	#lastWarning = 0;

	constructor(config: RateLimitConfig, broker?: ServiceBroker) {
		this.#prefix = `openpolicy:${config.prefix}:ratelimit`;
		this.#broker = broker;
		this.#now = config.now ?? Date.now;
		this.#perIp = { windowMs: 60_000, limit: config.perIpPerMinute, local: new LocalSlidingWindow() };
		this.#perPrincipal = { windowMs: 60_000, limit: config.perPrincipalPerMinute, local: new LocalSlidingWindow() };
		this.#signIn = { windowMs: 600_000, limit: config.signInPer10Minutes, local: new LocalSlidingWindow() };
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

	async #hit(limit: Limit, key: string, scope: string): Promise<LimitDecision> {
		const now = this.#now();
		const sliceMs = limit.windowMs / SUB_WINDOWS;
		const slice = Math.floor(now / sliceMs);
		const take = await this.#take(limit, key, slice, now);
		if (take.allowed) return { allowed: true };
		const eases = (take.oldestSlice + SUB_WINDOWS) * sliceMs;
		return { allowed: false, limit: limit.limit, retryAfterSeconds: Math.max(1, Math.ceil((eases - this.#now()) / 1000)), scope };
	}

	async #take(limit: Limit, key: string, slice: number, now: number): Promise<Take> {
		const redis = this.#redis;
		if (!redis) return limit.local.take(key, slice, limit.limit);
		if (redis.status !== "ready") {
			this.#warn(now, `Redis is ${redis.status}`);
			return limit.local.take(key, slice, limit.limit);
		}
		const redisKey = `${this.#prefix}:${limit.windowMs}:${key}`;
		// Kept a slice past the window so clocks a few ms apart still share the count.
		const args = [redisKey, slice, SUB_WINDOWS, limit.limit, limit.windowMs + limit.windowMs / SUB_WINDOWS] as const;
		try {
			const result = await redis.evalsha(TAKE_SHA, 1, ...args).catch((err: unknown) => {
				// First use on this Redis (or after a restart): send the script itself once.
				if (err instanceof Error && err.message.startsWith("NOSCRIPT")) return redis.eval(TAKE_SCRIPT, 1, ...args);
				throw err;
			});
			if (!Array.isArray(result) || typeof result[0] !== "number" || typeof result[1] !== "number") throw new Error("Redis returned no count");
			return { allowed: result[0] === 1, oldestSlice: result[1] };
		} catch (err) {
			// Redis went away mid-command: this one waited, the next ones see the status and do not.
			this.#warn(now, err instanceof Error ? err.message : String(err));
			return limit.local.take(key, slice, limit.limit);
		}
	}

	#warn(now: number, reason: string): void {
		if (now - this.#lastWarning <= 60_000) return;
		this.#lastWarning = now;
		this.#broker?.logger.warn(`Rate limits counted on this node only: Redis failed (${reason})`);
	}
}
