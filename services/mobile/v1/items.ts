/**
 * The compact items of /mobile/v1 (what a list screen needs), as SQL over the ETL's tables. The
 * lists, their detail-free pages and the changes feed all send exactly these, so a client that
 * synced the feed holds the same objects the lists show.
 *
 * - bill: session, number, short title (else the title) in both languages, status, last change;
 * - vote: number, date, result, totals, and its ballots summarised (all, and per party as
 *   [yes, no, paired, didn't vote], counted by the shared voting-record SQL);
 * - politician: name, party, riding, photo URL (the current membership, else the last one).
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { partyTalliesSql } from "../../shared/voting-record-sql.ts";

export type BillItem = {
	id: string;
	session: string;
	number: string;
	title_en: string;
	title_fr: string | null;
	status: string | null;
	status_date: string | null;
	updated_at: string;
};

export type VoteItem = {
	id: string;
	session: string;
	number: number;
	date: string;
	description_en: string;
	description_fr: string | null;
	result: string;
	yea: number;
	nay: number;
	paired: number;
	bill: string | null;
	/** Counted from the ballots themselves; null until the vote's ballots are loaded. */
	ballots: { yes: number; no: number; paired: number; didnt_vote: number } | null;
	/** Per party key ("none" for members of no party): [yes, no, paired, didn't vote]. */
	parties: Record<string, [number, number, number, number]>;
};

export type PoliticianItem = {
	id: string;
	slug: string;
	name: string;
	party: { key: string; short_name_en: string; short_name_fr: string | null } | null;
	riding: { edid: string; name_en: string; province: string } | null;
	photo_url: string | null;
	current: boolean;
};

export type Kind = "bill" | "vote" | "politician";
export type Item = BillItem | VoteItem | PoliticianItem;

const UTC_TIMESTAMP = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Newest parliament and session first, then the House's number order (C-2 before C-10, C before S). */
export function billOrder(session: string, number: string): string {
	return `(-split_part(${session}, '-', 1)::int, -split_part(${session}, '-', 2)::int, split_part(${number}, '-', 1) COLLATE "C", (regexp_replace(${number}, '\\D', '', 'g'))::int, ${number} COLLATE "C")`;
}

/** Newest first: a vote's number grows through its session. */
export function voteOrder(session: string, number: string): string {
	return `(-split_part(${session}, '-', 1)::int, -split_part(${session}, '-', 2)::int, -(${number})::int)`;
}

export function politicianOrder(slug: string): string {
	return `(${slug} COLLATE "C")`;
}

/** Bill items of the rows `where` selects (over `etl.bills b`), in `order`, at most `limit`. */
export async function billItems(db: SqlExecutor, where: string, params: unknown[], order: string, limit?: string): Promise<BillItem[]> {
	const { rows } = await db.query<BillItem>(
		`SELECT b.session || '/' || b.number AS id, b.session, b.number,
			coalesce(b.short_title_en, b.title_en) AS title_en, coalesce(b.short_title_fr, b.title_fr) AS title_fr,
			b.status_code AS status, to_char(b.status_date, 'YYYY-MM-DD') AS status_date, ${UTC_TIMESTAMP("b.updated_at")} AS updated_at
		FROM etl.bills b WHERE ${where} ORDER BY ${order} ${limit ? `LIMIT ${limit}` : ""}`,
		params
	);
	return rows;
}

type VoteRow = Omit<VoteItem, "ballots" | "parties"> & { tallies: { party: string | null; counts: [number, number, number, number] }[] | null };

