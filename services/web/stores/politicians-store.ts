/** Politicians: current by default, their memberships, their latest ballots. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import type { PoliticiansParams } from "../params.ts";
import { Conditions, isoDate } from "./sql.ts";
import { prefixQuery, tsquerySql } from "../../shared/text-query.ts";

export type PartyRef = {
	key: string;
	short_name_en: string;
	name_en: string | null;
}

export type MembershipView = {
	id: string;
	party: PartyRef | null;
	riding: { edid: string; name_en: string; ocd_id: string | null };
	province: string;
	start_date: string;
	end_date: string | null;
}

export type PoliticianSummary = {
	slug: string;
	name: string;
	given_name: string | null;
	family_name: string | null;
	gender: string | null;
	image_url: string | null;
	current: boolean;
	/** The current membership, or the last one of a former member. */
	membership: MembershipView | null;
	url: string;
}

type PoliticianRow = {
	slug: string;
	name: string;
	given_name: string | null;
	family_name: string | null;
	gender: string | null;
	image_url: string | null;
	membership: MembershipView | null;
	total?: number;
}

/** A membership as JSON, with its party and the OCD id of the riding it was held in (m: etl.memberships). */
const MEMBERSHIP_JSON = `json_build_object(
	'id', m.id,
	'party', CASE WHEN pa.key IS NULL THEN NULL ELSE json_build_object('key', pa.key, 'short_name_en', pa.short_name_en, 'name_en', pa.name_en) END,
	'riding', json_build_object('edid', m.riding_edid, 'name_en', m.riding_name_en, 'ocd_id', (
		SELECT r.ocd_id FROM etl.ridings r WHERE r.edid = m.riding_edid
		ORDER BY ((r.valid_from IS NULL OR r.valid_from <= m.start_date) AND (r.valid_through IS NULL OR r.valid_through > m.start_date)) DESC, r.valid_from DESC NULLS LAST
		LIMIT 1)),
	'province', m.province,
	'start_date', ${isoDate("m.start_date")},
	'end_date', ${isoDate("m.end_date")})`;

/** The politician's current membership, else their last one, as `lm` (with `lm.membership` as JSON). */
const LATEST_MEMBERSHIP = `LEFT JOIN LATERAL (
	SELECT m.id, m.party_key, m.riding_edid, m.province, m.end_date, ${MEMBERSHIP_JSON} AS membership
	FROM etl.memberships m LEFT JOIN etl.parties pa ON pa.key = m.party_key
	WHERE m.politician_slug = p.slug
	ORDER BY (m.end_date IS NULL) DESC, m.start_date DESC, m.id DESC
	LIMIT 1
) lm ON true`;

const COLUMNS = "p.slug, p.name, p.given_name, p.family_name, p.gender, p.image_url, lm.membership";

export function politicianUrl(slug: string): string {
	return `/api/v1/politicians/${slug}`;
}

function toSummary(row: PoliticianRow): PoliticianSummary {
	return {
		slug: row.slug,
		name: row.name,
		given_name: row.given_name,
		family_name: row.family_name,
		gender: row.gender,
		image_url: row.image_url,
		current: row.membership !== null && row.membership.end_date === null,
		membership: row.membership,
		url: politicianUrl(row.slug)
	};
}

export async function listPoliticians(db: SqlExecutor, params: ParamsOf<typeof PoliticiansParams>): Promise<{ objects: PoliticianSummary[]; total: number }> {
	const where = new Conditions();
	if (params.include === "current") where.add("lm.id IS NOT NULL AND lm.end_date IS NULL");
	if (params.include === "former") where.add("(lm.id IS NULL OR lm.end_date IS NOT NULL)");
	if (params.party !== undefined) where.add("lm.party_key = ?", params.party);
	if (params.province !== undefined) where.add("lm.province = ?", params.province);
	if (params.riding !== undefined) where.add("lm.riding_edid = ?", /(\d{5})(-\d{4})?$/.exec(params.riding)?.[1] ?? params.riding);
	if (params.name !== undefined) where.add(`p.search @@ ${tsquerySql(where.param(prefixQuery(params.name, "name")))}`);
	const filter = where.sql;
	const limit = where.param(params.limit);
	const offset = where.param(params.offset);
	const from = `etl.politicians p ${LATEST_MEMBERSHIP}`;
	const { rows } = await db.query<PoliticianRow>(
		`SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM ${from} WHERE ${filter}
		ORDER BY coalesce(p.family_name, p.name), p.name, p.slug LIMIT ${limit} OFFSET ${offset}`,
		where.params
	);
	let total = rows[0]?.total ?? 0;
	if (rows.length === 0 && params.offset > 0) {
		const counted = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from} WHERE ${filter}`, where.params.slice(0, -2));
		total = counted.rows[0]?.n ?? 0;
	}
	return { objects: rows.map(toSummary), total };
}

export interface PoliticianDetail extends PoliticianSummary {
	memberships: MembershipView[];
}

export async function getPolitician(db: SqlExecutor, slug: string): Promise<PoliticianDetail | undefined> {
	const { rows } = await db.query<PoliticianRow & { memberships: MembershipView[] }>(
		`SELECT ${COLUMNS}, (
			SELECT coalesce(json_agg(${MEMBERSHIP_JSON} ORDER BY m.start_date DESC, m.id DESC), '[]'::json)
			FROM etl.memberships m LEFT JOIN etl.parties pa ON pa.key = m.party_key WHERE m.politician_slug = p.slug
		) AS memberships
		FROM etl.politicians p ${LATEST_MEMBERSHIP} WHERE p.slug = $1`,
		[slug]
	);
	const row = rows[0];
	return row ? { ...toSummary(row), memberships: row.memberships } : undefined;
}

export async function politicianExists(db: SqlExecutor, slug: string): Promise<boolean> {
	const { rows } = await db.query("SELECT 1 FROM etl.politicians WHERE slug = $1", [slug]);
	return rows.length > 0;
}
