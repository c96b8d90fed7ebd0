/**
 * Ordered SQL migrations per owner (a service, or the document store), applied exactly once
 * across the cluster: every node that starts runs `applyMigrations`, and a PostgreSQL advisory lock
 * makes the others wait while one applies; they then find the work done. An applied file whose
 * checksum changed stops the node (MigrationChecksumError): the schema no longer matches the code.
 *
 * Each owner's objects live in a PostgreSQL schema named after it; its migrations run with
 * `search_path` set to that schema, so `CREATE TABLE bills` lands in `etl.bills`.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Database, SqlExecutor } from "./database.ts";
import { MigrationChecksumError, isConnectionError } from "./errors.ts";
import { assertSchemaName, quoteIdent } from "./sql-identifiers.ts";

export interface MigrationSet {
	/** The owning service; also the name of its PostgreSQL schema. */
	owner: string;
	/** Folder of `NNN_name.sql` files. */
	dir: string;
}

export interface MigrationFile {
	version: number;
	name: string;
	file: string;
	sql: string;
	checksum: string;
}

export type MigrationState = "applied" | "pending" | "changed" | "missing";

export interface MigrationStatus {
	owner: string;
	version: number;
	name: string;
	state: MigrationState;
	appliedAt?: Date;
	appliedBy?: string;
}

export interface AppliedMigration {
	owner: string;
	version: number;
	name: string;
}

interface AppliedRow extends Record<string, unknown> {
	version: number;
	name: string;
	checksum: string;
	applied_at: Date;
	applied_by: string;
}

export const MIGRATIONS_TABLE = "public.openpolicy_migrations";

/** Key of the advisory lock every node takes to migrate; any constant shared by all nodes works. */
const MIGRATION_LOCK_KEY = 7_415_662_021;

const FILE_PATTERN = /^(\d{3,})_([A-Za-z0-9_-]+)\.sql$/;

export function checksumOf(sql: string): string {
	// Line endings are normalised so a checkout with CRLF does not read as an edited migration.
	return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

export function loadMigrationSet(set: MigrationSet): MigrationFile[] {
	assertSchemaName(set.owner);
	if (!fs.existsSync(set.dir)) return [];
	const files: MigrationFile[] = [];
	for (const entry of fs.readdirSync(set.dir).sort()) {
		if (!entry.endsWith(".sql")) continue;
		const match = FILE_PATTERN.exec(entry);
		if (!match?.[1] || !match[2]) throw new Error(`Migration ${path.join(set.dir, entry)}: the name must look like 001_create_bills.sql`);
		const sql = fs.readFileSync(path.join(set.dir, entry), "utf8");
		files.push({ version: Number(match[1]), name: match[2], file: path.join(set.dir, entry), sql, checksum: checksumOf(sql) });
	}
	files.sort((a, b) => a.version - b.version);
	for (let i = 1; i < files.length; i++) {
		const [prev, cur] = [files[i - 1], files[i]];
		if (prev && cur && prev.version === cur.version) throw new Error(`Migrations ${prev.file} and ${cur.file} share version ${cur.version}`);
	}
	return files;
}

async function migrationsTableExists(db: SqlExecutor): Promise<boolean> {
	const { rows } = await db.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [MIGRATIONS_TABLE]);
	return rows[0]?.present === true;
}

async function appliedOf(db: SqlExecutor, owner: string): Promise<Map<number, AppliedRow>> {
	const { rows } = await db.query<AppliedRow>(
		`SELECT version, name, checksum, applied_at, applied_by FROM ${MIGRATIONS_TABLE} WHERE owner = $1 ORDER BY version`,
		[owner]
	);
	return new Map(rows.map((r) => [Number(r.version), r]));
}

function assertUnchanged(owner: string, files: readonly MigrationFile[], applied: Map<number, AppliedRow>): void {
	const changed = files.filter((f) => {
		const row = applied.get(f.version);
		return row !== undefined && row.checksum !== f.checksum;
	});
	if (changed.length > 0) {
		throw new MigrationChecksumError(
			`Migration${changed.length > 1 ? "s" : ""} of "${owner}" changed after being applied: ${changed.map((f) => f.file).join(", ")}. ` +
				"An applied migration must never be edited; restore the file and add a new migration for the change."
		);
	}
}

/** Applies what is pending for each set, in order; returns what this call applied (empty when another node did it). */
export async function applyMigrations(db: Database, sets: readonly MigrationSet[], appliedBy: string): Promise<AppliedMigration[]> {
	const done: AppliedMigration[] = [];
	for (const set of sets) {
		const files = loadMigrationSet(set);
		// Fast path without the lock: a node joining a migrated cluster only reads.
		if (await migrationsTableExists(db)) {
			const applied = await appliedOf(db, set.owner);
			assertUnchanged(set.owner, files, applied);
			if (files.every((f) => applied.has(f.version))) continue;
		}
		// Long-running: waiting for another node's migration, or an index build, may outlast a statement's timeout.
		const appliedNow = await db.transaction(async (tx) => {
			await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
			await tx.exec(
				`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
					owner text NOT NULL,
					version integer NOT NULL,
					name text NOT NULL,
					checksum text NOT NULL,
					applied_at timestamptz NOT NULL DEFAULT now(),
					applied_by text NOT NULL,
					PRIMARY KEY (owner, version)
				)`
			);
			// Re-read under the lock: another node may have applied some while this one waited.
			const applied = await appliedOf(tx, set.owner);
			assertUnchanged(set.owner, files, applied);
			const pending = files.filter((f) => !applied.has(f.version));
			if (pending.length === 0) return [];
			await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(set.owner)}`);
			for (const file of pending) {
				await tx.query(`SELECT set_config('search_path', $1, true)`, [`${quoteIdent(set.owner)}, public`]);
				try {
					await tx.exec(file.sql);
				} catch (err) {
					// A lost connection is not the file's fault: the caller retries once the server is back.
					if (isConnectionError(err)) throw err;
					const reason = err instanceof Error ? err.message : String(err);
					throw new Error(`Migration ${file.file} failed: ${reason}`, { cause: err });
				}
				await tx.query(`INSERT INTO ${MIGRATIONS_TABLE} (owner, version, name, checksum, applied_by) VALUES ($1, $2, $3, $4, $5)`, [
					set.owner,
					file.version,
					file.name,
					file.checksum,
					appliedBy
				]);
			}
			await tx.query(`SELECT set_config('search_path', 'public', true)`);
			return pending.map((f) => ({ owner: set.owner, version: f.version, name: f.name }));
		}, { longRunning: true });
		done.push(...appliedNow);
	}
	return done;
}

export async function migrationStatus(db: Database, sets: readonly MigrationSet[]): Promise<MigrationStatus[]> {
	const tableExists = await migrationsTableExists(db);
	const out: MigrationStatus[] = [];
	for (const set of sets) {
		const files = loadMigrationSet(set);
		const applied = tableExists ? await appliedOf(db, set.owner) : new Map<number, AppliedRow>();
		for (const f of files) {
			const row = applied.get(f.version);
			const state: MigrationState = !row ? "pending" : row.checksum === f.checksum ? "applied" : "changed";
			out.push({ owner: set.owner, version: f.version, name: f.name, state, ...(row ? { appliedAt: row.applied_at, appliedBy: row.applied_by } : {}) });
		}
		for (const [version, row] of applied) {
			if (!files.some((f) => f.version === version)) out.push({ owner: set.owner, version, name: row.name, state: "missing", appliedAt: row.applied_at, appliedBy: row.applied_by });
		}
	}
	return out;
}
