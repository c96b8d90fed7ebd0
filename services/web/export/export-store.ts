/**
 * The SQL of the exports: one keyset read per resource (runtime/storage KeysetRead), each row
 * carrying its key and `line`, the finished record formatted by PostgreSQL (export-format.ts).
 * Filters are the list routes'; every value is a parameter.
 *
 * Ballots are read a vote at a time from `etl.vote_ballots` (decision 0008): one row per vote whose
 * `line` holds all its ballots' records, so a million ballots are 2,500 fetched rows and the
 * server, not Node, does the per-ballot work.
 */
import type { KeysetPage, KeysetRead } from "../../../runtime/storage/database.ts";
import { type ExportColumn, type ExportFormat, csvFieldsSql, recordSql } from "./export-format.ts";
import type { BallotsFilters, BillsFilters, PoliticiansFilters, VotesFilters } from "./export-params.ts";

export type ExportResource = "bills" | "politicians" | "votes" | "ballots";

export interface ExportRow extends Record<string, unknown> {
	/** Null for a vote none of whose ballots passed the filters. */
	line: string | null;
}

/** Conditions over numbered parameters, built in order. */
class Conditions {
	readonly params: unknown[] = [];
	readonly list: string[] = [];
	/** Adds `sql` with `$?` standing for the next parameter. */
	add(sql: string, ...values: unknown[]): void {
		let i = 0;
		this.list.push(sql.replace(/\$\?/g, () => `$${this.params.length + ++i}`));
		this.params.push(...values);
	}
	where(page: KeysetPage | undefined, key: string): string {
		const all = [...this.list, ...(page?.after ? [`(${key}) > ${page.after}`] : [])];
		return all.length > 0 ? `WHERE ${all.join(" AND ")}` : "";
	}
}

function limitOf(page: KeysetPage | undefined): string {
	return page ? `LIMIT ${page.limit}` : "";
}

export const BILL_COLUMNS: ExportColumn[] = [
	{ name: "session", sql: "b.session", kind: "text", notNull: true },
	{ name: "number", sql: "b.number", kind: "text", notNull: true },
	{ name: "chamber", sql: "b.chamber", kind: "text", notNull: true },
	{ name: "title_en", sql: "b.title_en", kind: "text", notNull: true },
	{ name: "title_fr", sql: "b.title_fr", kind: "text" },
	{ name: "short_title_en", sql: "b.short_title_en", kind: "text" },
	{ name: "short_title_fr", sql: "b.short_title_fr", kind: "text" },
	{ name: "sponsor_politician", sql: "b.sponsor_politician_slug", kind: "text" },
	{ name: "sponsor_name", sql: "b.sponsor_name", kind: "text" },
	{ name: "status_code", sql: "b.status_code", kind: "text" },
	{ name: "status_text_en", sql: "b.status_text_en", kind: "text" },
	{ name: "status_date", sql: "b.status_date", kind: "date" },
	{ name: "introduced", sql: "b.introduced", kind: "date" },
	{ name: "law", sql: "b.law", kind: "boolean" },
	{ name: "private_member", sql: "b.private_member", kind: "boolean" },
	{ name: "government_bill", sql: "b.government_bill", kind: "boolean" },
	{ name: "legisinfo_id", sql: "b.legisinfo_id", kind: "integer" },
	{ name: "source", sql: "b.source", kind: "text", notNull: true },
	{ name: "updated_at", sql: "b.updated_at", kind: "timestamp", notNull: true }
];

export function billsRead(filters: BillsFilters): KeysetRead {
	const c = new Conditions();
	if (filters.session !== undefined) c.add("b.session = $?", filters.session);
	if (filters.status !== undefined) c.add("b.status_code = $?", filters.status);
	if (filters.chamber !== undefined) c.add("b.chamber = $?", filters.chamber);
	if (filters.sponsor !== undefined) c.add("b.sponsor_politician_slug = $?", filters.sponsor);
	if (filters.law !== undefined) c.add("b.law IS NOT DISTINCT FROM $?", filters.law);
	if (filters.private_member !== undefined) c.add("b.private_member IS NOT DISTINCT FROM $?", filters.private_member);
	if (filters.introduced_after !== undefined) c.add("b.introduced >= $?::date", filters.introduced_after);
	if (filters.introduced_before !== undefined) c.add("b.introduced <= $?::date", filters.introduced_before);
	if (filters.updated_since !== undefined) c.add("b.updated_at >= $?::timestamptz", filters.updated_since);
	if (filters.q !== undefined) {
		c.add("(b.search_en @@ websearch_to_tsquery('english', $?) OR b.search_fr @@ websearch_to_tsquery('french', $?))", filters.q, filters.q);
	}
	return {
		params: c.params,
		keyFields: ["session", "number"],
		statement: (page) => `SELECT b.session, b.number, ${recordSql(BILL_COLUMNS, formatOf(filters))} AS line
			FROM etl.bills b ${c.where(page, "b.session, b.number")} ORDER BY b.session, b.number ${limitOf(page)}`
	};
}

