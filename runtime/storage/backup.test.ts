/**
 * `npm run backup` and `npm run restore` as an operator runs them (child processes), on
 * PostgreSQL 15 (pg_dump's custom format) and on the embedded store (PGlite's own dump): a database
 * with every service's schema and rows of many types is backed up, restored into an empty
 * database, and every table's row count and content checksum match; a non-empty target is
 * refused unless --force, which then replaces it exactly.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../test/helpers/node-process.ts";
import type { Database } from "./database.ts";
import { openStandalone } from "./database-registry.ts";
import { allMigrationSets } from "./migration-sets.ts";
import { applyMigrations } from "./migrations.ts";
import { PgliteDatabase } from "./pglite-database.ts";
import { createPostgresDatabase } from "../../test/storage/test-databases.ts";

const run = promisify(execFile);

interface Outcome {
	code: number;
	stdout: string;
	stderr: string;
}

async function cli(script: "backup" | "restore", args: string[], env: Record<string, string>): Promise<Outcome> {
	const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "DATABASE_URL" && k !== "DATA_DIR"));
	return run(process.execPath, [`bin/${script}.ts`, ...args], { cwd: PROJECT_ROOT, env: { ...inherited, NODE_ENV: "development", LOG_LEVEL: "warn", ...env }, timeout: 120_000 }).then(
		({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
		(err: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" })
	);
}

/** Every service's tables, plus one with the awkward types: NULLs, bytea, jsonb, arrays, time zones, text with quotes and newlines. */
async function load(db: Database): Promise<void> {
	await applyMigrations(db, allMigrationSets(), "backup-test");
	await db.exec(`CREATE SCHEMA backup_probe;
		CREATE TABLE backup_probe.mixed (id bigint PRIMARY KEY, label text, payload jsonb, raw bytea, tags text[], at timestamptz, amount numeric(12,3), flag boolean);`);
	await db.query(
		`INSERT INTO backup_probe.mixed
		 SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'row ' || g || E' with ''quotes''\\nand a newline' END,
		        jsonb_build_object('n', g, 'nested', jsonb_build_array(g, 'x')), decode(md5(g::text), 'hex'),
		        ARRAY['a' || g, 'b'], timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', g / 3.0, g % 2 = 0
		 FROM generate_series(1, 5000) AS g`
	);
	await db.query("INSERT INTO deployment.topology_versions (services, changed_by, reason) VALUES ($1::jsonb, 'user:u1', 'first'), ($2::jsonb, 'user:u2', 'second')", [
		JSON.stringify({ web: { replicas: 2, version: null } }),
		JSON.stringify({ web: { replicas: 3, version: "1.2.0" } })
	]);
	await db.query("INSERT INTO config.versions (key, owner, value, kind, changed_by, reason) VALUES ('gateway.rateLimit', 'gateway', '120'::jsonb, 'set', 'user:u1', 'busy day')");
}

/** Row count and an md5 of every row's text, ordered, for every table outside PostgreSQL's own schemas. */
async function fingerprint(db: Database): Promise<Record<string, string>> {
	const { rows: tables } = await db.query<{ t: string }>(
		"SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
	);
	const out: Record<string, string> = {};
	for (const { t } of tables) {
		const { rows } = await db.query<{ n: string | number; sum: string | null }>(`SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS sum FROM ${t} AS x`);
		out[t] = `${String(rows[0]?.n)}:${rows[0]?.sum ?? ""}`;
	}
	return out;
}

