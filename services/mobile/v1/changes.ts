/**
 * GET /mobile/v1/changes: what a client needs to hold exactly the server's bills, votes and
 * politicians, in two phases behind one cursor (docs/decisions/0025-mobile-change-log.md):
 *
 * 1. snapshot (no `since`): every current item, kind by kind in primary-key order, after noting
 *    the change log's last sequence number `base`. Changes made while the client pages are logged
 *    after `base`, so phase 2 brings them, whether or not the snapshot already caught them.
 * 2. log: the entries of `etl.change_log` after the cursor's sequence number, in commit order. An
 *    entry names a row, and the row is sent as it is now (`upsert` with its item) or, if it no longer
 *    exists, as a tombstone (`delete`). Sending the current state makes replay order-insensitive
 *    for one row: whatever the client saw before, its last change for a row is the row's state now.
 *
 * A cursor older than the log's horizon (entries pruned) is a 422 telling the client to resync.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { CursorCodec } from "./cursor.ts";
import { InvalidCursorError, ResyncRequiredError } from "./errors.ts";
import { type Item, type Kind, billItems, itemsByIds, politicianItems, voteItems } from "./items.ts";

export type Change = { kind: Kind; id: string; op: "upsert"; data: Item } | { kind: Kind; id: string; op: "delete" };

export interface ChangesPage {
	changes: Change[];
	cursor: string;
	more: boolean;
}

const SNAPSHOT_KINDS: readonly Kind[] = ["bill", "vote", "politician"];

type Position =
	/** Snapshot of SNAPSHOT_KINDS[i], after key k (null: from its start); the log follows from `b`. */
	| { p: "s"; i: number; k: string | null; b: number }
	/** The change log after sequence number q. */
	| { p: "l"; q: number };

function isPosition(value: unknown): value is Position {
	if (typeof value !== "object" || value === null) return false;
	const p = value as Record<string, unknown>;
	if (p.p === "l") return Number.isSafeInteger(p.q) && (p.q as number) >= 0;
	return p.p === "s" && Number.isInteger(p.i) && (p.i as number) >= 0 && (p.i as number) < SNAPSHOT_KINDS.length && (p.k === null || typeof p.k === "string") && Number.isSafeInteger(p.b) && (p.b as number) >= 0;
}

async function horizon(db: SqlExecutor): Promise<{ last: number; prunedThrough: number }> {
	const { rows } = await db.query<{ last: string | number | null; pruned: string | number }>(
		"SELECT (SELECT max(seq) FROM etl.change_log) AS last, (SELECT pruned_through FROM etl.change_log_horizon) AS pruned"
	);
	const prunedThrough = Number(rows[0]?.pruned ?? 0);
	return { last: Math.max(Number(rows[0]?.last ?? 0), prunedThrough), prunedThrough };
}

/** Up to `limit` current items of one kind after `after`, in primary-key order. */
async function snapshotItems(db: SqlExecutor, kind: Kind, after: string | null, limit: number): Promise<Item[]> {
	const cut = after === null ? "" : after;
	if (kind === "politician") return politicianItems(db, "p.slug > $1", [cut], "p.slug", String(limit));
	const slash = cut.indexOf("/");
	const [session, number] = after === null ? ["", ""] : [cut.slice(0, slash), cut.slice(slash + 1)];
	if (kind === "bill") return billItems(db, after === null ? "TRUE" : "(b.session, b.number) > ($1, $2)", after === null ? [] : [session, number], "b.session, b.number", String(limit));
	return voteItems(db, after === null ? "TRUE" : "(v.session, v.number) > ($1, $2::int)", after === null ? [] : [session, number], "(v.session, v.number)", String(limit));
}

export async function changesSince(db: SqlExecutor, codec: CursorCodec, since: string | undefined, limit: number): Promise<ChangesPage> {
	let position: Position;
	if (since === undefined) {
		position = { p: "s", i: 0, k: null, b: (await horizon(db)).last };
	} else {
		const decoded = codec.decode(since);
		if (!isPosition(decoded)) throw new InvalidCursorError("since", true);
		position = decoded;
	}
	const changes: Change[] = [];

	while (position.p === "s" && changes.length < limit) {
		const kind = SNAPSHOT_KINDS[position.i] as Kind;
		const wanted = limit - changes.length;
		const items = await snapshotItems(db, kind, position.k, wanted);
		for (const item of items) changes.push({ kind, id: item.id, op: "upsert", data: item });
		const last = items.at(-1);
		// A full page may end exactly at the kind's end: the next call then finds none and moves on.
		if (items.length === wanted && last) position = { ...position, k: last.id };
		else position = position.i + 1 < SNAPSHOT_KINDS.length ? { p: "s", i: position.i + 1, k: null, b: position.b } : { p: "l", q: position.b };
	}
	if (position.p === "s") {
		if ((await horizon(db)).prunedThrough > position.b) throw new ResyncRequiredError();
		return { changes, cursor: codec.encode(position), more: true };
	}

	const room = limit - changes.length;
	const { rows } = await db.query<{ seq: string | number; kind: Kind; key: string }>(
		"SELECT seq, kind, key FROM etl.change_log WHERE seq > $1 ORDER BY seq LIMIT $2",
		[position.q, room + 1]
	);
	// Read after the entries: pruning deletes entries and moves the horizon in one transaction, so an
	// entry missing from this read means the horizon read now is past the cursor.
	if ((await horizon(db)).prunedThrough > position.q) throw new ResyncRequiredError();
	const entries = rows.slice(0, room);
	const more = rows.length > room;
	const lastSeq = entries.length > 0 ? Number(entries[entries.length - 1]?.seq) : position.q;

	// One change per row, at the place of its last entry in the page.
	const lastIndex = new Map<string, number>();
	entries.forEach((e, i) => lastIndex.set(`${e.kind}:${e.key}`, i));
	const ids = new Map<Kind, string[]>();
	for (const e of entries) {
		const list = ids.get(e.kind) ?? [];
		if (!ids.has(e.kind)) ids.set(e.kind, list);
		list.push(e.key);
	}
	const current = new Map<Kind, Map<string, Item>>();
	for (const [kind, list] of ids) current.set(kind, await itemsByIds(db, kind, [...new Set(list)]));
	entries.forEach((e, i) => {
		if (lastIndex.get(`${e.kind}:${e.key}`) !== i) return;
		const item = current.get(e.kind)?.get(e.key);
		changes.push(item ? { kind: e.kind, id: e.key, op: "upsert", data: item } : { kind: e.kind, id: e.key, op: "delete" });
	});
	return { changes, cursor: codec.encode({ p: "l", q: lastSeq } satisfies Position), more };
}
