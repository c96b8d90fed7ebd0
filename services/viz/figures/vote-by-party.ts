/** One vote's ballots by party, stacked by ballot (Yes, No, Paired, Didn't vote): the counts the web API's party results give. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { partyTalliesSql } from "../../shared/voting-record-sql.ts";
import { BALLOT_COLOURS, BALLOT_LABELS, type Figure, type Lang, separatorsFor } from "./figure.ts";

type Tally = { party_key: string | null; short_name_en: string | null; short_name_fr: string | null; yes: number; no: number; paired: number; didnt_vote: number };

const NO_PARTY = { en: "No party", fr: "Sans parti" } as const;

export async function voteByPartyFigure(db: SqlExecutor, session: string, number: number, lang: Lang): Promise<Figure | undefined> {
	const vote = await db.query<{ description_en: string; description_fr: string | null; date: string }>(
		"SELECT description_en, description_fr, to_char(date, 'YYYY-MM-DD') AS date FROM etl.votes WHERE session = $1 AND number = $2",
		[session, number]
	);
	const row = vote.rows[0];
	if (!row) return undefined;
	const { rows } = await db.query<Tally>(
		`SELECT t.party_key, pa.short_name_en, pa.short_name_fr, t.yes, t.no, t.paired, t.didnt_vote
		FROM (${partyTalliesSql("v.session = $1 AND v.vote_number = $2")}) t LEFT JOIN etl.parties pa ON pa.key = t.party_key
		ORDER BY t.yes + t.no + t.paired + t.didnt_vote DESC, t.party_key NULLS LAST`,
		[session, number]
	);
	const parties = rows.map((r) => (r.party_key === null ? NO_PARTY[lang] : ((lang === "fr" ? r.short_name_fr : null) ?? r.short_name_en ?? r.party_key)));
	const column = { Yes: "yes", No: "no", Paired: "paired", "Didn't vote": "didnt_vote" } as const;
	const description = (lang === "fr" ? row.description_fr : null) ?? row.description_en;
	return {
		data: (Object.keys(column) as (keyof typeof column)[]).map((ballot) => ({
			type: "bar" as const,
			name: BALLOT_LABELS[ballot][lang],
			x: parties,
			y: rows.map((r) => r[column[ballot]]),
			marker: { color: BALLOT_COLOURS[ballot] },
			hovertemplate: "%{x}: %{y}<extra>%{fullData.name}</extra>"
		})),
		layout: {
			title: { text: lang === "fr" ? `Vote n° ${number} (${session}), ${row.date} : ${description}` : `Vote ${number} (${session}), ${row.date}: ${description}` },
			barmode: "stack",
			xaxis: { title: { text: lang === "fr" ? "Parti" : "Party" }, type: "category" },
			yaxis: { title: { text: lang === "fr" ? "Députés" : "Members" }, rangemode: "tozero" },
			legend: { orientation: "h" },
			separators: separatorsFor(lang)
		}
	};
}
