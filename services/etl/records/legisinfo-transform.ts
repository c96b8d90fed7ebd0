/** One LEGISinfo export bill → its bill, session and completed stages. */
import type { RawDocument } from "./raw-document.ts";
import type { BillStage } from "./domain.ts";
import { check } from "./data-quality.ts";
import { RecordCollector, type TransformResult } from "./normalized-record.ts";
import { LEGISINFO_STATUS_CODES, LegisinfoBillShape } from "./legisinfo-shapes.ts";
import { sessionFromId } from "./source-refs.ts";
import { cleanText, toIsoDate } from "./text.ts";

const STAGE_FIELDS: ReadonlyArray<[keyof LegisinfoBillShape, BillStage["stage"], BillStage["chamber"]]> = [
	["PassedHouseFirstReadingDateTime", "house-first-reading", "House"],
	["PassedHouseSecondReadingDateTime", "house-second-reading", "House"],
	["PassedHouseThirdReadingDateTime", "house-third-reading", "House"],
	["PassedSenateFirstReadingDateTime", "senate-first-reading", "Senate"],
	["PassedSenateSecondReadingDateTime", "senate-second-reading", "Senate"],
	["PassedSenateThirdReadingDateTime", "senate-third-reading", "Senate"],
	["ReceivedRoyalAssentDateTime", "royal-assent", "Crown"]
];

export function transformLegisinfo(doc: RawDocument): TransformResult {
	const out = new RecordCollector(doc.source, doc.body);
	const checked = check(LegisinfoBillShape, doc.body, { source: doc.source, what: "LEGISinfo bill" });
	if (!checked.ok) {
		out.issues.push(checked.issue);
		return out;
	}
	const b = checked.value;
	const session =
		b.ParlSessionCode ?? (b.ParliamentNumber !== undefined && b.SessionNumber !== undefined ? `${b.ParliamentNumber}-${b.SessionNumber}` : "");
	const number = b.BillNumberFormatted.trim().toUpperCase();
	const key = `${session}/${number}`;
	const sessionRecord = sessionFromId(session);
	if (sessionRecord) out.add("session", sessionRecord, session);

	const houseFirst = toIsoDate(b.PassedHouseFirstReadingDateTime);
	const senateFirst = toIsoDate(b.PassedSenateFirstReadingDateTime);
	// A bill is introduced at its first first reading, in whichever chamber it started.
	const introduced = [houseFirst, senateFirst].filter((d): d is string => d !== null).sort()[0] ?? null;
	const statusText = cleanText(b.CurrentStatusEn);
	const billType = cleanText(b.BillTypeEn);

	const record: Record<string, unknown> = {
		session,
		number,
		chamber: b.OriginatingChamberId === 1 ? "House" : b.OriginatingChamberId === 2 ? "Senate" : /^S-/.test(number) ? "Senate" : "House",
		titleEn: cleanText(b.LongTitleEn),
		titleFr: cleanText(b.LongTitleFr),
		shortTitleEn: cleanText(b.ShortTitleEn),
		shortTitleFr: cleanText(b.ShortTitleFr),
		sponsorName: cleanText(b.SponsorEn),
		statusTextEn: statusText,
		statusDate: toIsoDate(b.LatestActivityDateTime),
		introduced,
		legisinfoId: b.BillId
	};
	// Absent rather than guessed when LEGISinfo does not say, so openparliament's value survives a merge.
	const statusCode = statusText ? LEGISINFO_STATUS_CODES[statusText] : undefined;
	if (statusCode) record.statusCode = statusCode;
	if (b.ReceivedRoyalAssentDateTime !== undefined) record.law = b.ReceivedRoyalAssentDateTime !== null;
	if (b.IsGovernmentBill !== undefined && b.IsGovernmentBill !== null) record.governmentBill = b.IsGovernmentBill;
	// The export writes "Private Member’s Bill" with a typographic apostrophe; accept either.
	if (billType) record.privateMember = /^private member[’']s bill$/i.test(billType);

	const bill = out.add("bill", record, key);
	if (!bill) return out;
	for (const [field, stage, chamber] of STAGE_FIELDS) {
		const raw = b[field];
		if (raw === undefined || raw === null) continue;
		const date = toIsoDate(raw);
		out.add("billStage", { session: bill.session, billNumber: bill.number, stage, chamber, date }, `${key}/${stage}`);
	}
	return out;
}
