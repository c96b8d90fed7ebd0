/**
 * openparliament's ballots do not say whether a member broke with their party; its site derives
 * it the same way: a Yes/No ballot against the party's Yes/No line is dissent. Free votes,
 * paired members and absences are never dissent. Needs the party of each ballot's membership,
 * which only the store (memberships from another run) knows, hence a lookup function.
 */
import type { Ballot, PartyVote } from "./domain.ts";

/** Each party's line per vote: vote (`session/number`) → party key → the party's vote. */
export function partyLines(partyVotes: readonly PartyVote[]): Map<string, Map<string, PartyVote["vote"]>> {
	const lines = new Map<string, Map<string, PartyVote["vote"]>>();
	for (const pv of partyVotes) {
		const key = `${pv.session}/${pv.voteNumber}`;
		let vote = lines.get(key);
		if (!vote) lines.set(key, (vote = new Map()));
		vote.set(pv.partyKey, pv.vote);
	}
	return lines;
}

const decided = (v: string | undefined): v is "Yes" | "No" => v === "Yes" || v === "No";

/** Whether a ballot broke with its party's line (undefined when the party or its line is unknown). */
export function isDissent(ballot: Ballot["ballot"], partyLine: PartyVote["vote"] | undefined): boolean {
	return decided(ballot) && decided(partyLine) && ballot !== partyLine;
}

export function markDissent(
	ballots: readonly Ballot[],
	partyVotes: readonly PartyVote[],
	partyOfMembership: (membershipId: string) => string | undefined
): Ballot[] {
	const lines = partyLines(partyVotes);
	return ballots.map((b) => {
		const party = b.membershipId === null ? undefined : partyOfMembership(b.membershipId);
		const line = party === undefined ? undefined : lines.get(`${b.session}/${b.voteNumber}`)?.get(party);
		return { ...b, dissent: isDissent(b.ballot, line) };
	});
}
