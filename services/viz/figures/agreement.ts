/**
 * A politician's agreement with their party by month, with the voting record's definition
 * (README.md, "The voting record"; services/shared/voting-record-sql.ts): per month of the votes' dates, the member's
 * Yes/No ballots equal to their party's position over their Yes/No ballots on votes where the
 * party had one, × 100, one decimal. Months without such a ballot have no point.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { memberBallotsSql } from "../../shared/voting-record-sql.ts";
import { type Figure, type Lang, MONTH, separatorsFor } from "./figure.ts";

export type MonthAgreement = { month: string; with_party: number; with_position: number; pct: number };

export async function agreementByMonth(db: SqlExecutor, slug: string): Promise<MonthAgreement[]> {
	const { rows } = await db.query<MonthAgreement>(
		`WITH judged AS (${memberBallotsSql("$1")})
		SELECT to_char(v.date, 'YYYY-MM') AS month,
			count(*) FILTER (WHERE j.ballot = j.party_position)::int AS with_party,
			count(*) FILTER (WHERE j.ballot IN ('Yes', 'No') AND j.party_position IS NOT NULL)::int AS with_position,
			round(100.0 * count(*) FILTER (WHERE j.ballot = j.party_position)
				/ count(*) FILTER (WHERE j.ballot IN ('Yes', 'No') AND j.party_position IS NOT NULL), 1)::float8 AS pct
		FROM judged j JOIN etl.votes v ON v.session = j.session AND v.number = j.vote_number
		GROUP BY 1
		HAVING count(*) FILTER (WHERE j.ballot IN ('Yes', 'No') AND j.party_position IS NOT NULL) > 0
		ORDER BY 1`,
		[slug]
	);
	return rows;
}

export async function agreementFigure(db: SqlExecutor, slug: string, lang: Lang): Promise<Figure | undefined> {
	const politician = await db.query<{ name: string }>("SELECT name FROM etl.politicians WHERE slug = $1", [slug]);
	const name = politician.rows[0]?.name;
	if (name === undefined) return undefined;
	const months = await agreementByMonth(db, slug);
	return {
		data: [
			{
				type: "scatter",
				mode: "lines+markers",
				name: lang === "fr" ? "Avec son parti" : "With party",
				x: months.map((m) => m.month),
				y: months.map((m) => m.pct),
				customdata: months.map((m) => [m.with_party, m.with_position]),
				line: { color: "#1565c0" },
				hovertemplate: lang === "fr" ? "%{x} : %{y} % (%{customdata[0]} sur %{customdata[1]})<extra></extra>" : "%{x}: %{y}% (%{customdata[0]} of %{customdata[1]})<extra></extra>"
			}
		],
		layout: {
			title: { text: lang === "fr" ? `${name} : votes avec son parti, par mois` : `${name}: votes with party, by month` },
			xaxis: { title: { text: MONTH[lang] }, type: "category" },
			yaxis: { title: { text: lang === "fr" ? "Votes avec le parti (%)" : "Votes with party (%)" }, range: [0, 100], ticksuffix: "%" },
			showlegend: false,
			hovermode: "closest",
			separators: separatorsFor(lang)
		}
	};
}
