/**
 * House of Commons XML (records/ourcommons-shapes.ts) → normalized records. The members list and
 * each division's ballots are matched to the politicians already loaded (records/member-match.ts):
 * a ballot is stored under the politician's slug and the membership it was cast in, so it merges
 * with openparliament's ballot for the same member instead of adding a second one. A member that
 * matches nobody, or more than one politician, is a data-quality issue and the ballot is not
 * loaded. A match by name and riding teaches the politician its House person id, so the next
 * record naming that id matches by id.
 */
import type { z } from "zod";
import { zodIssue } from "./data-quality.ts";
import type { BallotValue } from "./domain.ts";
import { type HouseMember, MemberMatcher, type MemberDirectory, foldName } from "./member-match.ts";
import { RecordCollector, type TransformResult } from "./normalized-record.ts";
import { DivisionShape, MemberShape, ParticipantShape, divisionKey, parseHouseXml } from "./ourcommons-shapes.ts";
import type { RawDocument } from "./raw-document.ts";
import { cleanText, toIsoDate } from "./text.ts";

/** What the vote list said about one division, handed to its ballots' transform (RawDocument.context); totals -1 when unknown. */
export interface DivisionContext {
	session: string;
	number: number;
	date: string | null;
	yeas: number;
	nays: number;
	paired: number;
}

/** The House's DecisionResultName, in either language, as our results. */
const RESULTS: Record<string, "Passed" | "Failed" | "Tie"> = {
	"agreed to": "Passed",
	negatived: "Failed",
	tie: "Tie",
	adopte: "Passed",
	rejete: "Failed",
	egalite: "Tie"
};

export function createOurcommonsTransform(directory: MemberDirectory): (doc: RawDocument) => TransformResult {
	const matcher = new MemberMatcher(directory);
	return (doc) => {
		const out = new RecordCollector(doc.source, null);
		const parsed = typeof doc.body === "string" ? parseHouseXml(doc.body) : { error: "the document has no XML text" };
		if ("error" in parsed) {
			out.issue(`House of Commons ${doc.resource} document ${doc.url}: ${parsed.error}`, doc.url);
			return out;
		}
		const expected = { "ourcommons-members": "ArrayOfMemberOfParliament", "ourcommons-votes": "ArrayOfVote", "ourcommons-votes-fr": "ArrayOfVote", "ourcommons-ballots": "ArrayOfVoteParticipant" }[
			doc.resource as string
		];
		if (expected !== parsed.root) {
			out.issue(`House of Commons ${doc.resource} document ${doc.url} is an ${parsed.root}, not an ${expected ?? "known document"}`, doc.url);
			return out;
		}
		switch (doc.resource) {
			case "ourcommons-members":
				for (const item of parsed.items) member(item, doc, out, matcher);
				break;
			case "ourcommons-votes":
				for (const item of parsed.items) division(item, doc, out);
				break;
			case "ourcommons-ballots":
				ballots(parsed.items, doc, out, matcher);
				break;
			default:
			// The French list's subjects reach the English list through its context; it has no records of its own.
		}
		return out;
	};
}

function read<S extends z.ZodType>(schema: S, item: unknown, doc: RawDocument, out: RecordCollector, what: string, recordKey?: string): z.output<S> | undefined {
	const parsed = schema.safeParse(item);
	if (parsed.success) return parsed.data;
	out.issues.push(zodIssue(parsed.error, item, { source: doc.source, what: `House of Commons ${what}`, ...(recordKey ? { recordKey } : {}) }));
	return undefined;
}

function houseMember(m: { PersonId?: string | undefined; PersonOfficialFirstName: string; PersonOfficialLastName: string; ConstituencyName: string }): HouseMember {
	return { personId: m.PersonId || null, firstName: m.PersonOfficialFirstName, lastName: m.PersonOfficialLastName, constituency: m.ConstituencyName };
}

function describe(m: HouseMember): string {
	return `${cleanText(`${m.firstName} ${m.lastName}`) ?? "?"} (${m.constituency}${m.personId ? `, person id ${m.personId}` : ""})`;
}

/** The politician learns its House person id (merged: every other field stays as loaded). */
function linkPersonId(out: RecordCollector, match: { slug: string; name: string; knownPersonId: string | null }, member: HouseMember): void {
	if (member.personId && match.knownPersonId === null) out.add("politician", { slug: match.slug, name: match.name, parlPersonId: member.personId }, match.slug);
}

function member(item: unknown, doc: RawDocument, out: RecordCollector, matcher: MemberMatcher): void {
	out.about(item);
	const m = read(MemberShape, item, doc, out, "member");
	if (!m) return;
	const who = houseMember(m);
	const match = matcher.match(who, null);
	const key = `member/${who.personId ?? `${cleanText(`${who.firstName} ${who.lastName}`)}/${who.constituency}`}`;
	if (match.kind === "matched") linkPersonId(out, match, who);
	else if (match.kind === "ambiguous") out.issue(`House member ${describe(who)} matches several politicians by ${match.by}: ${match.slugs.join(", ")}; none was chosen`, key);
	else out.issue(`House member ${describe(who)} matches no politician loaded from openparliament (by person id, or by name and riding)`, key);
}

