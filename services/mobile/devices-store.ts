/** The `mobile.devices` table: registration, a user's own list, removal, and look-ups for notifications. */
import type { SqlExecutor } from "../../runtime/storage/database.ts";
import { uuid7 } from "../../runtime/storage/uuid7.ts";
import type { Device, Platform } from "./mobile.contract.ts";

type DeviceRow = { id: string; user_id: string; platform: Platform; push_token: string; name: string | null; created_at: string; updated_at: string };

const COLUMNS = `id::text, user_id, platform, push_token, name,
	to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
	to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at`;

function toDevice(row: DeviceRow): Device {
	return { id: row.id, userId: row.user_id, platform: row.platform, token: row.push_token, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Registers (or re-registers) a token for `userId`; `created` is false when the token was known. */
export async function registerDevice(db: SqlExecutor, userId: string, platform: Platform, token: string, name: string | null): Promise<{ device: Device; created: boolean }> {
	const { rows } = await db.query<DeviceRow & { created: boolean }>(
		`INSERT INTO mobile.devices AS d (id, user_id, platform, push_token, name) VALUES ($1::uuid, $2, $3, $4, $5)
		ON CONFLICT (platform, push_token) DO UPDATE SET user_id = excluded.user_id, name = coalesce(excluded.name, d.name), updated_at = now()
		RETURNING ${COLUMNS}, (xmax = 0) AS created`,
		[uuid7(), userId, platform, token, name]
	);
	const row = rows[0];
	if (!row) throw new Error("Registering a device returned no row");
	return { device: toDevice(row), created: row.created };
}

export async function devicesOfUser(db: SqlExecutor, userId: string): Promise<Device[]> {
	const { rows } = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM mobile.devices WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
	return rows.map(toDevice);
}

export async function devicesOfUsers(db: SqlExecutor, userIds: readonly string[]): Promise<Device[]> {
	const { rows } = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM mobile.devices WHERE user_id = ANY($1::text[]) ORDER BY user_id, created_at, id`, [userIds]);
	return rows.map(toDevice);
}

/** Deletes one of the user's own devices; false when the user has no such device (another's included). */
export async function deleteOwnDevice(db: SqlExecutor, userId: string, id: string): Promise<boolean> {
	const { rows } = await db.query<{ id: string }>("DELETE FROM mobile.devices WHERE id = $1::uuid AND user_id = $2 RETURNING id::text", [id, userId]);
	return rows.length > 0;
}

/** A token the push provider rejected as no longer valid (the app was removed). */
export async function forgetToken(db: SqlExecutor, platform: Platform, token: string): Promise<number> {
	const { rows } = await db.query<{ id: string }>("DELETE FROM mobile.devices WHERE platform = $1 AND push_token = $2 RETURNING id::text", [platform, token]);
	return rows.length;
}
