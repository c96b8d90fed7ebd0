/** A member's most recent ballots, for their detail page. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { memberBallotsSql } from "../../shared/voting-record-sql.ts";
import { isoDate } from "./sql.ts";

export type LatestBallot = {
	session: string;
	vote_number: number;
	date: string | null;
	description_en: string | null;
	ballot: string;
	url: string;
}

export async function latestBallots(db: SqlExecutor, slug: string, limit: number): Promise<LatestBallot[]> {
	const { rows } = await db.query<LatestBallot>(
		`SELECT b.session, b.vote_number, ${isoDate("v.date")} AS date, v.description_en, b.ballot, '/api/v1/votes/' || b.session || '/' || b.vote_number AS url
		FROM (${memberBallotsSql("$1")}) b LEFT JOIN etl.votes v ON v.session = b.session AND v.number = b.vote_number
		ORDER BY v.date DESC NULLS LAST, split_part(b.session, '-', 1)::int DESC, split_part(b.session, '-', 2)::int DESC, b.vote_number DESC
		LIMIT $2`,
		[slug, limit]
	);
	return rows;
}
