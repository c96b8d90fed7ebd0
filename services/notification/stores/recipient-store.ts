/**
 * Who is told, and how: users (auth.users, read-only), their language and morning, and their
 * per-channel preferences (notification.recipients, notification.preferences). Followers come
 * from web.follows, the web service's table (its migration 101), read here and never written.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { Channel, Language } from "../notification.contract.ts";

export type Mode = "immediate" | "daily";

export interface ChannelPreference {
	enabled: boolean;
	mode: Mode;
}

/** Email and the inbox are on by default, immediately (issue 14); push when a device is registered. */
export const DEFAULT_PREFERENCES: Readonly<Record<Channel, ChannelPreference>> = {
	email: { enabled: true, mode: "immediate" },
	inbox: { enabled: true, mode: "immediate" },
	webhook: { enabled: true, mode: "immediate" },
	push: { enabled: true, mode: "immediate" }
};

export interface Recipient {
	userId: string;
	email: string;
	role: string;
	language: Language;
	timeZone: string;
	digestHour: number;
	welcomedAt: Date | null;
	preferences: Record<Channel, ChannelPreference>;
}

interface RecipientRow extends Record<string, unknown> {
	id: string;
	email: string;
	role: string;
	language: Language | null;
	time_zone: string | null;
	digest_hour: number | null;
	welcomed_at: Date | string | null;
}

/** Active accounts among `userIds`, with their settings (defaults where they chose nothing). */
export async function recipients(db: SqlExecutor, userIds: readonly string[]): Promise<Recipient[]> {
	if (userIds.length === 0) return [];
	const [users, prefs] = await Promise.all([
		db.query<RecipientRow>(
			`SELECT u.id::text AS id, u.email, u.role, r.language, r.time_zone, r.digest_hour, r.welcomed_at
			FROM auth.users u LEFT JOIN notification.recipients r ON r.user_id = u.id::text
			WHERE u.id::text = ANY ($1::text[]) AND u.disabled_at IS NULL`,
			[[...userIds]]
		),
		db.query<{ user_id: string; channel: Channel; enabled: boolean; mode: Mode }>("SELECT user_id, channel, enabled, mode FROM notification.preferences WHERE user_id = ANY ($1::text[])", [[...userIds]])
	]);
	return users.rows.map((row) => {
		const preferences: Record<Channel, ChannelPreference> = { ...DEFAULT_PREFERENCES };
		for (const p of prefs.rows) if (p.user_id === row.id) preferences[p.channel] = { enabled: p.enabled, mode: p.mode };
		return {
			userId: row.id,
			email: row.email,
			role: row.role,
			language: row.language ?? "en",
			timeZone: row.time_zone ?? "America/Toronto",
			digestHour: Number(row.digest_hour ?? 8),
			welcomedAt: row.welcomed_at === null ? null : new Date(row.welcomed_at),
			preferences
		};
	});
}

export async function followersOf(db: SqlExecutor, kind: "bill" | "politician", target: string): Promise<string[]> {
	const { rows } = await db.query<{ user_id: string }>("SELECT DISTINCT user_id FROM web.follows WHERE kind = $1 AND target = $2", [kind, target]);
	return rows.map((r) => r.user_id);
}

/** Politicians followed by anyone among these slugs: a vote's ballots are matched against them. */
export async function followedPoliticians(db: SqlExecutor): Promise<string[]> {
	const { rows } = await db.query<{ target: string }>("SELECT DISTINCT target FROM web.follows WHERE kind = 'politician'");
	return rows.map((r) => r.target);
}

export async function savedSearches(db: SqlExecutor): Promise<string[]> {
	const { rows } = await db.query<{ target: string }>("SELECT DISTINCT target FROM web.follows WHERE kind = 'search'");
	return rows.map((r) => r.target);
}

export async function searchFollowers(db: SqlExecutor, targets: readonly string[]): Promise<Array<{ userId: string; target: string }>> {
	if (targets.length === 0) return [];
	const { rows } = await db.query<{ user_id: string; target: string }>("SELECT DISTINCT user_id, target FROM web.follows WHERE kind = 'search' AND target = ANY ($1::text[])", [[...targets]]);
	return rows.map((r) => ({ userId: r.user_id, target: r.target }));
}

export async function operators(db: SqlExecutor): Promise<string[]> {
	const { rows } = await db.query<{ id: string }>("SELECT id::text AS id FROM auth.users WHERE role IN ('operator', 'admin') AND disabled_at IS NULL");
	return rows.map((r) => r.id);
}

/** True for the first caller only: the user has now been told where notices go. */
export async function markWelcomed(db: SqlExecutor, userId: string): Promise<boolean> {
	await db.query("INSERT INTO notification.recipients (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING", [userId]);
	const result = await db.query("UPDATE notification.recipients SET welcomed_at = now() WHERE user_id = $1 AND welcomed_at IS NULL", [userId]);
	return result.rowCount === 1;
}

export interface Settings {
	language: Language;
	timeZone: string;
	digestHour: number;
	channels: Record<Channel, ChannelPreference>;
}

export async function settingsOf(db: SqlExecutor, userId: string): Promise<Settings> {
	const [r, prefs] = await Promise.all([
		db.query<{ language: Language; time_zone: string; digest_hour: number }>("SELECT language, time_zone, digest_hour FROM notification.recipients WHERE user_id = $1", [userId]),
		db.query<{ channel: Channel; enabled: boolean; mode: Mode }>("SELECT channel, enabled, mode FROM notification.preferences WHERE user_id = $1", [userId])
	]);
	const channels: Record<Channel, ChannelPreference> = { ...DEFAULT_PREFERENCES };
	for (const p of prefs.rows) channels[p.channel] = { enabled: p.enabled, mode: p.mode };
	const row = r.rows[0];
	return { language: row?.language ?? "en", timeZone: row?.time_zone ?? "America/Toronto", digestHour: Number(row?.digest_hour ?? 8), channels };
}

export async function saveSettings(db: SqlExecutor, userId: string, change: { language?: Language; timeZone?: string; digestHour?: number; channels?: Partial<Record<Channel, Partial<ChannelPreference>>> }): Promise<void> {
	await db.query("INSERT INTO notification.recipients (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING", [userId]);
	await db.query(
		"UPDATE notification.recipients SET language = COALESCE($2, language), time_zone = COALESCE($3, time_zone), digest_hour = COALESCE($4, digest_hour), updated_at = now() WHERE user_id = $1",
		[userId, change.language ?? null, change.timeZone ?? null, change.digestHour ?? null]
	);
	for (const [channel, pref] of Object.entries(change.channels ?? {}) as Array<[Channel, Partial<ChannelPreference> | undefined]>) {
		if (!pref) continue;
		const base = DEFAULT_PREFERENCES[channel];
		await db.query(
			`INSERT INTO notification.preferences (user_id, channel, enabled, mode) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, channel) DO UPDATE SET enabled = COALESCE($5, notification.preferences.enabled), mode = COALESCE($6, notification.preferences.mode), updated_at = now()`,
			[userId, channel, pref.enabled ?? base.enabled, pref.mode ?? base.mode, pref.enabled ?? null, pref.mode ?? null]
		);
	}
}
