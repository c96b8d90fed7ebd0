/**
 * openparliament's ballots do not say whether a member broke with their party; its site derives
 * it the same way: a Yes/No ballot against the party's Yes/No line is dissent. Free votes,
 * paired members and absences are never dissent. Needs the party of each ballot's membership,
 * which only the store (memberships from another run) knows, hence a lookup function.
 */
import type { Ballot, PartyVote } from "./domain.ts";

export function markDissent(
	ballots: readonly Ballot[],
	partyVotes: readonly PartyVote[],
	partyOfMembership: (membershipId: string) => string | undefined
): Ballot[] {
	const line = new Map<string, PartyVote["vote"]>();
	for (const pv of partyVotes) line.set(`${pv.session}/${pv.voteNumber}/${pv.partyKey}`, pv.vote);
	return ballots.map((b) => {
		const party = b.membershipId === null ? undefined : partyOfMembership(b.membershipId);
		const partyLine = party === undefined ? undefined : line.get(`${b.session}/${b.voteNumber}/${party}`);
		const decided = (v: string | undefined): v is "Yes" | "No" => v === "Yes" || v === "No";
		return { ...b, dissent: decided(b.ballot) && decided(partyLine) && b.ballot !== partyLine };
	});
}
