/**
 * Characters a credential must not contain (OWASP ASVS 2.1): control characters (NUL, tab, escape),
 * format characters (zero-width space and joiners, bidi overrides, the BOM), lone surrogates, and
 * the other code points Unicode says render as nothing (Hangul fillers, the combining grapheme
 * joiner). They make two credentials that look identical differ, or one that looks like something
 * be nothing at all. Variation selectors are kept: they are part of how emoji are typed.
 */
const FORBIDDEN = /(?:[\p{Cc}\p{Cf}\p{Cs}]|(?![\p{Variation_Selector}])\p{Default_Ignorable_Code_Point})/gu;

/** True when `text` contains a character of the list above. */
export function hasInvisibleCharacters(text: string): boolean {
	FORBIDDEN.lastIndex = 0;
	return FORBIDDEN.test(text);
}

/** `text` without them, for comparing what a person sees with a list of known values. */
export function withoutInvisibleCharacters(text: string): string {
	return text.replace(FORBIDDEN, "");
}
