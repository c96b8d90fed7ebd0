/**
 * openparliament API items → normalized records. A raw document is one list item (merged with
 * its detail page when that was fetched), and may yield several records: a politician brings
 * their memberships and parties, a vote its party results, a bill its session. Ballots come as
 * a page of items (connectors/openparliament.ts), one ballot record per valid item.
 */
import type { z } from "zod";
import type { RawDocument } from "./raw-document.ts";
import { check, zodIssue } from "./data-quality.ts";
import { RecordCollector, type TransformResult } from "./normalized-record.ts";
import { BallotShape, BillShape, MembershipShape, PoliticianShape, VoteShape } from "./openparliament-shapes.ts";
import { billRefFromUrl, membershipIdFromUrl, politicianSlugFromUrl, sessionFromId, voteRefFromUrl } from "./source-refs.ts";
import { cleanText, slugify, toIsoDate } from "./text.ts";

type PartyRef = z.infer<typeof MembershipShape>["party"];

export function transformOpenparliament(doc: RawDocument): TransformResult {
	const out = new RecordCollector(doc.source, doc.body);
	switch (doc.resource) {
		case "politicians":
			politician(doc, out);
			break;
		case "bills":
			bill(doc, out);
			break;
		case "votes":
			vote(doc, out);
			break;
		case "ballots":
			ballotPage(doc, out);
			break;
		default:
			out.issue(`openparliament transform cannot read resource "${doc.resource}"`);
	}
	return out;
}

function readShape<S extends z.ZodType>(schema: S, doc: RawDocument, out: RecordCollector, what: string, body: unknown = doc.body): z.output<S> | undefined {
	const parsed = schema.safeParse(body);
	if (parsed.success) return parsed.data;
	// The context is built for the failures only: this runs once per ballot.
	const context: { source: string; what: string; recordKey?: string } = { source: doc.source, what: `openparliament ${what}` };
	const hint = keyHint(body);
	if (hint !== undefined) context.recordKey = hint;
	out.issues.push(zodIssue(parsed.error, body, context));
	return undefined;
}

/** A malformed session id is reported once, by the record that carries it, not again here. */
/** Something to find a broken item by: its own URL, or the politician a ballot was about. */
function keyHint(body: unknown): string | undefined {
	if (body === null || typeof body !== "object") return undefined;
	const { url, politician_url: politicianUrl } = body as Record<string, unknown>;
	if (typeof url === "string") return url;
	return typeof politicianUrl === "string" ? politicianUrl : undefined;
}

function addSession(out: RecordCollector, id: string): void {
	const session = sessionFromId(id);
	if (session) out.add("session", session, id);
}

/** Returns the party key, or undefined when the party could not be read (already reported). */
function addParty(out: RecordCollector, party: PartyRef | { short_name: PartyRef["short_name"] }): string | undefined {
	const shortNameEn = cleanText(party.short_name.en);
	const candidate: Record<string, unknown> = { key: shortNameEn ? slugify(shortNameEn) : undefined, shortNameEn };
	const nameEn = "name" in party ? cleanText(party.name?.en) : null;
	if (nameEn) candidate.nameEn = nameEn;
	const shortNameFr = cleanText(party.short_name.fr);
	if (shortNameFr) candidate.shortNameFr = shortNameFr;
	return out.add("party", candidate, shortNameEn ?? undefined)?.key;
}

/** Relative image paths (`/media/polpics/…`) become absolute against the document's own URL. */
function absoluteUrl(value: string | null | undefined, base: string): string | null {
	if (!value) return null;
	try {
		return new URL(value, base).href;
	} catch {
		return value;
	}
}

function politician(doc: RawDocument, out: RecordCollector): void {
	const item = readShape(PoliticianShape, doc, out, "politician");
	if (!item) return;
	const slug = politicianSlugFromUrl(item.url);
	const record: Record<string, unknown> = { slug, name: cleanText(item.name) };
	// Only a detail page says these; leaving them undefined on a list item keeps what the store has.
	if (item.given_name !== undefined) record.givenName = cleanText(item.given_name);
	if (item.family_name !== undefined) record.familyName = cleanText(item.family_name);
	if (item.gender !== undefined) {
		const gender = cleanText(item.gender)?.toLowerCase();
		record.gender = gender === "male" || gender === "female" ? gender : null;
	}
	if (item.image !== undefined) record.imageUrl = absoluteUrl(item.image, doc.url);
	// Only when said: a page without it keeps the id another page or source gave.
	const personId = item.other_info?.parl_mp_id?.[0];
	if (personId !== undefined) record.parlPersonId = String(personId).trim();
	const added = out.add("politician", record, slug ?? item.url);
	if (!added) return;

	if (item.memberships) {
		for (const raw of item.memberships) membership(raw, added.slug, doc, out);
	} else if (item.current_party) {
		addParty(out, item.current_party);
	}
}

function membership(raw: unknown, politicianSlug: string, doc: RawDocument, out: RecordCollector): void {
	const checked = check(MembershipShape, raw, { source: doc.source, recordKey: politicianSlug, what: "openparliament membership" });
	if (!checked.ok) {
		out.issues.push({ ...checked.issue, raw: doc.body });
		return;
	}
	const m = checked.value;
	const partyKey = addParty(out, m.party);
	const id = membershipIdFromUrl(m.url);
	out.add(
		"membership",
		{
			id,
			politicianSlug,
			partyKey,
			ridingEdid: String(m.riding.id).padStart(5, "0"),
			ridingNameEn: cleanText(m.riding.name.en),
			province: m.riding.province.toUpperCase(),
			startDate: toIsoDate(m.start_date),
			endDate: m.end_date === null ? null : toIsoDate(m.end_date)
		},
		id ?? m.url
	);
}

