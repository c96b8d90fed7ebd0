/**
 * One bill of LEGISinfo's JSON export (https://www.parl.ca/legisinfo/en/bills/json?parlsession=44-1),
 * which is a JSON array of these. Only the fields the transform reads are listed; the export has
 * dozens more (French variants, activity ids...) and gains fields over time.
 */
import { z } from "zod";

const maybeText = z.string().nullable().optional();
const maybeDateTime = z.string().nullable().optional();

export const LegisinfoBillShape = z.object({
	BillId: z.number().int(),
	BillNumberFormatted: z.string(),
	ParlSessionCode: z.string().optional(),
	ParliamentNumber: z.number().int().optional(),
	SessionNumber: z.number().int().optional(),
	LongTitleEn: maybeText,
	LongTitleFr: maybeText,
	ShortTitleEn: maybeText,
	ShortTitleFr: maybeText,
	BillTypeEn: maybeText,
	SponsorEn: maybeText,
	IsGovernmentBill: z.boolean().nullable().optional(),
	/** 1 = House of Commons, 2 = Senate. */
	OriginatingChamberId: z.number().int().nullable().optional(),
	CurrentStatusEn: maybeText,
	LatestCompletedMajorStageEn: maybeText,
	LatestActivityDateTime: maybeDateTime,
	PassedHouseFirstReadingDateTime: maybeDateTime,
	PassedHouseSecondReadingDateTime: maybeDateTime,
	PassedHouseThirdReadingDateTime: maybeDateTime,
	PassedSenateFirstReadingDateTime: maybeDateTime,
	PassedSenateSecondReadingDateTime: maybeDateTime,
	PassedSenateThirdReadingDateTime: maybeDateTime,
	ReceivedRoyalAssentDateTime: maybeDateTime
});
export type LegisinfoBillShape = z.infer<typeof LegisinfoBillShape>;

/**
 * LEGISinfo status names → openparliament's status codes, so bills from both sources share one
 * vocabulary (the same table openparliament's own LEGISinfo importer uses).
 */
export const LEGISINFO_STATUS_CODES: Readonly<Record<string, string>> = {
	"At consideration in committee in the House of Commons": "HouseInCommittee",
	"At consideration in committee in the Senate": "SenateInCommittee",
	"At second reading in the House of Commons": "HouseAt2ndReading",
	"At second reading in the Senate": "SenateAt2ndReading",
	"At third reading in the Senate": "SenateAt3rdReading",
	"At third reading in the House of Commons": "HouseAt3rdReading",
	"Bill not proceeded with": "WillNotBeProceededWith",
	"Introduced as pro forma bill": "ProForma",
	"Outside the Order of Precedence": "OutsideOrderPrecedence",
	"Royal assent received": "RoyalAssentGiven",
	"Senate bill awaiting first reading in the House of Commons": "SenateBillWaitingHouse",
	"At report stage in the House of Commons": "HouseAtReportStage",
	"At report stage in the Senate": "SenateAtReportStage",
	"House of Commons bill awaiting first reading in the Senate": "HouseBillWaitingSenate",
	"Bill defeated": "BillDefeated",
	"Awaiting royal assent": "RoyalAssentAwaiting",
	"At consideration in the Senate of amendments made by the House of Commons": "SenConsideringHouseAmendments",
	"At consideration in the House of Commons of amendments made by the Senate": "HouseConsideringSenAmendments"
};
