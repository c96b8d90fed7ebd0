/**
 * Text clean-up shared by every transform.
 *
 * Titles are stored as plain text: sources sometimes put markup in them (LEGISinfo italicises
 * act names, `<i>Criminal Code</i>`), and the web app, the mobile API, CSV exports and full-text
 * search all want text. So tags are removed (script/style with their content) and entities are
 * decoded; whoever renders the text escapes it for their own medium.
 */
import { decodeHTML } from "entities";

const SCRIPT_OR_STYLE = /<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const TAG = /<\/?[a-zA-Z][^<>]*>|<!--[\s\S]*?-->/g;

/**
 * NFC first, so an é sent as "e" + combining accent compares and indexes equal to a precomposed é.
 * Returns null for empty or non-string input so callers can treat "" and missing alike.
 */
export function cleanText(value: unknown): string | null {
	if (typeof value !== "string") return null;
	const text = decodeHTML(value.normalize("NFC").replace(SCRIPT_OR_STYLE, " ").replace(TAG, ""))
		.normalize("NFC")
		.replace(/\s+/g, " ")
		.trim();
	return text.length > 0 ? text : null;
}

/** ASCII slug: accents folded ("Bloc Québécois" → "bloc-quebecois"), used for keys only. */
export function slugify(value: string): string {
	return value
		.normalize("NFD")
		.replace(/\p{M}/gu, "")
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, "-")
		.replace(/^-+|-+$/g, "");
}

/**
 * The calendar date of a source timestamp. LEGISinfo sends "2021-11-29T00:00:00" or
 * "2026-04-29T08:00:00-04:00" in Ottawa time; the date part is the parliamentary date, so it is
 * taken as written rather than converted to UTC (which would move evening events a day).
 */
export function toIsoDate(value: unknown): string | null {
	if (typeof value !== "string") return null;
	const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(value.trim());
	if (!match) return null;
	const [, y, m, d] = match;
	const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
	const iso = date.toISOString().slice(0, 10);
	return iso === `${y}-${m}-${d}` ? iso : null;
}
