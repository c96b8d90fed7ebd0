/**
 * A member's voting record in figures (README.md, "The voting record"), per session and
 * overall, with the dissenting ballots: one SQL statement over the member's own rows of
 * `etl.member_ballots`, which carry each ballot's party position and free-vote flag as the ETL
 * counted them when it wrote the ballots (docs/decisions/0038).
 */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { memberBallotsSql } from "../../shared/voting-record-sql.ts";
import { isoDate } from "./sql.ts";

export type RecordFigures = {
	votes_cast: number;
	paired: number;
	missed: number;
	/** Yes/No ballots on votes where the member's party had a position: the denominator of votes_with_party_pct. */
	votes_with_party_position: number;
	votes_with_party: number;
	votes_with_party_pct: number | null;
	missed_votes_pct: number | null;
}

export type DissentingBallot = {
	session: string;
	vote_number: number;
	date: string | null;
	description_en: string | null;
	ballot: "Yes" | "No";
	party: string;
	party_position: "Yes" | "No";
	free_vote: boolean;
	url: string;
}

export interface VotingRecord {
	overall: RecordFigures;
	sessions: (RecordFigures & { session: string })[];
	dissent: DissentingBallot[];
}

const FIGURES = `count(*) FILTER (WHERE ballot IN ('Yes', 'No'))::int AS votes_cast,
	count(*) FILTER (WHERE ballot = 'Paired')::int AS paired,
	count(*) FILTER (WHERE ballot = 'Didn''t vote')::int AS missed,
	count(*) FILTER (WHERE ballot IN ('Yes', 'No') AND party_position IS NOT NULL)::int AS votes_with_party_position,
	count(*) FILTER (WHERE ballot = party_position)::int AS votes_with_party,
	round(100.0 * count(*) FILTER (WHERE ballot = party_position)
		/ nullif(count(*) FILTER (WHERE ballot IN ('Yes', 'No') AND party_position IS NOT NULL), 0), 1)::float8 AS votes_with_party_pct,
	round(100.0 * count(*) FILTER (WHERE ballot = 'Didn''t vote')
		/ nullif(count(*) FILTER (WHERE ballot IN ('Yes', 'No', 'Paired', 'Didn''t vote')), 0), 1)::float8 AS missed_votes_pct`;

/** Newest parliament and session first. */
export function sessionOrderDesc(column = "session"): string {
	return `split_part(${column}, '-', 1)::int DESC, split_part(${column}, '-', 2)::int DESC`;
}

export async function votingRecord(db: SqlExecutor, slug: string): Promise<VotingRecord> {
	const { rows } = await db.query<{ overall: RecordFigures; sessions: VotingRecord["sessions"]; dissent: DissentingBallot[] }>(
		`WITH judged AS (${memberBallotsSql("$1")})
		SELECT
			(SELECT row_to_json(o) FROM (SELECT ${FIGURES} FROM judged) o) AS overall,
			(SELECT coalesce(json_agg(s ORDER BY ${sessionOrderDesc()}), '[]'::json)
				FROM (SELECT session, ${FIGURES} FROM judged GROUP BY session) s) AS sessions,
			(SELECT coalesce(json_agg(d ORDER BY d.date, d.session, d.vote_number), '[]'::json) FROM (
				SELECT j.session, j.vote_number, ${isoDate("v.date")} AS date, v.description_en, j.ballot, j.party_key AS party,
					j.party_position, j.free_vote, '/api/v1/votes/' || j.session || '/' || j.vote_number AS url
				FROM judged j LEFT JOIN etl.votes v ON v.session = j.session AND v.number = j.vote_number
				WHERE j.dissent) d) AS dissent`,
		[slug]
	);
	const row = rows[0];
	if (!row) throw new Error("The record query returned no row");
	return { overall: row.overall, sessions: row.sessions, dissent: row.dissent };
}