function bill(doc: RawDocument, out: RecordCollector): void {
	const item = readShape(BillShape, doc, out, "bill");
	if (!item) return;
	const key = `${item.session}/${item.number}`;
	addSession(out, item.session);
	const record: Record<string, unknown> = {
		session: item.session,
		number: item.number.toUpperCase(),
		chamber: chamberOf(item.home_chamber, item.number),
		titleEn: cleanText(item.name.en),
		titleFr: cleanText(item.name.fr),
		introduced: toIsoDate(item.introduced),
		legisinfoId: item.legisinfo_id ?? null
	};
	if (item.short_title !== undefined) {
		record.shortTitleEn = cleanText(item.short_title?.en);
		record.shortTitleFr = cleanText(item.short_title?.fr);
	}
	if (item.law !== undefined) record.law = item.law;
	if (item.private_member_bill !== undefined) record.privateMember = item.private_member_bill;
	if (item.status_code !== undefined) record.statusCode = cleanText(item.status_code);
	if (item.status !== undefined) record.statusTextEn = cleanText(item.status?.en);
	if (item.sponsor_politician_url !== undefined) {
		record.sponsorPoliticianSlug = item.sponsor_politician_url ? (politicianSlugFromUrl(item.sponsor_politician_url) ?? item.sponsor_politician_url) : null;
	}
	if (item.sponsor_politician_membership_url !== undefined) {
		record.sponsorMembershipId = item.sponsor_politician_membership_url
			? (membershipIdFromUrl(item.sponsor_politician_membership_url) ?? item.sponsor_politician_membership_url)
			: null;
	}
	out.add("bill", record, key);
}

/** openparliament says "House"/"Senate" on detail pages; a list item only has the number's letter. */
function chamberOf(homeChamber: string | null | undefined, number: string): string | undefined {
	if (homeChamber) return homeChamber;
	if (/^C-/i.test(number)) return "House";
	if (/^S-/i.test(number)) return "Senate";
	return undefined;
}

function vote(doc: RawDocument, out: RecordCollector): void {
	const item = readShape(VoteShape, doc, out, "vote");
	if (!item) return;
	const key = `${item.session}/${item.number}`;
	addSession(out, item.session);
	let billNumber: string | null = null;
	if (item.bill_url) {
		const ref = billRefFromUrl(item.bill_url);
		if (!ref) {
			out.issue(`vote ${key}: bill_url ${item.bill_url} is not a bill URL`, key);
		} else billNumber = ref.number.toUpperCase();
	}
	const added = out.add(
		"vote",
		{
			session: item.session,
			number: item.number,
			date: toIsoDate(item.date),
			descriptionEn: cleanText(item.description.en),
			descriptionFr: cleanText(item.description.fr),
			result: item.result,
			yeaTotal: item.yea_total,
			nayTotal: item.nay_total,
			pairedTotal: item.paired_total,
			billNumber
		},
		key
	);
	if (!added || !item.party_votes) return;
	for (const pv of item.party_votes) {
		const partyKey = addParty(out, pv.party);
		if (!partyKey) continue;
		out.add(
			"partyVote",
			{ session: added.session, voteNumber: added.number, partyKey, vote: pv.vote, disagreement: pv.disagreement ?? null },
			`${key}/${partyKey}`
		);
	}
}

function ballotPage(doc: RawDocument, out: RecordCollector): void {
	const body = doc.body;
	const objects = body !== null && typeof body === "object" && "objects" in body ? body.objects : undefined;
	if (!Array.isArray(objects)) {
		out.issue("openparliament ballots document has no objects list");
		return;
	}
	for (const raw of objects) {
		out.about(raw);
		ballot(doc, raw, out);
	}
}

type BallotItem = z.output<typeof BallotShape>;

/**
 * The item when it has BallotShape's fields with their types, read in place: zod parses an object
 * into a new one, a million times per million ballots (a tenth of the extraction worker's time,
 * mostly garbage). Any item this does not accept goes through BallotShape, whose issue it reports.
 */
function ballotItem(raw: unknown): BallotItem | undefined {
	if (raw === null || typeof raw !== "object") return undefined;
	const item = raw as Record<string, unknown>;
	const membership = item.politician_membership_url;
	const ok =
		typeof item.vote_url === "string" &&
		item.vote_url.length > 0 &&
		typeof item.politician_url === "string" &&
		item.politician_url.length > 0 &&
		(membership === undefined || membership === null || typeof membership === "string") &&
		typeof item.ballot === "string";
	return ok ? (item as BallotItem) : undefined;
}

function ballot(doc: RawDocument, raw: unknown, out: RecordCollector): void {
	const item = ballotItem(raw) ?? readShape(BallotShape, doc, out, "ballot", raw);
	if (!item) return;
	const voteRef = voteRefFromUrl(item.vote_url);
	const slug = politicianSlugFromUrl(item.politician_url);
	const hint = `${item.vote_url} ${item.politician_url}`;
	if (!voteRef || !slug) {
		out.issue(`ballot: cannot read ${voteRef ? "politician_url" : "vote_url"} (${hint})`, hint);
		return;
	}
	out.addBallot({
		session: voteRef.session,
		voteNumber: voteRef.number,
		politicianSlug: slug,
		membershipId: item.politician_membership_url ? (membershipIdFromUrl(item.politician_membership_url) ?? item.politician_membership_url) : null,
		ballot: item.ballot
	});
}
