/** Ballots of a vote or of a member, each with its party's position and whether it was dissent (README.md's definitions). */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import type { ParamsOf } from "../../../runtime/validation/zod-params.ts";
import type { BallotsParams } from "../params.ts";
import { memberBallotsSql, voteBallotsSql } from "../../shared/voting-record-sql.ts";
import { Conditions, isoDate } from "./sql.ts";

export type BallotView = {
	vote: { session: string; number: number; date: string | null; description_en: string | null; url: string };
	politician: { slug: string; name: string | null; url: string };
	party: string | null;
	ballot: string;
	party_position: "Yes" | "No" | null;
	free_vote: boolean;
	dissent: boolean;
}

type BallotRow = {
	session: string;
	vote_number: number;
	date: string | null;
	description_en: string | null;
	politician_slug: string;
	politician_name: string | null;
	party_key: string | null;
	ballot: string;
	party_position: "Yes" | "No" | null;
	free_vote: boolean;
	dissent: boolean;
	total: number;
}

export async function listBallots(db: SqlExecutor, params: ParamsOf<typeof BallotsParams>): Promise<{ objects: BallotView[]; total: number }> {
	const picked = new Conditions();
	let source: string;
	if (params.vote !== undefined) {
		const [session, number] = params.vote.split("/");
		picked.add("b.session = ?", session).add("b.vote_number = ?::int", Number(number));
		if (params.politician !== undefined) picked.add("b.politician_slug = ?", params.politician);
		source = voteBallotsSql(picked.sql);
	} else {
		source = memberBallotsSql(picked.param(params.politician));
	}
	const where = new Conditions();
	if (params.ballot !== undefined) where.add("j.ballot = ?", params.ballot);
	if (params.dissent !== undefined) where.add("j.dissent = ?", params.dissent);
	// Placeholders continue after those of `picked`.
	const filter = where.sql.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + picked.params.length}`);
	const all = [...picked.params, ...where.params];
	const { rows } = await db.query<BallotRow>(
		`WITH judged AS (${source}),
		chosen AS (SELECT j.*, count(*) OVER ()::int AS total FROM judged j WHERE ${filter})
		SELECT c.session, c.vote_number, ${isoDate("v.date")} AS date, v.description_en, c.politician_slug, pol.name AS politician_name,
			c.party_key, c.ballot, c.party_position, c.free_vote, c.dissent, c.total
		FROM chosen c
		LEFT JOIN etl.votes v ON v.session = c.session AND v.number = c.vote_number
		LEFT JOIN etl.politicians pol ON pol.slug = c.politician_slug
		ORDER BY v.date DESC NULLS LAST, split_part(c.session, '-', 1)::int DESC, split_part(c.session, '-', 2)::int DESC, c.vote_number DESC, c.politician_slug
		LIMIT $${all.length + 1} OFFSET $${all.length + 2}`,
		[...all, params.limit, params.offset]
	);
	let total = rows[0]?.total ?? 0;
	if (rows.length === 0 && params.offset > 0) {
		const counted = await db.query<{ n: number }>(`WITH judged AS (${source}) SELECT count(*)::int AS n FROM judged j WHERE ${filter}`, all);
		total = counted.rows[0]?.n ?? 0;
	}
	return {
		objects: rows.map((r) => ({
			vote: { session: r.session, number: r.vote_number, date: r.date, description_en: r.description_en, url: `/api/v1/votes/${r.session}/${r.vote_number}` },
			politician: { slug: r.politician_slug, name: r.politician_name, url: `/api/v1/politicians/${r.politician_slug}` },
			party: r.party_key,
			ballot: r.ballot,
			party_position: r.party_position,
			free_vote: r.free_vote,
			dissent: r.dissent
		})),
		total
	};
}
