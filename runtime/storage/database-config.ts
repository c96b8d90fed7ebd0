/**
 * Which relational store a node uses, derived from the platform's variables (README.md): DATABASE_URL
 * set → PostgreSQL; unset → PGlite, in memory under NODE_ENV=test (or DATA_DIR=memory://),
 * otherwise file-backed in DATA_DIR/pglite. Pool tuning has optional variables of its own.
 */
import path from "node:path";
import type { Env } from "../env.ts";
import type { DatabaseConfig } from "./database.ts";

export const MEMORY_DATA_DIR = "memory://";

function positiveInt(source: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = source[name]?.trim();
	if (!raw) return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
	return value;
}

export function databaseConfigFromEnv(env: Env, source: NodeJS.ProcessEnv = process.env): DatabaseConfig {
	if (env.databaseUrl) {
		return {
			kind: "postgres",
			url: env.databaseUrl,
			applicationName: env.nodeID.slice(0, 63),
			poolSize: positiveInt(source, "DATABASE_POOL_SIZE", 10),
			statementTimeoutMs: positiveInt(source, "DATABASE_STATEMENT_TIMEOUT", 30_000),
			connectTimeoutMs: positiveInt(source, "DATABASE_CONNECT_TIMEOUT", 3_000)
		};
	}
	const inMemory = env.nodeEnv === "test" || env.dataDir === MEMORY_DATA_DIR;
	return { kind: "pglite", dataDir: inMemory ? undefined : path.resolve(env.dataDir, "pglite") };
}
