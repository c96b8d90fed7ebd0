/** Votes (divisions) held per month, across sessions or in one. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { type Figure, type Lang, MONTH, separatorsFor } from "./figure.ts";

export async function votesByMonth(db: SqlExecutor, session: string | undefined): Promise<{ month: string; votes: number }[]> {
	const { rows } = await db.query<{ month: string; votes: number }>(
		"SELECT to_char(date, 'YYYY-MM') AS month, count(*)::int AS votes FROM etl.votes WHERE $1::text IS NULL OR session = $1 GROUP BY 1 ORDER BY 1",
		[session ?? null]
	);
	return rows;
}

export async function activityFigure(db: SqlExecutor, session: string | undefined, lang: Lang): Promise<Figure> {
	const months = await votesByMonth(db, session);
	return {
		data: [{ type: "bar", name: lang === "fr" ? "Votes" : "Votes", x: months.map((m) => m.month), y: months.map((m) => m.votes), marker: { color: "#6a1b9a" }, hovertemplate: "%{x}: %{y}<extra></extra>" }],
		layout: {
			title: { text: lang === "fr" ? `Votes par mois${session ? `, session ${session}` : ""}` : `Votes per month${session ? `, session ${session}` : ""}` },
			xaxis: { title: { text: MONTH[lang] }, type: "category" },
			yaxis: { title: { text: lang === "fr" ? "Votes tenus" : "Votes held" }, rangemode: "tozero" },
			showlegend: false,
			separators: separatorsFor(lang)
		}
	};
}
