/**
 * The House of Commons' XML as ourcommons.ca publishes it, read into plain objects. The element
 * names are the House's (openparliament's importer, parliament/imports/parlvotes.py, reads the
 * same ones):
 * - the members list, `/members/en/search/xml`: `ArrayOfMemberOfParliament/MemberOfParliament`;
 * - the divisions of the session, `/members/{en,fr}/votes/xml`: `ArrayOfVote/Vote`;
 * - one division's ballots, `/members/en/votes/{parliament}/{session}/{number}/xml`:
 *   `ArrayOfVoteParticipant/VoteParticipant`, one per member who voted.
 * Values stay strings (`parseTagValue: false`): a person id is an identifier, not a number, and
 * `IsVoteYea` is read as the House writes it. An empty or `xsi:nil` element reads as "".
 */
import { XMLParser } from "fast-xml-parser";
import { z } from "zod";

const LISTS = new Set(["MemberOfParliament", "Vote", "VoteParticipant"]);

const parser = new XMLParser({
	ignoreAttributes: true,
	parseTagValue: false,
	trimValues: true,
	// A list of one is still a list; a document of one division's ballots may hold a single member.
	isArray: (name) => LISTS.has(name)
});

export type HouseRoot = "ArrayOfMemberOfParliament" | "ArrayOfVote" | "ArrayOfVoteParticipant";

/** The document's root element and its items, or an error message for XML that is not one of the three. */
export function parseHouseXml(text: string): { root: HouseRoot; items: unknown[] } | { error: string } {
	let parsed: unknown;
	try {
		parsed = parser.parse(text, true);
	} catch (error) {
		return { error: `not well-formed XML: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
	}
	if (parsed === null || typeof parsed !== "object") return { error: "not an XML document" };
	const doc = parsed as Record<string, unknown>;
	for (const [root, item] of [
		["ArrayOfMemberOfParliament", "MemberOfParliament"],
		["ArrayOfVote", "Vote"],
		["ArrayOfVoteParticipant", "VoteParticipant"]
	] as const) {
		if (!(root in doc)) continue;
		const body = doc[root];
		// `<ArrayOfVoteParticipant />`: a division with no ballots reads as an empty element.
		const items = body !== null && typeof body === "object" ? (body as Record<string, unknown>)[item] : undefined;
		return { root, items: Array.isArray(items) ? items : [] };
	}
	const roots = Object.keys(doc).filter((k) => k !== "?xml");
	return { error: `root element ${roots[0] ?? "(none)"} is not a House of Commons members list, vote list or division` };
}

const text = z.string().trim().min(1, "is empty");
const digits = z.string().trim().regex(/^\d+$/, "must be a whole number");
const flag = z.enum(["true", "false"]);
const optionalText = z.string().trim().optional();

export const MemberShape = z.object({
	PersonId: optionalText,
	PersonShortHonorific: optionalText,
	PersonOfficialFirstName: text,
	PersonOfficialLastName: text,
	ConstituencyName: text,
	ConstituencyProvinceTerritoryName: optionalText,
	CaucusShortName: optionalText,
	FromDateTime: optionalText,
	ToDateTime: optionalText
});

export const DivisionShape = z.object({
	ParliamentNumber: digits,
	SessionNumber: digits,
	DecisionEventDateTime: text,
	DecisionDivisionNumber: digits,
	DecisionDivisionSubject: text,
	DecisionResultName: text,
	DecisionDivisionNumberOfYeas: digits,
	DecisionDivisionNumberOfNays: digits,
	DecisionDivisionNumberOfPaired: digits,
	DecisionDivisionDocumentTypeName: optionalText,
	BillNumberCode: optionalText
});

export const ParticipantShape = z.object({
	PersonId: optionalText,
	PersonOfficialFirstName: text,
	PersonOfficialLastName: text,
	ConstituencyName: text,
	ConstituencyProvinceTerritoryName: optionalText,
	CaucusShortName: optionalText,
	ParliamentNumber: optionalText,
	SessionNumber: optionalText,
	DecisionDivisionNumber: optionalText,
	DecisionEventDateTime: optionalText,
	VoteValueName: optionalText,
	IsVoteYea: flag,
	IsVoteNay: flag,
	IsVotePaired: flag
});

export type MemberShape = z.infer<typeof MemberShape>;
export type DivisionShape = z.infer<typeof DivisionShape>;
export type ParticipantShape = z.infer<typeof ParticipantShape>;

/** "44-1/12": a division's key, as votes are keyed. */
export function divisionKey(parliament: string | number, session: string | number, number: string | number): string {
	return `${Number(parliament)}-${Number(session)}/${Number(number)}`;
}
