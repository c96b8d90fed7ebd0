/**
 * The voting record's definitions (README.md, "The voting record") as SQL, in one place
 * for the record, the ballots list, a vote's party results, viz and mobile:
 * - a ballot's party is the party of the membership the ballot belongs to; a ballot without a
 *   membership, and a member sitting as an Independent, has no party and so no party position;
 * - a party's position on a vote is the ballot (Yes or No) of a strict majority of its members who
 *   voted Yes or No; none on a tie or with fewer than two such members;
 * - a party's vote was free when at least 15 % of its Yes/No ballots went against its position;
 * - a ballot is dissent when it is Yes or No, its party has a position, and it differs from it.
 *
 * The counts and positions are kept by the ETL's database beside the ballots, in the transaction
 * that writes them (services/etl/migrations/009_vote_derived.sql, docs/decisions/0038): every
 * reader here reads `etl.vote_party_positions` and `etl.member_ballots`, so none can disagree, and
 * a member's record is an aggregate over that member's own rows.
 */

const DISSENT = `(ballot IN ('Yes', 'No') AND party_position IS NOT NULL AND ballot <> party_position)`;

/** Every party's counts, position and free-vote flag on the votes `where` selects (over `etl.vote_party_positions v`), one row per vote and party. */
export function partyTalliesSql(where: string): string {
	return `SELECT v.session, v.vote_number, v.party_key, v.yes, v.no, v.paired, v.didnt_vote, v.position, v.free_vote
	FROM etl.vote_party_positions v WHERE ${where}`;
}

/** The columns every judged-ballots source gives. */
const JUDGED_COLUMNS = "session, vote_number, politician_slug, membership_id, ballot, party_key, party_position, free_vote";

/** A member's ballots in every session, each with its party, the party's position, free vote and dissent (the member's own rows: one index range). */
export function memberBallotsSql(slugParam: string): string {
	return `SELECT ${JUDGED_COLUMNS}, ${DISSENT} AS dissent FROM etl.member_ballots WHERE politician_slug = ${slugParam}`;
}

/** The ballots `where` selects over `etl.ballots b` (a vote's, by its key), judged like memberBallotsSql's. */
export function voteBallotsSql(where: string): string {
	return `SELECT ${JUDGED_COLUMNS}, ${DISSENT} AS dissent FROM (
		SELECT b.session, b.vote_number, b.politician_slug, b.membership_id, b.ballot, m.party_key, p.position AS party_position, coalesce(p.free_vote, false) AS free_vote
		FROM etl.ballots b
		LEFT JOIN etl.memberships m ON m.id = b.membership_id
		LEFT JOIN etl.vote_party_positions p ON p.session = b.session AND p.vote_number = b.vote_number AND p.party_key = m.party_key
		WHERE ${where}
	) judged_vote`;
}
