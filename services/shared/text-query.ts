/**
 * Turning what a person types into a tsquery. The words are cut out here (letters and digits
 * only), so nothing a caller sends reaches to_tsquery's own syntax (`&`, `|`, `!`, quotes), and
 * each word matches as a prefix (`:*`) for type-ahead: "Québ" finds "Québec". Both languages'
 * configurations of migration etl/005 (unaccent, then the stemmer) read the same words, and a
 * document matches in either: `search` holds English and French lexemes.
 */
import { invalidField } from "./read-errors.ts";

const MAX_WORDS = 12;
/** Longer runs are no word anyone types; cut so the stemmer gets a bounded input. */
const MAX_WORD_LENGTH = 60;

/** The prefix query text (`quebec:* & loi:*`), or a 422 on `field` when `text` holds no word. */
export function prefixQuery(text: string, field: string): string {
	const words = text
		.normalize("NFC")
		.split(/[^\p{L}\p{N}]+/u)
		.filter((w) => w !== "")
		.slice(0, MAX_WORDS)
		.map((w) => `${w.slice(0, MAX_WORD_LENGTH)}:*`);
	if (words.length === 0) throw invalidField(field, `'${field}' must contain at least one word`);
	return words.join(" & ");
}

/** The tsquery of a prefix query text in placeholder `param`, in English or French. */
export function tsquerySql(param: string): string {
	return `(to_tsquery('etl.english_unaccent', ${param}) || to_tsquery('etl.french_unaccent', ${param}))`;
}
