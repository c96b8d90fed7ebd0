/** Votes (divisions) with their totals, and one vote's result per party with each party's position. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import type { VoteParams, VotesParams } from "../params.ts";
import { partyTalliesSql } from "../../shared/voting-record-sql.ts";
import { Conditions, isoDate } from "./sql.ts";

export type VoteSummary = {
	session: string;
	number: number;
	date: string;
	description_en: string;
	description_fr: string | null;
	result: string;
	yea_total: number;
	nay_total: number;
	paired_total: number;
	bill: { number: string; url: string } | null;
	url: string;
}

type VoteRow = Omit<VoteSummary, "bill" | "url"> & {
	bill_number: string | null;
	total?: number;
}

export type PartyResult = {
	party: { key: string; short_name_en: string | null; name_en: string | null } | null;
	yes: number;
	no: number;
	paired: number;
	didnt_vote: number;
	position: "Yes" | "No" | null;
	free_vote: boolean;
}

const COLUMNS = `v.session, v.number, ${isoDate("v.date")} AS date, v.description_en, v.description_fr, v.result, v.yea_total, v.nay_total, v.paired_total, v.bill_number`;

export function voteUrl(session: string, number: number): string {
	return `/api/v1/votes/${session}/${number}`;
}

function toSummary(row: VoteRow): VoteSummary {
	return {
		session: row.session,
		number: row.number,
		date: row.date,
		description_en: row.description_en,
		description_fr: row.description_fr,
		result: row.result,
		yea_total: row.yea_total,
		nay_total: row.nay_total,
		paired_total: row.paired_total,
		bill: row.bill_number ? { number: row.bill_number, url: `/api/v1/bills/${row.session}/${row.bill_number}` } : null,
		url: voteUrl(row.session, row.number)
	};
}

export async function listVotes(db: SqlExecutor, params: ParamsOf<typeof VotesParams>): Promise<{ objects: VoteSummary[]; total: number }> {
	const where = new Conditions();
	if (params.session !== undefined) where.add("v.session = ?", params.session);
	if (params.bill !== undefined) where.add("v.bill_number = ?", params.bill);
	if (params.result !== undefined) where.add("v.result = ?", params.result);
	if (params.date_after !== undefined) where.add("v.date >= ?::date", params.date_after);
	if (params.date_before !== undefined) where.add("v.date <= ?::date", params.date_before);
	const filter = where.sql;
	const direction = params.sort === "date" ? "ASC" : "DESC";
	const limit = where.param(params.limit);
	const offset = where.param(params.offset);
	const { rows } = await db.query<VoteRow>(
		`SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM etl.votes v WHERE ${filter}
		ORDER BY v.date ${direction}, split_part(v.session, '-', 1)::int ${direction}, split_part(v.session, '-', 2)::int ${direction}, v.number ${direction}
		LIMIT ${limit} OFFSET ${offset}`,
		where.params
	);
	let total = rows[0]?.total ?? 0;
	if (rows.length === 0 && params.offset > 0) {
		const counted = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM etl.votes v WHERE ${filter}`, where.params.slice(0, -2));
		total = counted.rows[0]?.n ?? 0;
	}
	return { objects: rows.map(toSummary), total };
}

export async function getVote(db: SqlExecutor, params: ParamsOf<typeof VoteParams>): Promise<(VoteSummary & { party_results: PartyResult[]; ballots_url: string }) | undefined> {
	const { rows } = await db.query<VoteRow>(`SELECT ${COLUMNS} FROM etl.votes v WHERE v.session = $1 AND v.number = $2`, [params.session, params.number]);
	const row = rows[0];
	if (!row) return undefined;
	const parties = await db.query<PartyResult>(
		`SELECT CASE WHEN t.party_key IS NULL THEN NULL ELSE json_build_object('key', t.party_key, 'short_name_en', pa.short_name_en, 'name_en', pa.name_en) END AS party,
			t.yes, t.no, t.paired, t.didnt_vote,
			t.position, t.free_vote
		FROM (${partyTalliesSql("v.session = $1 AND v.vote_number = $2")}) t LEFT JOIN etl.parties pa ON pa.key = t.party_key
		ORDER BY t.yes + t.no + t.paired + t.didnt_vote DESC, t.party_key NULLS LAST`,
		[params.session, params.number]
	);
	return { ...toSummary(row), party_results: parties.rows, ballots_url: `/api/v1/ballots?vote=${encodeURIComponent(`${row.session}/${row.number}`)}` };
}
