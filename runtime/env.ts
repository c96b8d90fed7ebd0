/**
 * The platform's environment variables, read and checked in one place (DESIGN.md "Contracts").
 * Every other module takes an `Env` instead of reading `process.env`, so tests can build nodes
 * with any configuration in one process.
 */
import os from "node:os";

export type NodeEnv = "development" | "production" | "test";

export interface Env {
	nodeEnv: NodeEnv;
	/** NATS URL; undefined means a single node with no transporter. */
	transporter: string | undefined;
	namespace: string;
	nodeID: string;
	/** Service names this node runs; undefined means all twelve. */
	services: string[] | undefined;
	port: number;
	databaseUrl: string | undefined;
	dataDir: string;
	mongoUrl: string | undefined;
	redisUrl: string | undefined;
	jwtSecret: string;
	logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
	/** Port of this node's Prometheus reporter; 0 turns the per-node endpoint off. */
	metricsPort: number;
	metricsHost: string;
	/** Broker-wide request timeout, ms. */
	requestTimeout: number;
}

/** The development secret: a production node refuses to start with it (see `assertProductionSafe`). */
export const DEFAULT_JWT_SECRET = "openpolicy-development-secret-change-me";

export class ConfigError extends Error {
	override name = "ConfigError";
}

function intVar(source: NodeJS.ProcessEnv, name: string, fallback: number, min = 0, max = 65_535 * 1_000): number {
	const raw = source[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) {
		throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
	}
	return value;
}

function optional(source: NodeJS.ProcessEnv, name: string): string | undefined {
	const raw = source[name]?.trim();
	return raw ? raw : undefined;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
	const nodeEnvRaw = optional(source, "NODE_ENV") ?? "development";
	if (nodeEnvRaw !== "development" && nodeEnvRaw !== "production" && nodeEnvRaw !== "test") {
		throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnvRaw}"`);
	}
	const logLevelRaw = optional(source, "LOG_LEVEL") ?? (nodeEnvRaw === "test" ? "warn" : "info");
	const logLevel = LOG_LEVELS.find((l) => l === logLevelRaw);
	if (!logLevel) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevelRaw}"`);

	const transporter = optional(source, "TRANSPORTER");
	if (transporter && !/^nats:\/\//.test(transporter)) {
		throw new ConfigError(`TRANSPORTER must be a NATS URL such as nats://127.0.0.1:4222, got "${transporter}"`);
	}
	const servicesRaw = optional(source, "SERVICES");
	const services = servicesRaw
		? servicesRaw.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
		: undefined;

	return {
		nodeEnv: nodeEnvRaw,
		transporter,
		namespace: optional(source, "NAMESPACE") ?? "",
		nodeID: optional(source, "NODE_ID") ?? `${os.hostname()}-${process.pid}`,
		services: services && services.length > 0 && !services.includes("all") ? services : undefined,
		port: intVar(source, "PORT", 8000, 0, 65_535),
		databaseUrl: optional(source, "DATABASE_URL"),
		dataDir: optional(source, "DATA_DIR") ?? "./data",
		mongoUrl: optional(source, "MONGO_URL"),
		redisUrl: optional(source, "REDIS_URL"),
		jwtSecret: optional(source, "JWT_SECRET") ?? DEFAULT_JWT_SECRET,
		logLevel,
		metricsPort: intVar(source, "METRICS_PORT", 0, 0, 65_535),
		metricsHost: optional(source, "METRICS_HOST") ?? "127.0.0.1",
		requestTimeout: intVar(source, "REQUEST_TIMEOUT", 10_000, 100, 600_000)
	};
}

/** With NODE_ENV=production a node refuses to start on settings only fit for a laptop. */
export function assertProductionSafe(env: Env): void {
	if (env.nodeEnv !== "production") return;
	if (env.jwtSecret === DEFAULT_JWT_SECRET || env.jwtSecret.length < 32) {
		throw new ConfigError("NODE_ENV=production needs JWT_SECRET set to a secret of at least 32 characters");
	}
}
