/**
 * The SQL of citizens' follows and stances (schema `web`, migrations/101_follows_and_stances.sql).
 * Every statement is scoped by the caller's user id: another user's follow is never read, counted
 * or deleted, and looks the same as one that does not exist.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { uuid7 } from "../../../runtime/storage/uuid7.ts";

export type FollowKind = "bill" | "politician" | "search";
export type Stance = "support" | "oppose";

export interface Follow {
	id: string;
	kind: FollowKind;
	target: string;
	createdAt: Date;
}

interface FollowRow extends Record<string, unknown> {
	id: string;
	kind: FollowKind;
	target: string;
	created_at: Date | string;
}

function followOf(row: FollowRow): Follow {
	return { id: row.id, kind: row.kind, target: row.target, createdAt: new Date(row.created_at) };
}

export async function billExists(db: SqlExecutor, session: string, number: string): Promise<boolean> {
	const { rows } = await db.query("SELECT 1 FROM etl.bills WHERE session = $1 AND number = $2", [session, number]);
	return rows.length > 0;
}

export async function politicianExists(db: SqlExecutor, slug: string): Promise<boolean> {
	const { rows } = await db.query("SELECT 1 FROM etl.politicians WHERE slug = $1", [slug]);
	return rows.length > 0;
}

export async function countFollows(db: SqlExecutor, userId: string): Promise<number> {
	const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM web.follows WHERE user_id = $1", [userId]);
	return rows[0]?.n ?? 0;
}

/** The follow, and whether this call created it (false: the user already followed it). */
export async function addFollow(db: SqlExecutor, userId: string, kind: FollowKind, target: string): Promise<{ follow: Follow; created: boolean }> {
	const inserted = await db.query<FollowRow>(
		`INSERT INTO web.follows (id, user_id, kind, target) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, kind, target) DO NOTHING RETURNING id, kind, target, created_at`,
		[uuid7(), userId, kind, target]
	);
	const row = inserted.rows[0];
	if (row) return { follow: followOf(row), created: true };
	const { rows } = await db.query<FollowRow>("SELECT id, kind, target, created_at FROM web.follows WHERE user_id = $1 AND kind = $2 AND target = $3", [userId, kind, target]);
	const existing = rows[0];
	// Deleted between the two statements by the same user: created by nobody, so say so.
	if (!existing) throw new Error("The follow vanished while it was being created; retry");
	return { follow: followOf(existing), created: false };
}

export async function listFollows(db: SqlExecutor, userId: string, limit: number, offset: number): Promise<{ follows: Follow[]; total: number }> {
	const [page, total] = await Promise.all([
		db.query<FollowRow>("SELECT id, kind, target, created_at FROM web.follows WHERE user_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3", [userId, limit, offset]),
		countFollows(db, userId)
	]);
	return { follows: page.rows.map(followOf), total };
}

export async function getFollow(db: SqlExecutor, userId: string, id: string): Promise<Follow | undefined> {
	const { rows } = await db.query<FollowRow>("SELECT id, kind, target, created_at FROM web.follows WHERE user_id = $1 AND id = $2", [userId, id]);
	return rows[0] ? followOf(rows[0]) : undefined;
}

export async function deleteFollow(db: SqlExecutor, userId: string, id: string): Promise<Follow | undefined> {
	const { rows } = await db.query<FollowRow>("DELETE FROM web.follows WHERE user_id = $1 AND id = $2 RETURNING id, kind, target, created_at", [userId, id]);
	return rows[0] ? followOf(rows[0]) : undefined;
}

export async function setStance(db: SqlExecutor, userId: string, session: string, number: string, stance: Stance): Promise<void> {
	await db.query(
		`INSERT INTO web.bill_stances (user_id, session, bill_number, stance) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, session, bill_number) DO UPDATE SET stance = excluded.stance, updated_at = now()`,
		[userId, session, number, stance]
	);
}

/** True when there was a stance to withdraw. */
export async function clearStance(db: SqlExecutor, userId: string, session: string, number: string): Promise<boolean> {
	const { rowCount } = await db.query("DELETE FROM web.bill_stances WHERE user_id = $1 AND session = $2 AND bill_number = $3", [userId, session, number]);
	return rowCount > 0;
}

export async function stanceOf(db: SqlExecutor, userId: string, session: string, number: string): Promise<Stance | null> {
	const { rows } = await db.query<{ stance: Stance }>("SELECT stance FROM web.bill_stances WHERE user_id = $1 AND session = $2 AND bill_number = $3", [userId, session, number]);
	return rows[0]?.stance ?? null;
}

export interface StanceCounts {
	support: number;
	oppose: number;
}

/**
 * Support and oppose counts of each bill, keyed `44-1/C-10`; a bill without stances counts zeros.
 * For the bill detail and list routes: one statement for a page of bills.
 */
export async function stanceCounts(db: SqlExecutor, billIds: readonly string[]): Promise<Map<string, StanceCounts>> {
	const counts = new Map<string, StanceCounts>(billIds.map((id) => [id, { support: 0, oppose: 0 }]));
	if (counts.size === 0) return counts;
	const sessions: string[] = [];
	const numbers: string[] = [];
	// The map's keys: each bill once, or the join would count a repeated one twice.
	for (const id of counts.keys()) {
		const [session = "", number = ""] = id.split("/");
		sessions.push(session);
		numbers.push(number);
	}
	const { rows } = await db.query<{ session: string; bill_number: string; support: number; oppose: number }>(
		`SELECT s.session, s.bill_number,
			count(*) FILTER (WHERE s.stance = 'support')::int AS support,
			count(*) FILTER (WHERE s.stance = 'oppose')::int AS oppose
		FROM web.bill_stances s
		JOIN unnest($1::text[], $2::text[]) AS b(session, bill_number) USING (session, bill_number)
		GROUP BY s.session, s.bill_number`,
		[sessions, numbers]
	);
	for (const row of rows) counts.set(`${row.session}/${row.bill_number}`, { support: row.support, oppose: row.oppose });
	return counts;
}
