/**
 * One search over bills and politicians: the `search` columns of migration etl/005 (English and
 * French, accents ignored, GIN-indexed), prefix matching, ranked with ts_rank, and a highlighted
 * snippet per hit. Snippets are HTML: the text is escaped before ts_headline marks the matches
 * with <mark>, so a title holding "<" cannot become markup in a page that shows the snippet.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import type { SearchParams } from "../params.ts";
import { prefixQuery } from "../../shared/text-query.ts";

export type SearchHit = {
	kind: "bill" | "politician";
	id: string;
	title: string;
	snippet: string;
	rank: number;
	url: string;
}

type HitRow = {
	kind: "bill" | "politician";
	id: string;
	title: string;
	snippet_en: string;
	snippet_fr: string;
	rank: number;
	url: string;
	total: number;
}

const escapeHtml = (column: string): string => `replace(replace(replace(${column}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')`;
const HEADLINE = "'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'";

export async function search(db: SqlExecutor, params: ParamsOf<typeof SearchParams>): Promise<{ objects: SearchHit[]; total: number }> {
	const query = prefixQuery(params.q, "q");
	const kinds = params.kind ? [params.kind] : ["bill", "politician"];
	const { rows } = await db.query<HitRow>(
		`WITH q AS (SELECT to_tsquery('etl.english_unaccent', $1) AS en, to_tsquery('etl.french_unaccent', $1) AS fr),
		hits AS (
			SELECT 'bill' AS kind, b.session || '/' || b.number AS id, ts_rank(b.search, q.en || q.fr) AS rank,
				b.number || ' ' || coalesce(b.short_title_en || ': ', '') || b.title_en AS text_en,
				b.number || ' ' || coalesce(b.short_title_fr || ': ', '') || coalesce(b.title_fr, '') AS text_fr,
				coalesce(b.short_title_en, b.title_en) AS title, '/api/v1/bills/' || b.session || '/' || b.number AS url
			FROM etl.bills b, q WHERE 'bill' = ANY($2::text[]) AND b.search @@ (q.en || q.fr)
			UNION ALL
			SELECT 'politician', p.slug, ts_rank(p.search, q.en || q.fr), p.name, p.name, p.name, '/api/v1/politicians/' || p.slug
			FROM etl.politicians p, q WHERE 'politician' = ANY($2::text[]) AND p.search @@ (q.en || q.fr)
		),
		page AS (SELECT h.*, count(*) OVER ()::int AS total FROM hits h ORDER BY h.rank DESC, h.kind, h.id LIMIT $3 OFFSET $4)
		SELECT page.kind, page.id, page.title, page.rank::float8 AS rank, page.url, page.total,
			ts_headline('etl.english_unaccent', ${escapeHtml("page.text_en")}, q.en, ${HEADLINE}) AS snippet_en,
			ts_headline('etl.french_unaccent', ${escapeHtml("page.text_fr")}, q.fr, ${HEADLINE}) AS snippet_fr
		FROM page, q ORDER BY page.rank DESC, page.kind, page.id`,
		[query, kinds, params.limit, params.offset]
	);
	let total = rows[0]?.total ?? 0;
	if (rows.length === 0 && params.offset > 0) {
		const counted = await db.query<{ n: number }>(
			`WITH q AS (SELECT to_tsquery('etl.english_unaccent', $1) || to_tsquery('etl.french_unaccent', $1) AS tsq)
			SELECT ((SELECT count(*) FROM etl.bills b, q WHERE 'bill' = ANY($2::text[]) AND b.search @@ q.tsq)
				+ (SELECT count(*) FROM etl.politicians p, q WHERE 'politician' = ANY($2::text[]) AND p.search @@ q.tsq))::int AS n`,
			[query, kinds]
		);
		total = counted.rows[0]?.n ?? 0;
	}
	return {
		objects: rows.map((r) => ({
			kind: r.kind,
			id: r.id,
			title: r.title,
			// The language whose words matched: English unless only the French text has a match.
			snippet: !r.snippet_en.includes("<mark>") && r.snippet_fr.includes("<mark>") ? r.snippet_fr : r.snippet_en,
			rank: r.rank,
			url: r.url
		})),
		total
	};
}
