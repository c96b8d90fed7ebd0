/** The politicians and memberships House of Commons records are matched to (records/member-match.ts), read once per run. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { MemberDirectory } from "../records/member-match.ts";

export async function readMemberDirectory(db: SqlExecutor): Promise<MemberDirectory> {
	const politicians = await db.query<{ slug: string; name: string; given_name: string | null; family_name: string | null; parl_person_id: string | null }>(
		"SELECT slug, name, given_name, family_name, parl_person_id FROM etl.politicians ORDER BY slug"
	);
	const memberships = await db.query<{ id: string; politician_slug: string; riding_name_en: string; start_date: string; end_date: string | null }>(
		"SELECT id, politician_slug, riding_name_en, start_date::text AS start_date, end_date::text AS end_date FROM etl.memberships ORDER BY id"
	);
	return {
		politicians: politicians.rows.map((p) => ({ slug: p.slug, name: p.name, givenName: p.given_name, familyName: p.family_name, parlPersonId: p.parl_person_id })),
		memberships: memberships.rows.map((m) => ({ id: m.id, slug: m.politician_slug, ridingName: m.riding_name_en, startDate: m.start_date, endDate: m.end_date }))
	};
}