export const POLITICIAN_COLUMNS: ExportColumn[] = [
	{ name: "slug", sql: "p.slug", kind: "text", notNull: true },
	{ name: "name", sql: "p.name", kind: "text", notNull: true },
	{ name: "given_name", sql: "p.given_name", kind: "text" },
	{ name: "family_name", sql: "p.family_name", kind: "text" },
	{ name: "gender", sql: "p.gender", kind: "text" },
	{ name: "current", sql: "(m.id IS NOT NULL AND m.end_date IS NULL)", kind: "boolean" },
	{ name: "party", sql: "m.party_key", kind: "text" },
	{ name: "party_name", sql: "pa.short_name_en", kind: "text" },
	{ name: "riding", sql: "m.riding_name_en", kind: "text" },
	{ name: "riding_edid", sql: "m.riding_edid", kind: "text" },
	{ name: "province", sql: "m.province", kind: "text" },
	{ name: "image_url", sql: "p.image_url", kind: "text" },
	{ name: "updated_at", sql: "p.updated_at", kind: "timestamp", notNull: true }
];

export function politiciansRead(filters: PoliticiansFilters): KeysetRead {
	const c = new Conditions();
	// A member's party, riding and province are those of their latest membership.
	if (filters.include === "current") c.add("(m.id IS NOT NULL AND m.end_date IS NULL)");
	if (filters.include === "former") c.add("NOT (m.id IS NOT NULL AND m.end_date IS NULL)");
	if (filters.party !== undefined) c.add("m.party_key = $?", filters.party);
	if (filters.province !== undefined) c.add("m.province = $?", filters.province);
	if (filters.riding !== undefined) c.add("m.riding_edid = $?", filters.riding);
	// strpos, not LIKE: a `%` or `_` typed by a user is a character, not a wildcard.
	if (filters.name !== undefined) c.add("strpos(lower(p.name), lower($?)) > 0", filters.name);
	return {
		params: c.params,
		keyFields: ["slug"],
		statement: (page) => `SELECT p.slug, ${recordSql(POLITICIAN_COLUMNS, formatOf(filters))} AS line
			FROM etl.politicians p
			LEFT JOIN LATERAL (
				SELECT id, party_key, riding_name_en, riding_edid, province, end_date FROM etl.memberships
				WHERE politician_slug = p.slug ORDER BY start_date DESC, id DESC LIMIT 1
			) m ON true
			LEFT JOIN etl.parties pa ON pa.key = m.party_key
			${c.where(page, "p.slug")} ORDER BY p.slug ${limitOf(page)}`
	};
}

export const VOTE_COLUMNS: ExportColumn[] = [
	{ name: "session", sql: "v.session", kind: "text", notNull: true },
	{ name: "number", sql: "v.number", kind: "integer", notNull: true },
	{ name: "date", sql: "v.date", kind: "date", notNull: true },
	{ name: "description_en", sql: "v.description_en", kind: "text", notNull: true },
	{ name: "description_fr", sql: "v.description_fr", kind: "text" },
	{ name: "result", sql: "v.result", kind: "text", notNull: true },
	{ name: "yea_total", sql: "v.yea_total", kind: "integer", notNull: true },
	{ name: "nay_total", sql: "v.nay_total", kind: "integer", notNull: true },
	{ name: "paired_total", sql: "v.paired_total", kind: "integer", notNull: true },
	{ name: "bill_number", sql: "v.bill_number", kind: "text" },
	{ name: "updated_at", sql: "v.updated_at", kind: "timestamp", notNull: true }
];

export function votesRead(filters: VotesFilters): KeysetRead {
	const c = new Conditions();
	if (filters.session !== undefined) c.add("v.session = $?", filters.session);
	if (typeof filters.bill === "string") c.add("v.bill_number = $?", filters.bill);
	else if (filters.bill !== undefined) c.add("v.session = $? AND v.bill_number = $?", filters.bill.session, filters.bill.number);
	if (filters.result !== undefined) c.add("v.result = $?", filters.result);
	if (filters.date_after !== undefined) c.add("v.date >= $?::date", filters.date_after);
	if (filters.date_before !== undefined) c.add("v.date <= $?::date", filters.date_before);
	if (filters.updated_since !== undefined) c.add("v.updated_at >= $?::timestamptz", filters.updated_since);
	return {
		params: c.params,
		keyFields: ["session", "number"],
		statement: (page) => `SELECT v.session, v.number, ${recordSql(VOTE_COLUMNS, formatOf(filters))} AS line
			FROM etl.votes v ${c.where(page, "v.session, v.number")} ORDER BY v.session, v.number ${limitOf(page)}`
	};
}

