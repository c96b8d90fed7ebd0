/**
 * The config service's SQL: versions appended, never changed (migrations/001_config.sql). Handlers
 * only orchestrate; every statement is here.
 */
import type { Database, Row, SqlExecutor } from "../../runtime/storage/database.ts";
import type { ChangeKind, OwnerValues } from "./config.contract.ts";

export interface VersionRow {
	version: number;
	key: string;
	owner: string;
	/** null: the default. */
	value: unknown;
	kind: ChangeKind;
	rollbackOf: number | null;
	changedBy: string;
	reason: string;
	requestId: string | null;
	clientIp: string | null;
	changedAt: Date;
}

interface DbVersionRow extends Row {
	version: string | number;
	key: string;
	owner: string;
	value: unknown;
	kind: ChangeKind;
	rollback_of: string | number | null;
	changed_by: string;
	reason: string;
	request_id: string | null;
	client_ip: string | null;
	changed_at: Date | string;
}

const COLUMNS = "version, key, owner, value, kind, rollback_of, changed_by, reason, request_id, client_ip, changed_at";

/** Any constant all nodes share: every write takes it, so versions commit in the order they are numbered. */
const WRITE_LOCK_KEY = 7_415_662_012;

function toRow(r: DbVersionRow): VersionRow {
	return {
		// int8 arrives as a string from pg and as a number from PGlite (measured on the project's machines).
		version: Number(r.version),
		key: r.key,
		owner: r.owner,
		value: r.value ?? null,
		kind: r.kind,
		rollbackOf: r.rollback_of === null ? null : Number(r.rollback_of),
		changedBy: r.changed_by,
		reason: r.reason,
		requestId: r.request_id,
		clientIp: r.client_ip,
		changedAt: r.changed_at instanceof Date ? r.changed_at : new Date(r.changed_at)
	};
}

export async function currentOf(db: SqlExecutor, key: string): Promise<VersionRow | undefined> {
	const { rows } = await db.query<DbVersionRow>(`SELECT ${COLUMNS} FROM config.versions WHERE key = $1 ORDER BY version DESC LIMIT 1`, [key]);
	return rows[0] ? toRow(rows[0]) : undefined;
}

/** The latest version of every key ever stored. */
export async function currentAll(db: Database): Promise<Map<string, VersionRow>> {
	const { rows } = await db.query<DbVersionRow>(`SELECT DISTINCT ON (key) ${COLUMNS} FROM config.versions ORDER BY key, version DESC`);
	return new Map(rows.map((r) => [r.key, toRow(r)]));
}

/** Newest first. */
export async function historyOf(db: Database, key: string, limit: number, offset: number): Promise<{ rows: VersionRow[]; total: number }> {
	const [page, count] = await Promise.all([
		db.query<DbVersionRow>(`SELECT ${COLUMNS} FROM config.versions WHERE key = $1 ORDER BY version DESC LIMIT $2 OFFSET $3`, [key, limit, offset]),
		db.query<{ total: string | number }>("SELECT count(*) AS total FROM config.versions WHERE key = $1", [key])
	]);
	return { rows: page.rows.map(toRow), total: Number(count.rows[0]?.total ?? 0) };
}

export async function revisionOf(db: Database): Promise<number> {
	const { rows } = await db.query<{ revision: string | number | null }>("SELECT max(version) AS revision FROM config.versions");
	return Number(rows[0]?.revision ?? 0);
}

export async function ownerValues(db: Database, owner: string): Promise<OwnerValues> {
	// One snapshot: the revision and the values must agree, or a node could record a revision whose change it has not got.
	return db.transaction(async (tx) => {
		const { rows } = await tx.query<DbVersionRow>(`SELECT DISTINCT ON (key) ${COLUMNS} FROM config.versions WHERE owner = $1 ORDER BY key, version DESC`, [owner]);
		const max = await tx.query<{ revision: string | number | null }>("SELECT max(version) AS revision FROM config.versions");
		const values: OwnerValues["values"] = {};
		for (const row of rows.map(toRow)) values[row.key] = { value: row.value, version: row.version };
		return { revision: Number(max.rows[0]?.revision ?? 0), values };
	});
}

export interface NewVersion {
	key: string;
	owner: string;
	value: unknown;
	kind: ChangeKind;
	rollbackOf: number | null;
	changedBy: string;
	reason: string;
	requestId: string | null;
	clientIp: string | null;
}

/**
 * Appends a version under the write lock. `decide` sees the key's current version (after the lock,
 * so two writers cannot both pass an expected-version check) and answers what to write, or throws.
 */
export async function appendVersion(db: Database, key: string, decide: (current: VersionRow | undefined, tx: SqlExecutor) => Promise<NewVersion>): Promise<{ row: VersionRow; previous: VersionRow | undefined }> {
	return db.transaction(async (tx) => {
		await tx.query("SELECT pg_advisory_xact_lock($1)", [WRITE_LOCK_KEY]);
		const previous = await currentOf(tx, key);
		const next = await decide(previous, tx);
		const { rows } = await tx.query<DbVersionRow>(
			`INSERT INTO config.versions (key, owner, value, kind, rollback_of, changed_by, reason, request_id, client_ip)
			 VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
			[next.key, next.owner, next.value === null ? null : JSON.stringify(next.value), next.kind, next.rollbackOf, next.changedBy, next.reason, next.requestId, next.clientIp]
		);
		const row = rows[0];
		if (!row) throw new Error("INSERT ... RETURNING returned no row");
		return { row: toRow(row), previous };
	});
}

/** The version before `version` of a key, for a rollback without a target. */
export async function versionBefore(db: SqlExecutor, key: string, version: number): Promise<VersionRow | undefined> {
	const { rows } = await db.query<DbVersionRow>(`SELECT ${COLUMNS} FROM config.versions WHERE key = $1 AND version < $2 ORDER BY version DESC LIMIT 1`, [key, version]);
	return rows[0] ? toRow(rows[0]) : undefined;
}

export async function versionOf(db: SqlExecutor, key: string, version: number): Promise<VersionRow | undefined> {
	const { rows } = await db.query<DbVersionRow>(`SELECT ${COLUMNS} FROM config.versions WHERE key = $1 AND version = $2`, [key, version]);
	return rows[0] ? toRow(rows[0]) : undefined;
}
