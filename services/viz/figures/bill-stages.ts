/**
 * Bills by stage per session: each bill counted once, at the latest stage it reached (the stage
 * with the latest date; on one day, the later in the legislative order), one bar trace per session.
 * A bill with no stage recorded is counted as such, so every session's bars add up to its bills.
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { type Figure, type Lang, separatorsFor } from "./figure.ts";

export const STAGES = [
	["house-first-reading", { en: "House 1st reading", fr: "1re lecture (Chambre)" }],
	["house-second-reading", { en: "House 2nd reading", fr: "2e lecture (Chambre)" }],
	["house-third-reading", { en: "House 3rd reading", fr: "3e lecture (Chambre)" }],
	["senate-first-reading", { en: "Senate 1st reading", fr: "1re lecture (Sénat)" }],
	["senate-second-reading", { en: "Senate 2nd reading", fr: "2e lecture (Sénat)" }],
	["senate-third-reading", { en: "Senate 3rd reading", fr: "3e lecture (Sénat)" }],
	["royal-assent", { en: "Royal assent", fr: "Sanction royale" }],
	["none", { en: "No stage recorded", fr: "Aucune étape" }]
] as const;

export type Stage = (typeof STAGES)[number][0];

const ORDER_SQL = `array_position(ARRAY[${STAGES.map(([s]) => `'${s}'`).join(", ")}]::text[], s.stage)`;

export async function billStageCounts(db: SqlExecutor, session: string | undefined): Promise<{ session: string; stage: Stage; bills: number }[]> {
	const { rows } = await db.query<{ session: string; stage: Stage; bills: number }>(
		`SELECT b.session, coalesce(latest.stage, 'none') AS stage, count(*)::int AS bills
		FROM etl.bills b
		LEFT JOIN LATERAL (
			SELECT s.stage FROM etl.bill_stages s WHERE s.session = b.session AND s.bill_number = b.number
			ORDER BY s.date DESC, ${ORDER_SQL} DESC LIMIT 1
		) latest ON true
		WHERE $1::text IS NULL OR b.session = $1
		GROUP BY b.session, coalesce(latest.stage, 'none')
		ORDER BY split_part(b.session, '-', 1)::int, split_part(b.session, '-', 2)::int`,
		[session ?? null]
	);
	return rows;
}

export async function billStagesFigure(db: SqlExecutor, session: string | undefined, lang: Lang): Promise<Figure> {
	const counts = await billStageCounts(db, session);
	const sessions = [...new Set(counts.map((c) => c.session))];
	return {
		data: sessions.map((s) => ({
			type: "bar" as const,
			name: s,
			x: STAGES.map(([, label]) => label[lang]),
			y: STAGES.map(([stage]) => counts.find((c) => c.session === s && c.stage === stage)?.bills ?? 0),
			hovertemplate: "%{x}: %{y}<extra>%{fullData.name}</extra>"
		})),
		layout: {
			title: { text: lang === "fr" ? `Projets de loi par étape${session ? `, session ${session}` : " et par session"}` : `Bills by stage${session ? `, session ${session}` : " per session"}` },
			barmode: "group",
			xaxis: { title: { text: lang === "fr" ? "Dernière étape franchie" : "Latest stage reached" }, type: "category" },
			yaxis: { title: { text: lang === "fr" ? "Projets de loi" : "Bills" }, rangemode: "tozero" },
			legend: { orientation: "h" },
			separators: separatorsFor(lang)
		}
	};
}
