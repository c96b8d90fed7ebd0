/**
 * The voting record's definitions (README.md, "The voting record") as SQL, in one place
 * for the record, the ballots list and a vote's party results:
 * - a ballot's party is the party of the membership the ballot belongs to; a ballot without a
 *   membership, and a member sitting as an Independent, has no party and so no party position;
 * - a party's position on a vote is the ballot (Yes or No) of a strict majority of its members who
 *   voted Yes or No; none on a tie or with fewer than two such members;
 * - a party's vote was free when at least 15 % of its Yes/No ballots went against its position.
 * Counted over `etl.vote_ballots` in the database, never by loading ballots into JavaScript.
 *
 * Shared by `web` (the record, ballots, a vote's parties), `viz` (agreement over time) and `mobile`
 * (ballots summarised per vote), so the definition has one home (moved here from web/stores).
 */

/** Party keys (slugs of openparliament's short names) of members who belong to no party. */
export const NO_PARTY_KEYS = ["independent"] as const;

const NO_PARTY_SQL = NO_PARTY_KEYS.map((k) => `'${k}'`).join(", ");

/** The party position from a tally's `yes` and `no` counts (SQL, null when there is none). */
export function positionSql(partyKey: string, yes: string, no: string): string {
	return `CASE WHEN ${partyKey} IS NULL OR ${partyKey} IN (${NO_PARTY_SQL}) OR ${yes} + ${no} < 2 OR ${yes} = ${no} THEN NULL WHEN ${yes} > ${no} THEN 'Yes' ELSE 'No' END`;
}

/** Whether the party's vote was free: a position, and at least 15 % of its Yes/No ballots against it (exact in integers). */
export function freeVoteSql(partyKey: string, yes: string, no: string): string {
	return `(${positionSql(partyKey, yes, no)} IS NOT NULL AND least(${yes}, ${no}) * 100 >= 15 * (${yes} + ${no}))`;
}

/** Every party's counts on the votes `where` selects (over `etl.vote_ballots v`), one row per vote and party. */
export function partyTalliesSql(where: string): string {
	return `SELECT v.session, v.vote_number, m.party_key,
		count(*) FILTER (WHERE b.ballot = 'Yes')::int AS yes,
		count(*) FILTER (WHERE b.ballot = 'No')::int AS no,
		count(*) FILTER (WHERE b.ballot = 'Paired')::int AS paired,
		count(*) FILTER (WHERE b.ballot = 'Didn''t vote')::int AS didnt_vote
	FROM etl.vote_ballots v
	CROSS JOIN LATERAL unnest(v.membership_ids, v.ballots) AS b(membership_id, ballot)
	LEFT JOIN etl.memberships m ON m.id = b.membership_id
	WHERE ${where}
	GROUP BY v.session, v.vote_number, m.party_key`;
}

/**
 * CTEs that give each ballot of `picked` (a CTE with session, vote_number, politician_slug,
 * membership_id, ballot) its party, the party's position and free-vote flag, and `dissent`, as
 * `positioned`. Only the (vote, party) pairs the picked Yes/No ballots need are counted: a member's
 * record counts one party per vote, not the whole House.
 */
export const POSITIONED_CTES = `
with_party AS MATERIALIZED (
	SELECT p.session, p.vote_number, p.politician_slug, p.membership_id, p.ballot, m.party_key
	FROM picked p LEFT JOIN etl.memberships m ON m.id = p.membership_id
),
needed AS (
	SELECT DISTINCT session, vote_number, party_key FROM with_party
	WHERE party_key IS NOT NULL AND party_key NOT IN (${NO_PARTY_SQL}) AND ballot IN ('Yes', 'No')
),
tallies AS (
	SELECT k.session, k.vote_number, k.party_key, t.yes, t.no
	FROM needed k
	CROSS JOIN LATERAL (
		SELECT count(*) FILTER (WHERE b.ballot = 'Yes')::int AS yes, count(*) FILTER (WHERE b.ballot = 'No')::int AS no
		FROM etl.vote_ballots v
		CROSS JOIN LATERAL unnest(v.membership_ids, v.ballots) AS b(membership_id, ballot)
		JOIN etl.memberships pm ON pm.id = b.membership_id
		WHERE v.session = k.session AND v.vote_number = k.vote_number AND pm.party_key = k.party_key AND b.ballot IN ('Yes', 'No')
	) t
),
positioned AS (
	SELECT w.*, ${positionSql("t.party_key", "t.yes", "t.no")} AS party_position,
		coalesce(${freeVoteSql("t.party_key", "t.yes", "t.no")}, false) AS free_vote
	FROM with_party w LEFT JOIN tallies t ON t.session = w.session AND t.vote_number = w.vote_number AND t.party_key = w.party_key
),
judged AS (
	SELECT p.*, (p.ballot IN ('Yes', 'No') AND p.party_position IS NOT NULL AND p.ballot <> p.party_position) AS dissent
	FROM positioned p
)`;

/** A member's ballots in every session (one lookup per session's vote rows, not an unnest of all ballots). */
export function memberBallotsSql(slugParam: string): string {
	return `SELECT pb.session, pb.vote_number, pb.politician_slug, pb.membership_id, pb.ballot
	FROM (SELECT DISTINCT session FROM etl.vote_ballots) s
	CROSS JOIN LATERAL etl.politician_ballots(s.session, ${slugParam}) pb`;
}