describe("backup and restore on PostgreSQL 15 (pg_dump custom format)", () => {
	let source: Awaited<ReturnType<typeof createPostgresDatabase>>;
	let target: Awaited<ReturnType<typeof createPostgresDatabase>>;
	let dir: string;
	let expected: Record<string, string>;

	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), "op-backup-pg-"));
		[source, target] = await Promise.all([createPostgresDatabase(), createPostgresDatabase()]);
		const db = await openStandalone(source.config);
		try {
			await load(db);
			expected = await fingerprint(db);
		} finally {
			await db.close();
		}
	}, 120_000);
	afterAll(async () => {
		await Promise.all([source?.drop(), target?.drop()]);
		if (dir) await rm(dir, { recursive: true, force: true });
	});

	it("restores a backup of a loaded database exactly, and refuses a non-empty one unless --force", async () => {
		const file = path.join(dir, "openpolicy.dump");
		const backup = await cli("backup", ["--out", file], { DATABASE_URL: source.url });
		expect(backup, backup.stderr).toMatchObject({ code: 0 });
		expect(backup.stdout).toMatch(/^backup: .*openpolicy\.dump \(pg_dump custom format, \d+ bytes\)/);
		expect(Object.keys(expected).length).toBeGreaterThan(20);
		expect(expected['backup_probe.mixed']).toMatch(/^5000:/);

		const restored = await cli("restore", [file], { DATABASE_URL: target.url });
		expect(restored, restored.stderr).toMatchObject({ code: 0 });
		const check = async (): Promise<Record<string, string>> => {
			const db = await openStandalone(target.config);
			try {
				return await fingerprint(db);
			} finally {
				await db.close();
			}
		};
		expect(await check()).toEqual(expected);

		// Now it holds tables: refused, untouched; with --force, replaced exactly.
		const db = await openStandalone(target.config);
		await db.query("DELETE FROM backup_probe.mixed WHERE id > 10");
		await db.close();
		const refused = await cli("restore", [file], { DATABASE_URL: target.url });
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/^restore: The database already holds \d+ table\(s\): restore into an empty database, or pass --force to replace them\n$/);
		expect((await check())["backup_probe.mixed"]).toMatch(/^10:/);
		const forced = await cli("restore", [file, "--force"], { DATABASE_URL: target.url });
		expect(forced, forced.stderr).toMatchObject({ code: 0 });
		expect(await check()).toEqual(expected);
	}, 180_000);

	it("says what is wrong with a file that is no backup, or no file", async () => {
		const missing = await cli("restore", [path.join(dir, "nothing.dump")], { DATABASE_URL: target.url });
		expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^restore: Cannot read .*nothing\.dump: no such file\n$/) as unknown });
		const usage = await cli("backup", [], { DATABASE_URL: target.url });
		expect(usage).toMatchObject({ code: 2, stderr: "usage: npm run backup -- --out FILE\n" });
	});
});

describe("backup and restore on the embedded store (PGlite's own dump)", () => {
	let dir: string;
	let expected: Record<string, string>;

	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), "op-backup-pglite-"));
		const db = await PgliteDatabase.open(path.join(dir, "source", "pglite"));
		try {
			await load(db);
			expected = await fingerprint(db);
		} finally {
			await db.close();
		}
	}, 120_000);
	afterAll(async () => {
		if (dir) await rm(dir, { recursive: true, force: true });
	});

	it("restores a backup of a loaded database exactly, and refuses a non-empty folder unless --force", async () => {
		const file = path.join(dir, "openpolicy.tar.gz");
		const backup = await cli("backup", ["--out", file], { DATA_DIR: path.join(dir, "source") });
		expect(backup, backup.stderr).toMatchObject({ code: 0 });
		expect(backup.stdout).toMatch(/\(PGlite data folder, \d+ bytes\)/);

		const targetDir = path.join(dir, "target");
		const restored = await cli("restore", [file], { DATA_DIR: targetDir });
		expect(restored, restored.stderr).toMatchObject({ code: 0 });
		const check = async (): Promise<Record<string, string>> => {
			const db = await PgliteDatabase.open(path.join(targetDir, "pglite"));
			try {
				return await fingerprint(db);
			} finally {
				await db.close();
			}
		};
		expect(await check()).toEqual(expected);

		const refused = await cli("restore", [file], { DATA_DIR: targetDir });
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/already holds a database: restore into an empty folder, or pass --force to replace it/);
		const forced = await cli("restore", [file, "--force"], { DATA_DIR: targetDir });
		expect(forced, forced.stderr).toMatchObject({ code: 0 });
		expect(await check()).toEqual(expected);

		// A pg_dump archive is not for the embedded store, and says so.
		const wrongKind = await cli("restore", [path.join(PROJECT_ROOT, "package.json")], { DATA_DIR: targetDir });
		expect(wrongKind.stderr).toMatch(/is neither a pg_dump archive nor a PGlite dump/);
	}, 240_000);
});
