/** Production refuses settings only fit for a laptop; the new auth and gateway variables parse. */
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_JWT_SECRET, assertProductionSafe, loadEnv } from "./env.ts";

const STRONG = "k3y-".repeat(12);

describe("assertProductionSafe", () => {
	it("refuses the default JWT_SECRET, and a short one", () => {
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production" }))).toThrow(ConfigError);
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production", JWT_SECRET: DEFAULT_JWT_SECRET }))).toThrow(/JWT_SECRET/);
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production", JWT_SECRET: "short-secret" }))).toThrow(/at least 32/);
	});

	it("refuses CORS_ORIGINS=* and entries that are not origins", () => {
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production", JWT_SECRET: STRONG, CORS_ORIGINS: "*" }))).toThrow(/CORS_ORIGINS=\*/);
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production", JWT_SECRET: STRONG, CORS_ORIGINS: "https://a.example, *" }))).toThrow(ConfigError);
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production", JWT_SECRET: STRONG, CORS_ORIGINS: "https://a.example/path" }))).toThrow(/not an origin/);
	});

	it("starts with a strong secret (or key files) and listed origins", () => {
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production", JWT_SECRET: STRONG, CORS_ORIGINS: "https://openpolicy.example" }))).not.toThrow();
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "production", JWT_PRIVATE_KEY_FILE: "/run/secrets/jwt.pem" }))).not.toThrow();
		// Development keeps its conveniences.
		expect(() => assertProductionSafe(loadEnv({ NODE_ENV: "development", CORS_ORIGINS: "*" }))).not.toThrow();
	});
});

describe("auth and gateway variables", () => {
	it("parses origins, proxies and limits, with safe defaults", () => {
		const env = loadEnv({ CORS_ORIGINS: "https://a.example/, http://localhost:5173", TRUST_PROXY: "true", RATE_LIMIT_PER_IP: "10" });
		expect(env.corsOrigins).toEqual(["https://a.example", "http://localhost:5173"]);
		expect(env.trustProxy).toBe(1);
		expect(env.rateLimitPerIp).toBe(10);
		const production = loadEnv({ NODE_ENV: "production" });
		expect(production.corsOrigins).toEqual([]);
		expect(production.trustProxy).toBe(0);
		expect(() => loadEnv({ TRUST_PROXY: "lots" })).toThrow(/TRUST_PROXY/);
	});
});
