/** Bills: the list with its filters, one bill with its stages, sponsor, votes and lineage. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import type { BillParams, BillsParams } from "../params.ts";
import { Conditions, isoDate, isoTimestamp } from "./sql.ts";
import { prefixQuery, tsquerySql } from "../../shared/text-query.ts";

export type BillSummary = {
	session: string;
	number: string;
	chamber: string;
	title_en: string;
	title_fr: string | null;
	short_title_en: string | null;
	short_title_fr: string | null;
	sponsor: { slug: string | null; name: string | null } | null;
	status_code: string | null;
	status_text_en: string | null;
	status_date: string | null;
	introduced: string | null;
	law: boolean | null;
	private_member: boolean | null;
	government_bill: boolean | null;
	updated_at: string;
	url: string;
}

export type BillRow = Omit<BillSummary, "sponsor" | "url"> & {
	sponsor_politician_slug: string | null;
	sponsor_name: string | null;
	sponsor_politician_name: string | null;
	source: string;
	document_key: string;
	document_hash: string;
	run_id: string | null;
	total?: number;
}

const COLUMNS = `b.session, b.number, b.chamber, b.title_en, b.title_fr, b.short_title_en, b.short_title_fr,
	b.sponsor_politician_slug, b.sponsor_name, sp.name AS sponsor_politician_name, b.status_code, b.status_text_en,
	${isoDate("b.status_date")} AS status_date, ${isoDate("b.introduced")} AS introduced, b.law, b.private_member, b.government_bill,
	${isoTimestamp("b.updated_at")} AS updated_at, b.source, b.document_key, b.document_hash, b.run_id`;

const FROM = "etl.bills b LEFT JOIN etl.politicians sp ON sp.slug = b.sponsor_politician_slug";

/** Bill numbers in the House's order: C-2 before C-10, government before private members'. */
const NUMBER_ORDER = "split_part(b.number, '-', 1), (regexp_replace(b.number, '\\D', '', 'g'))::int, b.number";

const SORTS: Record<string, string> = {
	introduced: "b.introduced ASC NULLS LAST",
	"-introduced": "b.introduced DESC NULLS LAST",
	number: NUMBER_ORDER,
	"-number": "split_part(b.number, '-', 1) DESC, (regexp_replace(b.number, '\\D', '', 'g'))::int DESC, b.number DESC",
	updated: "b.updated_at ASC",
	"-updated": "b.updated_at DESC",
	status_date: "b.status_date ASC NULLS LAST",
	"-status_date": "b.status_date DESC NULLS LAST"
};

export function billUrl(session: string, number: string): string {
	return `/api/v1/bills/${session}/${number}`;
}

export function toSummary(row: BillRow): BillSummary {
	const sponsor = row.sponsor_politician_slug || row.sponsor_name ? { slug: row.sponsor_politician_slug, name: row.sponsor_politician_name ?? row.sponsor_name } : null;
	return {
		session: row.session,
		number: row.number,
		chamber: row.chamber,
		title_en: row.title_en,
		title_fr: row.title_fr,
		short_title_en: row.short_title_en,
		short_title_fr: row.short_title_fr,
		sponsor,
		status_code: row.status_code,
		status_text_en: row.status_text_en,
		status_date: row.status_date,
		introduced: row.introduced,
		law: row.law,
		private_member: row.private_member,
		government_bill: row.government_bill,
		updated_at: row.updated_at,
		url: billUrl(row.session, row.number)
	};
}

export async function listBills(db: SqlExecutor, params: ParamsOf<typeof BillsParams>): Promise<{ objects: BillSummary[]; total: number }> {
	const where = new Conditions();
	if (params.session !== undefined) where.add("b.session = ?", params.session);
	if (params.status !== undefined) where.add("b.status_code = ?", params.status);
	if (params.chamber !== undefined) where.add("b.chamber = ?", params.chamber);
	if (params.sponsor !== undefined) where.add("b.sponsor_politician_slug = ?", params.sponsor);
	if (params.law !== undefined) where.add("b.law IS NOT DISTINCT FROM ?", params.law);
	if (params.private_member !== undefined) where.add("b.private_member IS NOT DISTINCT FROM ?", params.private_member);
	if (params.introduced_after !== undefined) where.add("b.introduced >= ?::date", params.introduced_after);
	if (params.introduced_before !== undefined) where.add("b.introduced <= ?::date", params.introduced_before);
	if (params.updated_since !== undefined) where.add("b.updated_at >= ?::timestamptz", params.updated_since);
	let order = params.sort ? SORTS[params.sort] : "b.introduced DESC NULLS LAST";
	if (params.q !== undefined) {
		const query = where.param(prefixQuery(params.q, "q"));
		where.add(`b.search @@ ${tsquerySql(query)}`);
		if (!params.sort) order = `ts_rank(b.search, ${tsquerySql(query)}) DESC`;
	}
	const filter = where.sql;
	const limit = where.param(params.limit);
	const offset = where.param(params.offset);
	const { rows } = await db.query<BillRow>(
		`SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM ${FROM} WHERE ${filter}
		ORDER BY ${order}, b.session DESC, ${NUMBER_ORDER} LIMIT ${limit} OFFSET ${offset}`,
		where.params
	);
	const total = rows[0]?.total ?? (params.offset > 0 ? await countBills(db, filter, where.params.slice(0, -2)) : 0);
	return { objects: rows.map(toSummary), total };
}

async function countBills(db: SqlExecutor, filter: string, params: unknown[]): Promise<number> {
	const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${FROM} WHERE ${filter}`, params);
	return rows[0]?.n ?? 0;
}

export type BillStageRow = {
	stage: string;
	chamber: string;
	date: string;
}

export type BillVoteRow = {
	session: string;
	number: number;
	date: string;
	description_en: string;
	result: string;
	yea_total: number;
	nay_total: number;
	paired_total: number;
}

export async function getBill(db: SqlExecutor, params: ParamsOf<typeof BillParams>): Promise<{ bill: BillRow; stages: BillStageRow[]; votes: BillVoteRow[] } | undefined> {
	const { rows } = await db.query<BillRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE b.session = $1 AND b.number = $2`, [params.session, params.number]);
	const bill = rows[0];
	if (!bill) return undefined;
	const stages = await db.query<BillStageRow>(
		`SELECT stage, chamber, ${isoDate("date")} AS date FROM etl.bill_stages WHERE session = $1 AND bill_number = $2 ORDER BY date, stage`,
		[params.session, params.number]
	);
	const votes = await db.query<BillVoteRow>(
		`SELECT session, number, ${isoDate("date")} AS date, description_en, result, yea_total, nay_total, paired_total
		FROM etl.votes WHERE session = $1 AND bill_number = $2 ORDER BY date, number`,
		[params.session, params.number]
	);
	return { bill, stages: stages.rows, votes: votes.rows };
}