/** The vote's part of a ballot record, formatted once per vote. */
const BALLOT_VOTE_COLUMNS: ExportColumn[] = [
	{ name: "session", sql: "v.session", kind: "text", notNull: true },
	{ name: "vote_number", sql: "v.vote_number", kind: "integer", notNull: true }
];
/** The ballot's own part; the loader writes no NULL slug, ballot or dissent (records/domain.ts). */
const BALLOT_OWN_COLUMNS: ExportColumn[] = [
	{ name: "politician", sql: "b.politician_slug", kind: "text", notNull: true },
	{ name: "membership_id", sql: "b.membership_id", kind: "text" },
	{ name: "ballot", sql: "b.ballot", kind: "text", notNull: true },
	{ name: "dissent", sql: "b.dissent", kind: "boolean", notNull: true }
];
export const BALLOT_COLUMNS: ExportColumn[] = [...BALLOT_VOTE_COLUMNS, ...BALLOT_OWN_COLUMNS];

/** Votes a fetched batch of ballots spans: about 7,000 ballots, a few hundred kB of text. */
export const BALLOT_VOTES_PER_BATCH = 20;

export function ballotsRead(filters: BallotsFilters): KeysetRead {
	const votes = new Conditions();
	if (filters.session !== undefined) votes.add("v.session = $?", filters.session);
	if (filters.vote !== undefined) votes.add("v.session = $? AND v.vote_number = $?", filters.vote.session, filters.vote.number);
	// The same tests on the vote row's arrays skip votes with no matching ballot without unnesting them.
	if (filters.politician !== undefined) votes.add("$? = ANY (v.politician_slugs)", filters.politician);
	if (filters.ballot !== undefined) votes.add("$? = ANY (v.ballots)", filters.ballot);
	if (filters.dissent === true) votes.add("true = ANY (v.dissent)");
	const ballots: string[] = [];
	const at = (value: unknown): string => {
		votes.params.push(value);
		return `$${votes.params.length}`;
	};
	if (filters.politician !== undefined) ballots.push(`b.politician_slug = ${at(filters.politician)}`);
	if (filters.ballot !== undefined) ballots.push(`b.ballot = ${at(filters.ballot)}`);
	if (filters.dissent !== undefined) ballots.push(`b.dissent = ${at(filters.dissent)}`);
	const format = formatOf(filters);
	// CSV: the vote's fields are formatted once (the lateral `p`), not once per ballot.
	const record = format === "csv" ? `p.prefix || ${csvFieldsSql(BALLOT_OWN_COLUMNS)}` : recordSql(BALLOT_COLUMNS, format);
	return {
		params: votes.params,
		keyFields: ["session", "vote_number"],
		// unnest's function scan yields elements in array order, which string_agg keeps (as the
		// etl.ballots view does); an ORDER BY ordinality here cost a sort per vote.
		statement: (page) => `SELECT v.session, v.vote_number, (
				SELECT string_agg(${record}, ${recordEndSql(format)})
				FROM unnest(v.politician_slugs, v.membership_ids, v.ballots, v.dissent) AS b(politician_slug, membership_id, ballot, dissent)
				${ballots.length > 0 ? `WHERE ${ballots.join(" AND ")}` : ""}
			) AS line
			FROM etl.vote_ballots v CROSS JOIN LATERAL (SELECT ${csvFieldsSql(BALLOT_VOTE_COLUMNS, true)} AS prefix) p
			${votes.where(page, "v.session, v.vote_number")} ORDER BY v.session, v.vote_number ${limitOf(page)}`
	};
}

function formatOf(filters: { format: ExportFormat }): ExportFormat {
	return filters.format;
}

/** The record end between a vote's ballots, as an SQL escape-string literal. */
function recordEndSql(format: ExportFormat): string {
	return format === "csv" ? "E'\\r\\n'" : "E'\\n'";
}

export const EXPORT_COLUMNS: Record<ExportResource, readonly ExportColumn[]> = {
	bills: BILL_COLUMNS,
	politicians: POLITICIAN_COLUMNS,
	votes: VOTE_COLUMNS,
	ballots: BALLOT_COLUMNS
};
