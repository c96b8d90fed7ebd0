/**
 * The compact lists: keyset pages in an order of immutable keys (a bill's session and number, a
 * vote's session and number, a politician's slug), so an insert or an update between two pages
 * neither repeats nor skips an item that existed throughout: the next page starts strictly after
 * the last key sent, whatever happened before it.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import type { CursorCodec } from "./cursor.ts";
import { InvalidCursorError } from "./errors.ts";
import { type BillItem, billItems, billOrder, type PoliticianItem, politicianItems, politicianOrder, type VoteItem, voteItems, voteOrder } from "./items.ts";
import type { BillsListParams, PoliticiansListParams, VotesListParams } from "./params.ts";

export interface Page<T> {
	items: T[];
	cursor: string | null;
}

type ListName = "bills" | "votes" | "politicians";

/** What a list cursor holds: which list, its filter, and the last key sent. */
interface ListPosition {
	l: ListName;
	f: string | null;
	k: string[];
}

function positionOf(codec: CursorCodec, list: ListName, filter: string | null, cursor: string | undefined): string[] | undefined {
	if (cursor === undefined) return undefined;
	const p = codec.decode(cursor) as Partial<ListPosition> | undefined;
	const valid = p !== undefined && p !== null && typeof p === "object" && p.l === list && (p.f ?? null) === filter && Array.isArray(p.k) && p.k.every((k) => typeof k === "string");
	// A cursor of another list, or of the same list with another filter, is refused rather than read as a position it is not.
	if (!valid) throw new InvalidCursorError("cursor", false);
	return p.k as string[];
}

function pageOf<T extends { id: string }>(codec: CursorCodec, list: ListName, filter: string | null, rows: T[], limit: number, keyOf: (item: T) => string[]): Page<T> {
	const items = rows.slice(0, limit);
	const last = items.at(-1);
	const more = rows.length > limit && last !== undefined;
	return { items, cursor: more ? codec.encode({ l: list, f: filter, k: keyOf(last) } satisfies ListPosition) : null };
}

export async function listBills(db: SqlExecutor, codec: CursorCodec, params: ParamsOf<typeof BillsListParams>): Promise<Page<BillItem>> {
	const filter = params.session ?? null;
	const after = positionOf(codec, "bills", filter, params.cursor);
	const where: string[] = [];
	const values: unknown[] = [];
	if (filter !== null) where.push(`b.session = $${values.push(filter)}`);
	if (after) where.push(`${billOrder("b.session", "b.number")} > ${billOrder(`$${values.push(after[0])}::text`, `$${values.push(after[1])}::text`)}`);
	const rows = await billItems(db, where.join(" AND ") || "TRUE", values, billOrder("b.session", "b.number"), `$${values.push(params.limit + 1)}`);
	return pageOf(codec, "bills", filter, rows, params.limit, (b) => [b.session, b.number]);
}

export async function listVotes(db: SqlExecutor, codec: CursorCodec, params: ParamsOf<typeof VotesListParams>): Promise<Page<VoteItem>> {
	const filter = params.session ?? null;
	const after = positionOf(codec, "votes", filter, params.cursor);
	const where: string[] = [];
	const values: unknown[] = [];
	if (filter !== null) where.push(`v.session = $${values.push(filter)}`);
	if (after) where.push(`${voteOrder("v.session", "v.number")} > ${voteOrder(`$${values.push(after[0])}::text`, `$${values.push(after[1])}::text`)}`);
	const rows = await voteItems(db, where.join(" AND ") || "TRUE", values, voteOrder("v.session", "v.number"), `$${values.push(params.limit + 1)}`);
	return pageOf(codec, "votes", filter, rows, params.limit, (v) => [v.session, String(v.number)]);
}

export async function listPoliticians(db: SqlExecutor, codec: CursorCodec, params: ParamsOf<typeof PoliticiansListParams>): Promise<Page<PoliticianItem>> {
	const after = positionOf(codec, "politicians", null, params.cursor);
	const values: unknown[] = [];
	const where = after ? `${politicianOrder("p.slug")} > ${politicianOrder(`$${values.push(after[0])}::text`)}` : "TRUE";
	const rows = await politicianItems(db, where, values, politicianOrder("p.slug"), `$${values.push(params.limit + 1)}`);
	return pageOf(codec, "politicians", null, rows, params.limit, (p) => [p.slug]);
}