/** Vote items of the rows `where` selects (over `etl.votes v`), in `order` (one expression: a row constructor for several keys), at most `limit`. */
export async function voteItems(db: SqlExecutor, where: string, params: unknown[], order: string, limit?: string): Promise<VoteItem[]> {
	const { rows } = await db.query<VoteRow>(
		`WITH page AS MATERIALIZED (
			SELECT v.session, v.number, to_char(v.date, 'YYYY-MM-DD') AS date, v.description_en, v.description_fr, v.result,
				v.yea_total AS yea, v.nay_total AS nay, v.paired_total AS paired, v.bill_number AS bill, ${order} AS sort_key
			FROM etl.votes v WHERE ${where} ORDER BY ${order} ${limit ? `LIMIT ${limit}` : ""}
		),
		tallies AS (
			SELECT t.session, t.vote_number,
				json_agg(json_build_object('party', t.party_key, 'counts', json_build_array(t.yes, t.no, t.paired, t.didnt_vote)) ORDER BY t.party_key) AS tallies
			FROM (${partyTalliesSql("(v.session, v.vote_number) IN (SELECT session, number FROM page)")}) t
			GROUP BY t.session, t.vote_number
		)
		SELECT p.session || '/' || p.number AS id, p.session, p.number, p.date, p.description_en, p.description_fr, p.result,
			p.yea, p.nay, p.paired, p.bill, t.tallies
		FROM page p LEFT JOIN tallies t ON t.session = p.session AND t.vote_number = p.number
		ORDER BY p.sort_key`,
		params
	);
	return rows.map(({ tallies, ...vote }) => {
		const parties: VoteItem["parties"] = {};
		const sum: [number, number, number, number] = [0, 0, 0, 0];
		for (const { party, counts } of tallies ?? []) {
			const key = party ?? "none";
			const known = parties[key] ?? [0, 0, 0, 0];
			parties[key] = [known[0] + counts[0], known[1] + counts[1], known[2] + counts[2], known[3] + counts[3]];
			for (let i = 0; i < 4; i++) sum[i] = (sum[i] ?? 0) + (counts[i] ?? 0);
		}
		return { ...vote, ballots: tallies ? { yes: sum[0], no: sum[1], paired: sum[2], didnt_vote: sum[3] } : null, parties };
	});
}

/** Politician items of the rows `where` selects (over `etl.politicians p`), in `order`, at most `limit`. */
export async function politicianItems(db: SqlExecutor, where: string, params: unknown[], order: string, limit?: string): Promise<PoliticianItem[]> {
	const { rows } = await db.query<PoliticianItem>(
		`SELECT p.slug AS id, p.slug, p.name,
			CASE WHEN pa.key IS NULL THEN NULL ELSE json_build_object('key', pa.key, 'short_name_en', pa.short_name_en, 'short_name_fr', pa.short_name_fr) END AS party,
			CASE WHEN lm.id IS NULL THEN NULL ELSE json_build_object('edid', lm.riding_edid, 'name_en', lm.riding_name_en, 'province', lm.province) END AS riding,
			p.image_url AS photo_url, coalesce(lm.end_date IS NULL AND lm.id IS NOT NULL, false) AS current
		FROM etl.politicians p
		LEFT JOIN LATERAL (
			SELECT m.id, m.party_key, m.riding_edid, m.riding_name_en, m.province, m.end_date FROM etl.memberships m
			WHERE m.politician_slug = p.slug ORDER BY (m.end_date IS NULL) DESC, m.start_date DESC, m.id DESC LIMIT 1
		) lm ON true
		LEFT JOIN etl.parties pa ON pa.key = lm.party_key
		WHERE ${where} ORDER BY ${order} ${limit ? `LIMIT ${limit}` : ""}`,
		params
	);
	return rows;
}

/** The current items of these ids of one kind (absent ids: rows that no longer exist). */
export async function itemsByIds(db: SqlExecutor, kind: Kind, ids: readonly string[]): Promise<Map<string, Item>> {
	if (ids.length === 0) return new Map();
	let items: Item[];
	if (kind === "politician") {
		items = await politicianItems(db, "p.slug = ANY($1::text[])", [ids], politicianOrder("p.slug"));
	} else {
		const sessions = ids.map((id) => id.slice(0, id.indexOf("/")));
		const numbers = ids.map((id) => id.slice(id.indexOf("/") + 1));
		items =
			kind === "bill"
				? await billItems(db, "(b.session, b.number) IN (SELECT * FROM unnest($1::text[], $2::text[]))", [sessions, numbers], billOrder("b.session", "b.number"))
				: await voteItems(db, "(v.session, v.number) IN (SELECT s, n::int FROM unnest($1::text[], $2::text[]) AS k(s, n))", [sessions, numbers], voteOrder("v.session", "v.number"));
	}
	return new Map(items.map((item) => [item.id, item]));
}
