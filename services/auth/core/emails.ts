/**
 * The one form of an email address the auth service stores, looks up and locks out by, so that
 * look-alike spellings of one address (full-width letters, a trailing space, other capitals, a
 * zero-width space) are one account, not several: NFKC, trimmed, lower-cased, and refused when it
 * holds a control or invisible character (OWASP ASVS 2.1, as for passwords).
 */
import { hasInvisibleCharacters } from "./invisible-characters.ts";

export type EmailNormalization = { ok: true; email: string } | { ok: false; message: string };

export function normalizeEmail(input: string): EmailNormalization {
	const email = input.normalize("NFKC").trim().toLowerCase();
	if (hasInvisibleCharacters(email)) return { ok: false, message: "The email address contains a control or invisible character" };
	if (/\s/u.test(email)) return { ok: false, message: "The email address contains a space" };
	return { ok: true, email };
}
