/**
 * openparliament's ballots do not say whether a member broke with their party; its site derives
 * it the same way: a Yes/No ballot against the party's Yes/No line is dissent. Free votes,
 * paired members and absences are never dissent. Needs the party of each ballot's membership,
 * which only the store (memberships from another run) knows, hence a lookup function.
 */
import type { Ballot, PartyVote } from "./domain.ts";

/** Each party's line per vote, keyed `session/vote/party`. */
export function partyLines(partyVotes: readonly PartyVote[]): Map<string, PartyVote["vote"]> {
	const line = new Map<string, PartyVote["vote"]>();
	for (const pv of partyVotes) line.set(`${pv.session}/${pv.voteNumber}/${pv.partyKey}`, pv.vote);
	return line;
}

const decided = (v: string | undefined): v is "Yes" | "No" => v === "Yes" || v === "No";

/** Whether one ballot broke with its party's line. */
export function isDissent(
	ballot: Pick<Ballot, "session" | "voteNumber" | "membershipId" | "ballot">,
	lines: ReadonlyMap<string, PartyVote["vote"]>,
	partyOfMembership: (membershipId: string) => string | undefined
): boolean {
	const party = ballot.membershipId === null ? undefined : partyOfMembership(ballot.membershipId);
	const partyLine = party === undefined ? undefined : lines.get(`${ballot.session}/${ballot.voteNumber}/${party}`);
	return decided(ballot.ballot) && decided(partyLine) && ballot.ballot !== partyLine;
}

export function markDissent(
	ballots: readonly Ballot[],
	partyVotes: readonly PartyVote[],
	partyOfMembership: (membershipId: string) => string | undefined
): Ballot[] {
	const lines = partyLines(partyVotes);
	return ballots.map((b) => ({ ...b, dissent: isDissent(b, lines, partyOfMembership) }));
}
