/** What the Atom feeds list: the public notices about a subject, and the newest bills a search finds. */
import type { SqlExecutor } from "../../../runtime/storage/database.ts";
import { prefixQuery, tsquerySql } from "../../shared/text-query.ts";
import type { Language } from "../notification.contract.ts";
import type { AtomEntry } from "./atom.ts";

export const FEED_SIZE = 50;

export async function subjectEntries(db: SqlExecutor, subject: string, language: Language): Promise<AtomEntry[]> {
	const { rows } = await db.query<{ id: string; title_en: string; title_fr: string; body_en: string; body_fr: string; link: string | null; occurred_at: Date | string }>(
		`SELECT id, title_en, title_fr, body_en, body_fr, link, occurred_at FROM notification.events WHERE public AND subject = $1 ORDER BY occurred_at DESC, id DESC LIMIT ${FEED_SIZE}`,
		[subject]
	);
	return rows.map((r) => ({
		id: `urn:openpolicy:notice:${r.id}`,
		title: language === "fr" ? r.title_fr : r.title_en,
		summary: language === "fr" ? r.body_fr : r.body_en,
		link: r.link,
		updated: new Date(r.occurred_at)
	}));
}

export async function searchEntries(db: SqlExecutor, words: string, publicUrl: string, language: Language): Promise<AtomEntry[]> {
	const query = prefixQuery(words, "q");
	const { rows } = await db.query<{ session: string; number: string; title_en: string; title_fr: string | null; status_text_en: string | null; updated_at: Date | string }>(
		`SELECT session, number, title_en, title_fr, status_text_en, updated_at FROM etl.bills WHERE search @@ ${tsquerySql("$1")}
		ORDER BY introduced DESC NULLS LAST, updated_at DESC LIMIT ${FEED_SIZE}`,
		[query]
	);
	return rows.map((r) => ({
		id: `urn:openpolicy:bill:${r.session}/${r.number}`,
		title: `${r.number}: ${language === "fr" ? (r.title_fr ?? r.title_en) : r.title_en}`,
		summary: r.status_text_en ?? "",
		link: `${publicUrl}/bills/${r.session}/${r.number}`,
		updated: new Date(r.updated_at)
	}));
}
