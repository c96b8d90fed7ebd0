/**
 * The platform's environment variables, read and checked in one place (README.md).
 * Every other module takes an `Env` instead of reading `process.env`, so tests can build nodes
 * with any configuration in one process.
 */
import { readFileSync } from "node:fs";
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
	/** Addresses and CIDR ranges that may scrape the gateway's /metrics without credentials. */
	metricsAllow: string[];
	/** ALERT_THRESHOLDS as given (JSON); parsed by services/monitoring/thresholds.ts. */
	alertThresholds: string | undefined;
	/** Broker-wide request timeout, ms. */
	requestTimeout: number;
	/** Asymmetric signing keys (RS256/ES256 PEM files); when set they replace JWT_SECRET. */
	jwtPrivateKeyFile: string | undefined;
	jwtPublicKeyFile: string | undefined;
	/** The kid of the key files; tokens carry it so keys can rotate. */
	jwtKeyId: string;
	/** Browser origins allowed to call the API; `*` (development only) allows any origin without credentials. */
	corsOrigins: string[];
	/** The first admin, created when the user table is empty. */
	adminEmail: string | undefined;
	adminPassword: string | undefined;
	/** Proxies in front of the gateway whose X-Forwarded-For / X-Forwarded-Proto are believed; 0 trusts none. */
	trustProxy: number;
	/** Requests a minute per client IP, and per signed-in user or API key, across all gateway nodes. */
	rateLimitPerIp: number;
	rateLimitPerUser: number;
	/** Sign-in attempts (login, MFA, register) per client IP per 10 minutes. */
	rateLimitLogin: number;
	/** The gateway's socket limits against slow or hoarding clients (gateway/edge-server.ts). */
	http: HttpLimits;
	/**
	 * The platform version this node runs (APP_VERSION, default package.json's), announced in its
	 * node metadata so the deployment service can compare it with the wanted topology.
	 */
	appVersion: string;
	/** A node without the gateway serves /healthz and /readyz on this port (0: none), for orchestrators' probes. */
	probePort: number;
}

/** package.json's version, read once: the default of APP_VERSION. */
const PACKAGE_VERSION = ((): string => {
	const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
	return typeof pkg.version === "string" ? pkg.version : "0.0.0";
})();

export interface HttpLimits {
	/** Seconds a client has to send a request's headers. */
	headersTimeoutSeconds: number;
	/** Seconds a client has to send a whole request, body included. */
	requestTimeoutSeconds: number;
	/** Seconds an idle keep-alive connection stays open between requests. */
	keepAliveTimeoutSeconds: number;
	/** Open connections one client address may hold; 0 for no cap (see TRUST_PROXY in edge-server.ts). */
	maxConnectionsPerIp: number;
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

/** `true` means one proxy; a number counts the proxies whose forwarding headers are believed. */
function trustProxyVar(source: NodeJS.ProcessEnv): number {
	const raw = optional(source, "TRUST_PROXY")?.toLowerCase();
	if (raw === undefined || raw === "false") return 0;
	if (raw === "true") return 1;
	return intVar(source, "TRUST_PROXY", 0, 0, 16);
}

function httpLimits(source: NodeJS.ProcessEnv): HttpLimits {
	const headersTimeoutSeconds = intVar(source, "HTTP_HEADERS_TIMEOUT", 10, 1, 600);
	const requestTimeoutSeconds = intVar(source, "HTTP_REQUEST_TIMEOUT", 30, 1, 3_600);
	// node:http checks the headers deadline first; a larger one would never apply.
	if (headersTimeoutSeconds > requestTimeoutSeconds) {
		throw new ConfigError(`HTTP_HEADERS_TIMEOUT (${headersTimeoutSeconds}) may not be over HTTP_REQUEST_TIMEOUT (${requestTimeoutSeconds})`);
	}
	return {
		headersTimeoutSeconds,
		requestTimeoutSeconds,
		keepAliveTimeoutSeconds: intVar(source, "HTTP_KEEP_ALIVE_TIMEOUT", 5, 1, 600),
		maxConnectionsPerIp: intVar(source, "HTTP_MAX_CONNECTIONS_PER_IP", 128, 0, 1_000_000)
	};
}

function appVersionVar(source: NodeJS.ProcessEnv): string {
	const raw = optional(source, "APP_VERSION") ?? PACKAGE_VERSION;
	if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(raw)) throw new ConfigError(`APP_VERSION must be a version such as 1.4.2 (letters, digits, . _ + -), got "${raw}"`);
	return raw;
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
		// Loopback by default: a Prometheus on the same host; an empty value allows no address.
		metricsAllow: (source.METRICS_ALLOW ?? "127.0.0.1,::1").split(",").map((a) => a.trim()).filter((a) => a.length > 0),
		alertThresholds: optional(source, "ALERT_THRESHOLDS"),
		requestTimeout: intVar(source, "REQUEST_TIMEOUT", 10_000, 100, 600_000),
		jwtPrivateKeyFile: optional(source, "JWT_PRIVATE_KEY_FILE"),
		jwtPublicKeyFile: optional(source, "JWT_PUBLIC_KEY_FILE"),
		jwtKeyId: optional(source, "JWT_KEY_ID") ?? "key-1",
		// The Vite dev server of the two SPAs; production lists its real origins.
		corsOrigins: (optional(source, "CORS_ORIGINS") ?? (nodeEnvRaw === "production" ? "" : "http://localhost:5173"))
			.split(",")
			.map((o) => o.trim().replace(/\/+$/, ""))
			.filter((o) => o.length > 0),
		adminEmail: optional(source, "ADMIN_EMAIL"),
		adminPassword: optional(source, "ADMIN_PASSWORD"),
		trustProxy: trustProxyVar(source),
		rateLimitPerIp: intVar(source, "RATE_LIMIT_PER_IP", 600, 1, 1_000_000),
		rateLimitPerUser: intVar(source, "RATE_LIMIT_PER_USER", 1_200, 1, 1_000_000),
		rateLimitLogin: intVar(source, "RATE_LIMIT_LOGIN", 20, 1, 1_000_000),
		http: httpLimits(source),
		appVersion: appVersionVar(source),
		probePort: intVar(source, "PROBE_PORT", 0, 0, 65_535)
	};
}

/** With NODE_ENV=production a node refuses to start on settings only fit for a laptop. */
export function assertProductionSafe(env: Env): void {
	if (env.nodeEnv !== "production") return;
	// Key files replace the secret entirely, so the secret only matters when they are absent.
	if (!env.jwtPrivateKeyFile && !env.jwtPublicKeyFile && (env.jwtSecret === DEFAULT_JWT_SECRET || env.jwtSecret.length < 32)) {
		throw new ConfigError("NODE_ENV=production needs JWT_SECRET set to a secret of at least 32 characters");
	}
	// A wildcard would let any site read the API with a user's token once a browser holds one.
	if (env.corsOrigins.includes("*")) {
		throw new ConfigError("NODE_ENV=production refuses CORS_ORIGINS=*: list the origins of the web apps");
	}
	for (const origin of env.corsOrigins) {
		if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`CORS_ORIGINS entry "${origin}" is not an origin such as https://openpolicy.ca`);
	}
	if (env.adminPassword !== undefined && env.adminPassword.length < 12) {
		throw new ConfigError("ADMIN_PASSWORD must be at least 12 characters");
	}
}
