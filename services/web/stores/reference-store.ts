/** Parties, ridings (with their current member) and sessions. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import type { PartiesParams, RidingsParams, SessionsParams } from "../params.ts";
import { sessionOrderDesc } from "./record-store.ts";
import { Conditions, isoDate } from "./sql.ts";
import { prefixQuery, tsquerySql } from "../../shared/text-query.ts";

type Counted<T> = T & { total?: number };

async function paged<T>(db: SqlExecutor, sql: string, countSql: string, where: Conditions, limit: number, offset: number): Promise<{ objects: T[]; total: number }> {
	const params = [...where.params, limit, offset];
	const { rows } = await db.query<Counted<T> & Record<string, unknown>>(`${sql} LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
	let total = rows[0]?.total ?? 0;
	if (rows.length === 0 && offset > 0) total = (await db.query<{ n: number }>(countSql, where.params)).rows[0]?.n ?? 0;
	return { objects: rows.map(({ total: _total, ...rest }) => rest as unknown as T), total };
}

export type PartyView = {
	key: string;
	short_name_en: string;
	short_name_fr: string | null;
	name_en: string | null;
	name_fr: string | null;
	current_members: number;
}

export function listParties(db: SqlExecutor, params: ParamsOf<typeof PartiesParams>): Promise<{ objects: PartyView[]; total: number }> {
	return paged<PartyView>(
		db,
		`SELECT pa.key, pa.short_name_en, pa.short_name_fr, pa.name_en, pa.name_fr,
			(SELECT count(DISTINCT m.politician_slug)::int FROM etl.memberships m WHERE m.party_key = pa.key AND m.end_date IS NULL) AS current_members,
			count(*) OVER ()::int AS total
		FROM etl.parties pa ORDER BY current_members DESC, pa.short_name_en`,
		"SELECT count(*)::int AS n FROM etl.parties",
		new Conditions(),
		params.limit,
		params.offset
	);
}

export type RidingView = {
	ocd_id: string;
	edid: string;
	name_en: string;
	name_fr: string;
	province: string;
	valid_from: string | null;
	valid_through: string | null;
	url: string;
}

const RIDING_COLUMNS = `r.ocd_id, r.edid, r.name_en, r.name_fr, r.province, ${isoDate("r.valid_from")} AS valid_from, ${isoDate("r.valid_through")} AS valid_through,
	'/api/v1/ridings/' || replace(r.ocd_id, '/', '%2F') AS url`;

export function listRidings(db: SqlExecutor, params: ParamsOf<typeof RidingsParams>): Promise<{ objects: RidingView[]; total: number }> {
	const where = new Conditions();
	if (params.province !== undefined) where.add("r.province = ?", params.province);
	if (params.current !== undefined) where.add("(r.valid_through IS NULL) = ?", params.current);
	// Riding names are not in the etl search columns; a name search over 700 rows needs no index.
	if (params.name !== undefined) {
		const query = where.param(prefixQuery(params.name, "name"));
		where.add(`(to_tsvector('etl.english_unaccent', r.name_en) || to_tsvector('etl.french_unaccent', r.name_fr)) @@ ${tsquerySql(query)}`);
	}
	return paged<RidingView>(
		db,
		`SELECT ${RIDING_COLUMNS}, count(*) OVER ()::int AS total FROM etl.ridings r WHERE ${where.sql} ORDER BY r.province, r.name_en, r.ocd_id`,
		`SELECT count(*)::int AS n FROM etl.ridings r WHERE ${where.sql}`,
		where,
		params.limit,
		params.offset
	);
}

export type CurrentMember = {
	slug: string;
	name: string;
	party: { key: string; short_name_en: string } | null;
	since: string;
	url: string;
}

/**
 * A riding with its member: the one whose membership in this district number is open and began
 * while this riding (this representation order) was in force.
 */
export async function getRiding(db: SqlExecutor, ocdId: string): Promise<(RidingView & { current_member: CurrentMember | null }) | undefined> {
	const { rows } = await db.query<RidingView & { current_member: CurrentMember | null }>(
		`SELECT ${RIDING_COLUMNS}, (
			SELECT json_build_object('slug', p.slug, 'name', p.name,
				'party', CASE WHEN pa.key IS NULL THEN NULL ELSE json_build_object('key', pa.key, 'short_name_en', pa.short_name_en) END,
				'since', ${isoDate("m.start_date")}, 'url', '/api/v1/politicians/' || p.slug)
			FROM etl.memberships m JOIN etl.politicians p ON p.slug = m.politician_slug LEFT JOIN etl.parties pa ON pa.key = m.party_key
			WHERE m.riding_edid = r.edid AND m.end_date IS NULL
				AND (r.valid_from IS NULL OR m.start_date >= r.valid_from) AND (r.valid_through IS NULL OR m.start_date < r.valid_through)
			ORDER BY m.start_date DESC LIMIT 1
		) AS current_member
		FROM etl.ridings r WHERE r.ocd_id = $1`,
		[ocdId]
	);
	return rows[0];
}

export type SessionView = {
	id: string;
	parliament: number;
	session: number;
	bills: number;
	votes: number;
	first_vote: string | null;
	last_vote: string | null;
}

export function listSessions(db: SqlExecutor, params: ParamsOf<typeof SessionsParams>): Promise<{ objects: SessionView[]; total: number }> {
	return paged<SessionView>(
		db,
		`SELECT s.id, s.parliament, s.session,
			(SELECT count(*)::int FROM etl.bills b WHERE b.session = s.id) AS bills,
			v.votes, ${isoDate("v.first_vote")} AS first_vote, ${isoDate("v.last_vote")} AS last_vote,
			count(*) OVER ()::int AS total
		FROM etl.sessions s
		CROSS JOIN LATERAL (SELECT count(*)::int AS votes, min(date) AS first_vote, max(date) AS last_vote FROM etl.votes WHERE session = s.id) v
		ORDER BY ${sessionOrderDesc("s.id")}`,
		"SELECT count(*)::int AS n FROM etl.sessions",
		new Conditions(),
		params.limit,
		params.offset
	);
}
