/**
 * Bills for the API benchmark, written straight into the ETL's tables beside the generated ballots
 * (services/web/export/export-fixtures.ts): `count` bills in one session, sponsored by the
 * generated members, three stages each, and the session's votes spread over them, so a bill's
 * detail has stages and votes and a list page of 50 has a total to count.
 */
import type { SqlExecutor } from "../runtime/storage/database.ts";

const LINEAGE = "'fixture', 'fixture:bills', 'fixture-hash', 'fixture-content'";

export async function insertBills(db: SqlExecutor, count: number, politicians: number, session = "44-1"): Promise<void> {
	await db.query(
		`INSERT INTO etl.bills (session, number, chamber, title_en, title_fr, short_title_en, sponsor_politician_slug, sponsor_membership_id,
			status_code, status_text_en, status_date, introduced, law, private_member, government_bill, source, document_key, document_hash, content_hash)
		SELECT $1, 'C-' || i, 'House', 'An Act to amend the Criminal Code and the Québec Act (part ' || i || ')', 'Loi modifiant le Code criminel (partie ' || i || ')',
			'Amendment Act ' || i, 'member-' || (i % $3::int), (10000 + i % $3::int)::text,
			CASE WHEN i % 3 = 0 THEN 'RoyalAssentGiven' ELSE 'HouseAt2ndReading' END, 'At second reading', '2022-06-01'::date + (i % 200),
			'2022-01-15'::date + (i % 300), i % 3 = 0, i > 200, i <= 200, ${LINEAGE}
		FROM generate_series(1, $2::int) i`,
		[session, count, politicians]
	);
	await db.query(
		`INSERT INTO etl.bill_stages (session, bill_number, stage, chamber, date, source, document_key, document_hash, content_hash)
		SELECT $1, 'C-' || i, s.stage, 'House', '2022-01-15'::date + (i % 300) + s.days, ${LINEAGE}
		FROM generate_series(1, $2::int) i, (VALUES ('first-reading', 0), ('second-reading', 20), ('committee', 45)) s(stage, days)`,
		[session, count]
	);
	await db.query("UPDATE etl.votes SET bill_number = 'C-' || (1 + number % $2::int) WHERE session = $1", [session, count]);
}
