/**
 * The gateway's keys in the central configuration (issue 12), and the small hooks that apply them:
 * rate limits and the CORS allow-list change live on every gateway; the event stream's client cap
 * is read when the gateway starts. Each node's environment variables (RATE_LIMIT_*, CORS_ORIGINS)
 * stay its defaults until a value is stored.
 *
 * Kept apart from gateway.service.ts so the service file only mixes this in and calls two hooks.
 */
import type { Service } from "moleculer";
import { z } from "zod";
import { ConfigMixin, configKey, configOf, declareConfig } from "../mixins/config.mixin.ts";
import type { Env } from "../runtime/env.ts";
import type { GatewayRateLimits } from "./rate-limits.ts";
import type { SseOptions } from "./sse.ts";

const perWindow = z.number().int().min(1).max(1_000_000);

export const GATEWAY_CONFIG = declareConfig("gateway", {
	"gateway.rateLimit.perIpPerMinute": configKey({
		schema: perWindow,
		default: 600,
		description: "Requests a minute per client IP, across all gateway nodes (RATE_LIMIT_PER_IP)",
		changeableBy: "operator"
	}),
	"gateway.rateLimit.perUserPerMinute": configKey({
		schema: perWindow,
		default: 1_200,
		description: "Requests a minute per signed-in user or API key (RATE_LIMIT_PER_USER)",
		changeableBy: "operator"
	}),
	"gateway.rateLimit.signInPer10Minutes": configKey({
		schema: perWindow,
		default: 20,
		description: "Sign-in attempts (login, MFA, register) per client IP per 10 minutes (RATE_LIMIT_LOGIN)",
		changeableBy: "admin"
	}),
	"gateway.cors.allowedOrigins": configKey({
		// No "*": a wildcard is for a developer's laptop (CORS_ORIGINS), never a cluster-wide setting.
		schema: z.array(z.string().max(200).regex(/^https?:\/\/[^/\s*]+$/, "must be an origin such as https://openpolicy.ca")).max(50),
		default: [],
		description: "Browser origins allowed to call the API (CORS_ORIGINS)",
		changeableBy: "admin"
	}),
	"gateway.sse.maxClients": configKey({
		schema: z.number().int().min(1).max(100_000),
		default: 500,
		description: "Event streams one gateway node holds at once; more are refused with 503",
		changeableBy: "operator",
		restartRequired: true
	})
});

export function GatewayConfigMixin(env: Env, sse: Partial<SseOptions> = {}) {
	return ConfigMixin(GATEWAY_CONFIG, {
		defaults: () => ({
			...(sse.maxClients !== undefined ? { "gateway.sse.maxClients": sse.maxClients } : {}),
			"gateway.rateLimit.perIpPerMinute": env.rateLimitPerIp,
			"gateway.rateLimit.perUserPerMinute": env.rateLimitPerUser,
			"gateway.rateLimit.signInPer10Minutes": env.rateLimitLogin,
			"gateway.cors.allowedOrigins": env.corsOrigins
		})
	});
}

/** Applies the configured limits now and on every change (call in `started`). */
export function followRateLimits(service: Service, limits: GatewayRateLimits): void {
	const config = configOf(service, GATEWAY_CONFIG);
	const apply = (): void =>
		limits.setLimits({
			perIpPerMinute: config.get("gateway.rateLimit.perIpPerMinute"),
			perPrincipalPerMinute: config.get("gateway.rateLimit.perUserPerMinute"),
			signInPer10Minutes: config.get("gateway.rateLimit.signInPer10Minutes")
		});
	apply();
	config.onChange("gateway.rateLimit.perIpPerMinute", apply);
	config.onChange("gateway.rateLimit.perUserPerMinute", apply);
	config.onChange("gateway.rateLimit.signInPer10Minutes", apply);
}

/** Read per request, so a change applies to the next one. */
export function corsOriginsOf(service: Service): readonly string[] {
	return configOf(service, GATEWAY_CONFIG).get("gateway.cors.allowedOrigins");
}

/** The event stream's options with the configured cap (restart-required: read when the gateway starts). */
export function sseOptionsOf(service: Service, options: Partial<SseOptions> | undefined): Partial<SseOptions> {
	return { ...options, maxClients: configOf(service, GATEWAY_CONFIG).get("gateway.sse.maxClients") };
}
