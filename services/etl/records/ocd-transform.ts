/**
 * Open Civic Data division CSV rows → provinces and federal ridings. The riding CSVs carry no
 * province column; the province is the first two digits of the electoral district number, which
 * are the province's Standard Geographical Classification code (the `sgc` column of the
 * provinces file; a test checks this table against that file).
 */
import type { RawDocument } from "./raw-document.ts";
import { RecordCollector, type TransformResult } from "./normalized-record.ts";
import { cleanText, toIsoDate } from "./text.ts";

export const PROVINCE_BY_SGC: Readonly<Record<string, string>> = {
	"10": "NL",
	"11": "PE",
	"12": "NS",
	"13": "NB",
	"24": "QC",
	"35": "ON",
	"46": "MB",
	"47": "SK",
	"48": "AB",
	"59": "BC",
	"60": "YT",
	"61": "NT",
	"62": "NU"
};

function field(row: unknown, name: string): unknown {
	return row !== null && typeof row === "object" ? (row as Record<string, unknown>)[name] : undefined;
}

/** An empty CSV cell means "no date" (a current riding has no validThrough), not a bad date. */
function optionalDate(value: unknown): string | null | undefined {
	if (value === undefined || value === null || value === "") return null;
	return toIsoDate(value) ?? undefined;
}

export function transformOcd(doc: RawDocument): TransformResult {
	const out = new RecordCollector(doc.source, doc.body);
	const id = field(doc.body, "id");
	const key = typeof id === "string" ? id : undefined;
	if (doc.resource === "provinces") {
		const code = key?.split(":").at(-1)?.toUpperCase();
		out.add(
			"province",
			{
				ocdId: key,
				code,
				nameEn: cleanText(field(doc.body, "name")),
				abbreviationEn: cleanText(field(doc.body, "abbreviation")),
				abbreviationFr: cleanText(field(doc.body, "abbreviation_fr")),
				sgc: field(doc.body, "sgc")
			},
			key
		);
	} else if (doc.resource === "ridings") {
		const edid = key ? /\/ed:(\d{5})-\d{4}$/.exec(key)?.[1] : undefined;
		out.add(
			"riding",
			{
				ocdId: key,
				edid,
				nameEn: cleanText(field(doc.body, "name")),
				nameFr: cleanText(field(doc.body, "name_fr")),
				province: edid ? PROVINCE_BY_SGC[edid.slice(0, 2)] : undefined,
				validFrom: optionalDate(field(doc.body, "validFrom")),
				validThrough: optionalDate(field(doc.body, "validThrough"))
			},
			key
		);
	} else {
		out.issue(`OCD transform cannot read resource "${doc.resource}"`, key);
	}
	return out;
}
