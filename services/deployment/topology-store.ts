/**
 * The deployment service's SQL for the wanted topology (migrations/001_topology.sql): versions are
 * appended, never changed. Handlers only orchestrate; every statement is here.
 */
import type { Row, SqlExecutor } from "../../runtime/storage/database.ts";
import type { ServiceTarget, Topology } from "./deployment.contract.ts";

interface DbTopologyRow extends Row {
	version: string | number;
	services: unknown;
	changed_by: string;
	reason: string;
	changed_at: Date | string;
}

const COLUMNS = "version, services, changed_by, reason, changed_at";

/** pg returns jsonb parsed; PGlite too, but an older row written as text would come back a string. */
function servicesOf(value: unknown): Record<string, ServiceTarget> {
	const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
	return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, ServiceTarget>) : {};
}

function topologyOf(row: DbTopologyRow): Topology {
	return {
		version: Number(row.version),
		services: servicesOf(row.services),
		changedBy: row.changed_by,
		reason: row.reason,
		changedAt: new Date(row.changed_at).toISOString()
	};
}

export async function currentTopology(db: SqlExecutor): Promise<Topology | undefined> {
	const { rows } = await db.query<DbTopologyRow>(`SELECT ${COLUMNS} FROM deployment.topology_versions ORDER BY version DESC LIMIT 1`);
	return rows[0] ? topologyOf(rows[0]) : undefined;
}

export async function topologyVersion(db: SqlExecutor, version: number): Promise<Topology | undefined> {
	const { rows } = await db.query<DbTopologyRow>(`SELECT ${COLUMNS} FROM deployment.topology_versions WHERE version = $1`, [version]);
	return rows[0] ? topologyOf(rows[0]) : undefined;
}

export async function topologyHistory(db: SqlExecutor, limit: number, offset: number): Promise<{ versions: Topology[]; total: number }> {
	const [{ rows }, count] = await Promise.all([
		db.query<DbTopologyRow>(`SELECT ${COLUMNS} FROM deployment.topology_versions ORDER BY version DESC LIMIT $1 OFFSET $2`, [limit, offset]),
		db.query<{ total: string | number }>("SELECT count(*) AS total FROM deployment.topology_versions")
	]);
	return { versions: rows.map(topologyOf), total: Number(count.rows[0]?.total ?? 0) };
}

/**
 * Appends a version. With `expectedVersion` it is stored only if the one in force is still that
 * version (0: none stored), checked and written in one statement so two operators cannot both win.
 */
export async function appendTopology(
	db: SqlExecutor,
	change: { services: Record<string, ServiceTarget>; changedBy: string; reason: string; expectedVersion?: number }
): Promise<Topology | undefined> {
	const { rows } = await db.query<DbTopologyRow>(
		`INSERT INTO deployment.topology_versions (services, changed_by, reason)
		 SELECT $1::jsonb, $2, $3
		 WHERE $4::bigint IS NULL OR $4::bigint = (SELECT coalesce(max(version), 0) FROM deployment.topology_versions)
		 RETURNING ${COLUMNS}`,
		[JSON.stringify(change.services), change.changedBy, change.reason, change.expectedVersion ?? null]
	);
	return rows[0] ? topologyOf(rows[0]) : undefined;
}