function division(item: unknown, doc: RawDocument, out: RecordCollector): void {
	out.about(item);
	const v = read(DivisionShape, item, doc, out, "division");
	if (!v) return;
	const key = divisionKey(v.ParliamentNumber, v.SessionNumber, v.DecisionDivisionNumber);
	const session = `${Number(v.ParliamentNumber)}-${Number(v.SessionNumber)}`;
	const result = RESULTS[foldName(v.DecisionResultName)];
	if (!result) {
		out.issue(`division ${key}: unknown result "${v.DecisionResultName}"`, key);
		return;
	}
	out.add("session", { id: session, parliament: Number(v.ParliamentNumber), session: Number(v.SessionNumber) }, session);
	const subjectsFr = (doc.context?.subjectsFr ?? {}) as Record<string, string>;
	const bill = cleanText(v.BillNumberCode)?.toUpperCase() ?? null;
	out.add(
		"vote",
		{
			session,
			number: Number(v.DecisionDivisionNumber),
			date: toIsoDate(v.DecisionEventDateTime),
			descriptionEn: cleanText(v.DecisionDivisionSubject),
			descriptionFr: cleanText(subjectsFr[key]),
			result,
			yeaTotal: Number(v.DecisionDivisionNumberOfYeas),
			nayTotal: Number(v.DecisionDivisionNumberOfNays),
			pairedTotal: Number(v.DecisionDivisionNumberOfPaired),
			billNumber: bill
		},
		key
	);
}

function ballotValue(p: ParticipantShape): BallotValue | undefined {
	const set = [p.IsVoteYea === "true" ? "Yes" : undefined, p.IsVoteNay === "true" ? "No" : undefined, p.IsVotePaired === "true" ? "Paired" : undefined].filter(
		(v): v is BallotValue => v !== undefined
	);
	return set.length === 1 ? set[0] : undefined;
}

function ballots(items: unknown[], doc: RawDocument, out: RecordCollector, matcher: MemberMatcher): void {
	const context = doc.context as DivisionContext | undefined;
	if (!context) {
		out.issue(`division ballots ${doc.url}: which division they belong to is unknown`, doc.url);
		return;
	}
	const key = `${context.session}/${context.number}`;
	const counted = { Yes: 0, No: 0, Paired: 0 };
	for (const item of items) {
		out.about(item);
		const p = read(ParticipantShape, item, doc, out, "division ballot", key);
		if (!p) continue;
		const who = houseMember(p);
		if (p.DecisionDivisionNumber !== undefined && p.DecisionDivisionNumber !== "" && Number(p.DecisionDivisionNumber) !== context.number) {
			out.issue(`division ${key}: a ballot of ${describe(who)} names division ${p.DecisionDivisionNumber}; not loaded`, key);
			continue;
		}
		const value = ballotValue(p);
		if (!value) {
			out.issue(`division ${key}: the ballot of ${describe(who)} is not exactly one of yea, nay, paired; not loaded`, `${key}/${who.personId ?? who.lastName}`);
			continue;
		}
		counted[value === "Yes" ? "Yes" : value === "No" ? "No" : "Paired"]++;
		const match = matcher.match(who, context.date ?? toIsoDate(p.DecisionEventDateTime));
		const ballotKey = `${key}/${who.personId ? `person-${who.personId}` : foldKey(who)}`;
		if (match.kind === "ambiguous") {
			out.issue(`division ${key}: ${describe(who)} matches several politicians by ${match.by}: ${match.slugs.join(", ")}; ballot not loaded`, ballotKey);
			continue;
		}
		if (match.kind === "unmatched") {
			out.issue(`division ${key}: ${describe(who)} matches no politician loaded from openparliament; ballot not loaded`, ballotKey);
			continue;
		}
		linkPersonId(out, match, who);
		out.addBallot({ session: context.session, voteNumber: context.number, politicianSlug: match.slug, membershipId: match.membershipId, ballot: value });
	}
	out.about(null);
	// A ballots file the vote list does not name has no totals to check against.
	if (context.yeas < 0) return;
	const said = `${context.yeas} yeas, ${context.nays} nays, ${context.paired} paired`;
	if (items.length === 0 && context.yeas + context.nays + context.paired > 0) out.issue(`division ${key} lists no ballots, though the House's list says ${said}`, key);
	else if (counted.Yes !== context.yeas || counted.No !== context.nays || counted.Paired !== context.paired) {
		out.issue(`division ${key}: its ballots say ${counted.Yes} yeas, ${counted.No} nays, ${counted.Paired} paired; the House's list says ${said}`, key);
	}
}

function foldKey(m: HouseMember): string {
	return foldName(`${m.firstName} ${m.lastName}`).replaceAll(" ", "-");
}
