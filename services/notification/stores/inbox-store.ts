/** The in-app inbox (notification.inbox). Every statement is scoped by the user it belongs to. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { uuid7 } from "../../../runtime/storage/uuid7.ts";
import type { InboxItem } from "../notification.contract.ts";

interface InboxRow extends Record<string, unknown> {
	id: string;
	kind: string;
	title: string;
	body: string;
	link: string | null;
	created_at: Date | string;
	read_at: Date | string | null;
}

const COLUMNS = "id, kind, title, body, link, created_at, read_at";

function itemOf(row: InboxRow): InboxItem {
	return {
		id: row.id,
		kind: row.kind,
		title: row.title,
		body: row.body,
		link: row.link,
		createdAt: new Date(row.created_at).toISOString(),
		readAt: row.read_at === null ? null : new Date(row.read_at).toISOString()
	};
}

export interface NewInboxItem {
	userId: string;
	deliveryKey: string;
	eventId: string;
	kind: string;
	title: string;
	body: string;
	link: string | null;
}

/** The new item, or undefined when this delivery already put one there (a retried delivery). */
export async function addInboxItem(db: SqlExecutor, item: NewInboxItem): Promise<InboxItem | undefined> {
	const { rows } = await db.query<InboxRow>(
		`INSERT INTO notification.inbox (id, user_id, delivery_key, event_id, kind, title, body, link) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (delivery_key) DO NOTHING RETURNING ${COLUMNS}`,
		[uuid7(), item.userId, item.deliveryKey, item.eventId, item.kind, item.title, item.body, item.link]
	);
	return rows[0] ? itemOf(rows[0]) : undefined;
}

export async function listInbox(db: SqlExecutor, userId: string, options: { unread: boolean; limit: number; offset: number }): Promise<{ items: InboxItem[]; total: number; unread: number }> {
	const filter = options.unread ? "AND read_at IS NULL" : "";
	const [page, total, unread] = await Promise.all([
		db.query<InboxRow>(`SELECT ${COLUMNS} FROM notification.inbox WHERE user_id = $1 ${filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, [userId, options.limit, options.offset]),
		db.query<{ n: number | string }>(`SELECT count(*) AS n FROM notification.inbox WHERE user_id = $1 ${filter}`, [userId]),
		unreadCount(db, userId)
	]);
	return { items: page.rows.map(itemOf), total: Number(total.rows[0]?.n ?? 0), unread };
}

export async function unreadCount(db: SqlExecutor, userId: string): Promise<number> {
	const { rows } = await db.query<{ n: number | string }>("SELECT count(*) AS n FROM notification.inbox WHERE user_id = $1 AND read_at IS NULL", [userId]);
	return Number(rows[0]?.n ?? 0);
}

/** Marks the given items (or all, when `ids` is undefined) read; returns how many changed. */
export async function markRead(db: SqlExecutor, userId: string, ids: readonly string[] | undefined): Promise<number> {
	const result = ids
		? await db.query("UPDATE notification.inbox SET read_at = now() WHERE user_id = $1 AND id = ANY ($2::text[]) AND read_at IS NULL", [userId, [...ids]])
		: await db.query("UPDATE notification.inbox SET read_at = now() WHERE user_id = $1 AND read_at IS NULL", [userId]);
	return result.rowCount;
}
