/**
 * Databases for storage tests: a fresh PostgreSQL database on the shared server (dropped after),
 * or an in-memory PGlite, behind one list so every suite runs on PostgreSQL 15 and PGlite 18.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database, DatabaseConfig } from "../../runtime/storage/database.ts";
import { openStandalone } from "../../runtime/storage/database-registry.ts";

export const SHARED_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
	config: DatabaseConfig;
	/** Removes what the test created (the PostgreSQL database); PGlite in memory needs nothing. */
	drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
	const u = new URL(url);
	u.pathname = `/${name}`;
	return u.toString();
}

export async function createPostgresDatabase(serverUrl = SHARED_POSTGRES_URL): Promise<TestDatabase & { url: string }> {
	const name = `op_test_${randomBytes(6).toString("hex")}`;
	const admin = new pg.Client({ connectionString: serverUrl });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${name}`);
	} finally {
		await admin.end();
	}
	const url = withDatabase(serverUrl, name);
	return {
		url,
		config: { kind: "postgres", url, applicationName: "storage-test", poolSize: 5, statementTimeoutMs: 10_000, connectTimeoutMs: 2_000 },
		drop: async () => {
			const client = new pg.Client({ connectionString: serverUrl });
			await client.connect();
			try {
				await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
			} finally {
				await client.end();
			}
		}
	};
}

export interface Backend {
	name: string;
	create(): Promise<TestDatabase>;
}

export const BACKENDS: Backend[] = [
	{ name: "PostgreSQL 15", create: () => createPostgresDatabase() },
	{ name: "PGlite (PostgreSQL 18)", create: () => Promise.resolve({ config: { kind: "pglite", dataDir: undefined }, drop: () => Promise.resolve() }) }
];

export async function openTestDatabase(backend: Backend): Promise<{ db: Database; drop: () => Promise<void> }> {
	const created = await backend.create();
	const db = await openStandalone(created.config);
	return {
		db,
		drop: async () => {
			await db.close();
			await created.drop();
		}
	};
}
