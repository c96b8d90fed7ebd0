/**
 * How each record kind maps onto its table in schema `etl` (migrations/001_parliament.sql): the
 * columns in record-field order, the natural key the upsert conflicts on, and the load order that
 * satisfies the foreign keys. One place, so the loader, the tests and the benchmark agree.
 */
import type { RecordKind, RecordOf } from "../records/normalized-record.ts";

export interface ColumnSpec {
	field: string;
	column: string;
	/** PostgreSQL type of the column, for casts in a VALUES list. */
	type: "text" | "integer" | "boolean" | "date" | "double precision";
}

export interface TableSpec {
	kind: RecordKind;
	table: string;
	columns: readonly ColumnSpec[];
	keyColumns: readonly string[];
	/**
	 * The record has optional fields (absent = this source does not know it, keep the stored value),
	 * so the loader reads the stored row first and merges; the others replace the row whole.
	 */
	merge: boolean;
}

const c = (field: string, column: string, type: ColumnSpec["type"] = "text"): ColumnSpec => ({ field, column, type });

/** Lineage and change-detection columns every domain table has, after the record's own. */
export const LINEAGE_COLUMNS = ["source", "document_key", "document_hash", "content_hash", "run_id"] as const;

/** Kinds stored one row per record. Ballots are stored one row per vote (pipeline/vote-ballots.ts). */
export type RowKind = Exclude<RecordKind, "ballot">;

export const TABLES: { [K in RowKind]: TableSpec & { kind: K } } = {
	session: { kind: "session", table: "sessions", merge: false, keyColumns: ["id"], columns: [c("id", "id"), c("parliament", "parliament", "integer"), c("session", "session", "integer")] },
	province: {
		kind: "province",
		table: "provinces",
		merge: false,
		keyColumns: ["ocd_id"],
		columns: [c("ocdId", "ocd_id"), c("code", "code"), c("nameEn", "name_en"), c("abbreviationEn", "abbreviation_en"), c("abbreviationFr", "abbreviation_fr"), c("sgc", "sgc")]
	},
	party: {
		kind: "party",
		table: "parties",
		merge: true,
		keyColumns: ["key"],
		columns: [c("key", "key"), c("nameEn", "name_en"), c("nameFr", "name_fr"), c("shortNameEn", "short_name_en"), c("shortNameFr", "short_name_fr")]
	},
	riding: {
		kind: "riding",
		table: "ridings",
		merge: false,
		keyColumns: ["ocd_id"],
		columns: [
			c("ocdId", "ocd_id"),
			c("edid", "edid"),
			c("nameEn", "name_en"),
			c("nameFr", "name_fr"),
			c("province", "province"),
			c("validFrom", "valid_from", "date"),
			c("validThrough", "valid_through", "date")
		]
	},
	politician: {
		kind: "politician",
		table: "politicians",
		merge: true,
		keyColumns: ["slug"],
		columns: [c("slug", "slug"), c("name", "name"), c("givenName", "given_name"), c("familyName", "family_name"), c("gender", "gender"), c("imageUrl", "image_url"), c("parlPersonId", "parl_person_id")]
	},
	membership: {
		kind: "membership",
		table: "memberships",
		merge: false,
		keyColumns: ["id"],
		columns: [
			c("id", "id"),
			c("politicianSlug", "politician_slug"),
			c("partyKey", "party_key"),
			c("ridingEdid", "riding_edid"),
			c("ridingNameEn", "riding_name_en"),
			c("province", "province"),
			c("startDate", "start_date", "date"),
			c("endDate", "end_date", "date")
		]
	},
	bill: {
		kind: "bill",
		table: "bills",
		merge: true,
		keyColumns: ["session", "number"],
		columns: [
			c("session", "session"),
			c("number", "number"),
			c("chamber", "chamber"),
			c("titleEn", "title_en"),
			c("titleFr", "title_fr"),
			c("shortTitleEn", "short_title_en"),
			c("shortTitleFr", "short_title_fr"),
			c("sponsorPoliticianSlug", "sponsor_politician_slug"),
			c("sponsorMembershipId", "sponsor_membership_id"),
			c("sponsorName", "sponsor_name"),
			c("statusCode", "status_code"),
			c("statusTextEn", "status_text_en"),
			c("statusDate", "status_date", "date"),
			c("introduced", "introduced", "date"),
			c("law", "law", "boolean"),
			c("privateMember", "private_member", "boolean"),
			c("governmentBill", "government_bill", "boolean"),
			c("legisinfoId", "legisinfo_id", "integer")
		]
	},
	billStage: {
		kind: "billStage",
		table: "bill_stages",
		merge: false,
		keyColumns: ["session", "bill_number", "stage"],
		columns: [c("session", "session"), c("billNumber", "bill_number"), c("stage", "stage"), c("chamber", "chamber"), c("date", "date", "date")]
	},
	vote: {
		kind: "vote",
		table: "votes",
		merge: false,
		keyColumns: ["session", "number"],
		columns: [
			c("session", "session"),
			c("number", "number", "integer"),
			c("date", "date", "date"),
			c("descriptionEn", "description_en"),
			c("descriptionFr", "description_fr"),
			c("result", "result"),
			c("yeaTotal", "yea_total", "integer"),
			c("nayTotal", "nay_total", "integer"),
			c("pairedTotal", "paired_total", "integer"),
			c("billNumber", "bill_number")
		]
	},
	partyVote: {
		kind: "partyVote",
		table: "party_votes",
		merge: false,
		keyColumns: ["session", "vote_number", "party_key"],
		columns: [c("session", "session"), c("voteNumber", "vote_number", "integer"), c("partyKey", "party_key"), c("vote", "vote"), c("disagreement", "disagreement", "double precision")]
	}
};

/** Parents before children, so every foreign key finds its row within one flush; ballots come last. */
export const LOAD_ORDER: readonly RowKind[] = ["session", "province", "party", "riding", "politician", "membership", "bill", "billStage", "vote", "partyVote"];

/** Every domain table, for tests that compare whole databases. */
export const DOMAIN_TABLES: readonly { table: string }[] = [...LOAD_ORDER.map((kind) => TABLES[kind]), { table: "vote_ballots" }];

export function fieldValue<K extends RecordKind>(data: RecordOf<K>, field: string): unknown {
	return (data as Record<string, unknown>)[field];
}
